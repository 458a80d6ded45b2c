namespace ShadowProxy.Core.Configuration;

/// <summary>How a migration names its endpoints (docs/configuration.md#endpoints): declared templates first, then learned ones.</summary>
public sealed record EndpointsOptions
{
    /// <summary>The largest number of declared templates accepted.</summary>
    public const int MaxTemplates = 256;

    /// <summary>Path templates in YARP route syntax (<c>/api/catalog/products/{sku}</c>); the first that matches names the endpoint.</summary>
    public IReadOnlyList<string> Templates { get; init; } = [];

    /// <summary>Learn templates from traffic (README, "Endpoint templates"); off, only ids by their shape become <c>{id}</c>.</summary>
    public bool Learn { get; init; } = true;
}
