using ShadowProxy.Core.Configuration;

namespace ShadowProxy.Core.Endpoints;

/// <summary>
/// Names the endpoint of a request of one migration, the one name every stage groups it under (inventory, diff
/// summary, report, replay corpus): a declared template (<see cref="ExplicitTemplates"/>) when one matches, else the
/// route's and the path's shape (<see cref="EndpointTemplate"/>), refined by what was learned from traffic
/// (<see cref="EndpointLearner"/>) unless <c>Endpoints:Learn</c> is off. The learner outlives configuration reloads.
/// </summary>
public sealed class EndpointNamer
{
    private volatile Settings _settings;

    public EndpointNamer(EndpointsOptions options) => _settings = Settings.From(options);

    public EndpointLearner Learner { get; } = new();

    public bool Learns => _settings.Learn;

    /// <summary>New templates or learning switched; what was learned stays.</summary>
    public void Configure(EndpointsOptions options) => _settings = Settings.From(options);

    /// <summary>The endpoint of a request (learns from it): <c>GET /api/catalog/products/{id}</c>.</summary>
    public string Name(string method, string? routeTemplate, string path)
    {
        ArgumentNullException.ThrowIfNull(method);
        var settings = _settings;
        if (settings.Templates.Count > 0
            && settings.Templates.Match(HasLowerCase(method) ? method.ToUpperInvariant() : method, path ?? string.Empty) is { } declared)
        {
            return declared;
        }

        var name = EndpointTemplate.Create(method, routeTemplate, path ?? string.Empty);
        return settings.Learn ? Learner.Name(name) : name;
    }

    /// <summary>
    /// The name today of an endpoint named earlier (before a fold was learned, or by another instance), so that what
    /// was counted under <c>GET /products/SKU-1011</c> adds up under <c>GET /products/{id}</c>. Learns nothing.
    /// </summary>
    public string Rename(string endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var settings = _settings;
        var space = endpoint.IndexOf(' ', StringComparison.Ordinal);
        if (space > 0 && settings.Templates.Count > 0 && settings.Templates.Match(endpoint.AsSpan(0, space), endpoint.AsSpan(space + 1)) is { } declared)
        {
            return declared;
        }

        return settings.Learn ? Learner.Name(endpoint, learn: false) : endpoint;
    }

    private static bool HasLowerCase(string method)
    {
        foreach (var c in method)
        {
            if (char.IsAsciiLetterLower(c))
            {
                return true;
            }
        }

        return false;
    }

    private sealed record Settings(ExplicitTemplates Templates, bool Learn)
    {
        public static Settings From(EndpointsOptions options) =>
            new(options.Templates.Count == 0 ? ExplicitTemplates.None : new ExplicitTemplates(options.Templates), options.Learn);
    }
}
