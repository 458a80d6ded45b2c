namespace ShadowProxy.Core.OpenApi;

/// <summary>An endpoint as the inventory lists it: what the document describes even where no body was sampled.</summary>
public sealed record ObservedEndpoint(string Method, string Template)
{
    /// <summary>Query parameter names seen on its requests.</summary>
    public IReadOnlyList<string> QueryParameters { get; init; } = [];

    /// <summary>Distinct response statuses seen.</summary>
    public IReadOnlyList<int> Statuses { get; init; } = [];
}
