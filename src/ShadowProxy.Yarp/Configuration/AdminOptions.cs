namespace ShadowProxy.Configuration;

/// <summary>The admin listener (docs/admin-api.md#roles-and-keys): API, dashboard, metrics and probes, and the keys that open the API.</summary>
internal sealed record AdminOptions
{
    public string Listen { get; init; } = "http://127.0.0.1:8081";

    public IReadOnlyList<ApiKeyOptions> ApiKeys { get; init; } = [];
}
