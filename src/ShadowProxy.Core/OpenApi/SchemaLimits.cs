namespace ShadowProxy.Core.OpenApi;

/// <summary>
/// The bounds of schema inference (docs/openapi.md#bounds): what one migration's collector may hold, whatever the traffic.
/// Past a bound, further values are not looked at; nothing grows with the number of requests.
/// </summary>
public sealed record SchemaLimits
{
    /// <summary>Endpoints (method and template) sampled per migration; further endpoints are not sampled.</summary>
    public int MaxEndpoints { get; init; } = 500;

    /// <summary>Distinct response statuses sampled per endpoint.</summary>
    public int MaxStatuses { get; init; } = 8;

    /// <summary>Exchanges sampled per endpoint and status: the bodies inference looks at.</summary>
    public int SamplesPerStatus { get; init; } = 20;

    /// <summary>Bodies longer than this are not parsed (the type of their content is still counted).</summary>
    public int MaxBodyBytes { get; init; } = 256 * 1024;

    /// <summary>Nesting below this depth is typed (object, array) but not described further.</summary>
    public int MaxDepth { get; init; } = 10;

    /// <summary>Properties described per object schema; further property names are not recorded.</summary>
    public int MaxProperties { get; init; } = 100;

    /// <summary>Schema nodes (values at one position) per body schema.</summary>
    public int MaxNodesPerSchema { get; init; } = 512;

    /// <summary>Schema nodes per migration, over all its endpoints and statuses.</summary>
    public int MaxNodesPerMigration { get; init; } = 100_000;

    /// <summary>Query parameter names recorded per endpoint.</summary>
    public int MaxQueryParameters { get; init; } = 32;

    /// <summary>The first body up to this size that parses is kept (redacted when the document is built) as the example.</summary>
    public int MaxExampleBytes { get; init; } = 4 * 1024;

    /// <summary>Media types recorded per endpoint and status.</summary>
    public int MaxMediaTypes { get; init; } = 4;

    /// <summary>The enum rule (docs/openapi.md#how-inference-decides): at most this many distinct strings at one position...</summary>
    public int MaxEnumValues { get; init; } = 5;

    /// <summary>...over at least this many values, each at most <see cref="MaxEnumValueLength"/> characters long.</summary>
    public int MinEnumObservations { get; init; } = 10;

    public int MaxEnumValueLength { get; init; } = 64;
}
