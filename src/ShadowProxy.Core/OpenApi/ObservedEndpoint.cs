namespace ShadowProxy.Core.OpenApi;

/// <summary>An endpoint as the inventory lists it: what the document describes even where no body was sampled.</summary>
public sealed record ObservedEndpoint(string Method, string Template)
{
    /// <summary>Query parameters seen on its requests.</summary>
    public IReadOnlyList<ObservedQueryParameter> QueryParameters { get; init; } = [];

    /// <summary>Distinct response statuses seen.</summary>
    public IReadOnlyList<int> Statuses { get; init; } = [];
}

/// <param name="Always">Every request of the endpoint had it: required, whatever the samples say.</param>
public sealed record ObservedQueryParameter(string Name, bool Always);
