using ShadowProxy.Core.Configuration;

namespace ShadowProxy.Core.Replay;

/// <summary>
/// What a replay needs to judge exactly as the proxy does (docs/admin-api.md#replay-corpus): the migration's diff rules, its redaction
/// (applied to the target's answer too, so that a masked value compares equal to a masked value), and the noise in
/// force when the corpus was exported. Plain data: it travels inside an export (<c>_shadowProxy</c> of a HAR file).
/// </summary>
public sealed record ReplayRules
{
    public DiffOptions Diff { get; init; } = new();

    public RedactOptions Redact { get; init; } = new();

    /// <summary>Noise beyond the configuration's (which <see cref="Diff"/> carries): marks and learned noise.</summary>
    public IReadOnlyList<NoiseRule> Noise { get; init; } = [];
}

/// <summary>A difference path that is noise, at one endpoint or (with a null <paramref name="Endpoint"/>) at all.</summary>
/// <param name="Source"><c>mark</c> (marked through the API) or <c>probe</c> (legacy disagreed with itself there).</param>
public sealed record NoiseRule(string Path, string? Endpoint, string Source)
{
    public const string Mark = "mark";
    public const string Probe = "probe";
}
