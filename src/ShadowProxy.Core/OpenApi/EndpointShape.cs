using System.Text.Json.Nodes;

namespace ShadowProxy.Core.OpenApi;

/// <summary>What the sampled exchanges of one endpoint show, as schemas: a fresh copy, the caller's to use.</summary>
/// <param name="Samples">Exchanges sampled (at most <see cref="SchemaLimits.SamplesPerStatus"/> per status).</param>
public sealed record EndpointShape(string Method, string Template, int Samples)
{
    public IReadOnlyList<ParameterShape> PathParameters { get; init; } = [];

    public IReadOnlyList<ParameterShape> QueryParameters { get; init; } = [];

    /// <summary>Request bodies of the sampled exchanges that succeeded (status below 400), or of all when none did.</summary>
    public BodyShape? Request { get; init; }

    /// <summary>By status, ascending.</summary>
    public IReadOnlyList<ResponseShape> Responses { get; init; } = [];
}

/// <param name="Repeated">The name appeared more than once in one query string (<c>?tag=a&amp;tag=b</c>): an array.</param>
public sealed record ParameterShape(string Name, bool Required, JsonObject Schema, bool Repeated = false);

/// <summary>The bodies of one side (requests, or responses of one status).</summary>
/// <param name="Samples">Exchanges looked at.</param>
/// <param name="WithBody">Of those, exchanges that had a body.</param>
/// <param name="MediaTypes">Media types seen (lower case, without parameters), first seen first.</param>
/// <param name="Schema">Inferred from the JSON bodies among them; null when none parsed.</param>
/// <param name="Example">The first JSON body small enough to show, as received: redact it before it leaves the process.</param>
public sealed record BodyShape(int Samples, int WithBody, IReadOnlyList<string> MediaTypes, JsonObject? Schema, byte[]? Example);

public sealed record ResponseShape(int Status, BodyShape Body);
