namespace ShadowCtl.Api;

// The admin API's JSON, as far as shadowctl reads it. These mirror the server's views
// (ShadowProxy.Admin.MigrationView and friends) by JSON name only: the CLI must keep working
// against a server one version apart, so unknown fields are ignored and missing ones stay default.

internal sealed record MigrationView(
    string Name,
    string Status,
    string Stage,
    int StageIndex,
    int StageCount,
    IReadOnlyList<StageView>? Stages,
    decimal Weight,
    bool WeightOverridden,
    bool AutoAdvance,
    bool ShadowEnabled,
    DateTimeOffset StageStartedAt,
    double SecondsInStage,
    string? StatusReason,
    MigrationCounters? Counters,
    GatesView? Gates);

internal sealed record StageView(string Name, decimal Weight, double MinDurationSeconds, bool Shadow);

internal sealed record MigrationCounters(long Match, long Diff, long Noise, long LegacyRequests, long CandidateRequests, long Failovers, int ShadowInFlight);

internal sealed record GatesView(string Verdict, string? FailureReason, double WindowSeconds, int MinSamples, IReadOnlyList<GateView>? Gates);

/// <param name="Unit">"fraction" (shown as a percentage) or "ratio".</param>
internal sealed record GateView(string Name, double? Value, double Threshold, string? Unit, string Verdict, long Samples, long RequiredSamples, string? Detail);

/// <summary>One migration's part of <c>POST /api/v1/rollback</c>.</summary>
internal sealed record RollbackAllItem(string Result, MigrationView Migration);

internal sealed record AuditView(long Id, DateTimeOffset Time, string Migration, string Actor, string Action, string? From, string? To, string? Reason, string? Trigger);

internal sealed record DiffSummaryPage(long Total, int Offset, int Limit, IReadOnlyList<DiffSummaryRow> Rows);

/// <summary>The summary with <c>groupBy=path</c>: one row per path and kind across endpoints.</summary>
internal sealed record DiffSummaryGroupPage(long Total, int Offset, int Limit, IReadOnlyList<DiffSummaryGroup> Rows);

internal sealed record DiffSummaryGroup(string Path, string Kind, string Severity, long Count, double Rate, bool IsNoise, DateTimeOffset LastSeen, IReadOnlyList<GroupEndpoint> Endpoints);

internal sealed record GroupEndpoint(string Endpoint, long Count);
internal sealed record DiffSummaryRow(string Endpoint, string Path, string Kind, long Count, long NoiseCount, double Rate, bool IsNoise, DateTimeOffset FirstSeen, DateTimeOffset LastSeen)
{
    public string? Severity { get; init; }

    public string? NoiseSource { get; init; }

    public string? CandidatePath { get; init; }

    public string? LastVersion { get; init; }

    public bool Fixed { get; init; }

    public string? FixedIn { get; init; }
}

internal sealed record VersionList(IReadOnlyList<VersionRow> Versions, string? Newest, string? Declared, string? VersionHeader);

internal sealed record VersionRow(string Version, DateTimeOffset FirstSeen, DateTimeOffset LastSeen, long Comparisons, double DiffRate);

internal sealed record VersionBody(string Version, string? Reason);

internal sealed record SampleDetail(long Id, DateTimeOffset Time, string Endpoint, SampleExchange Sample, IReadOnlyList<SampleDifference> Differences, bool DifferencesTruncated);

internal sealed record SampleExchange(SampleRequest Request, SampleResponse Legacy, SampleResponse Candidate);

internal sealed record SampleRequest(string Method, string Path, string? Query);

internal sealed record SampleResponse(int Status, SampleBody? Body, double DurationMs, string? Failure);

internal sealed record SampleBody(string Content, bool Base64, bool Truncated);

internal sealed record SampleDifference(string Path, string Kind, string? Legacy, string? Candidate, bool IsNoise, string? NoiseSource, string? CandidatePath);

internal sealed record NoiseMark(string Path, string? Endpoint, string? Actor, DateTimeOffset CreatedAt);

internal sealed record NoiseChange(bool Changed, IReadOnlyList<NoiseMark> Marks);

internal sealed record NoiseMarkList(IReadOnlyList<NoiseMark> Marks);

internal sealed record MigrationReport(string Migration, DateTimeOffset GeneratedAt, ReportTotals Totals, IReadOnlyList<EndpointRow> Endpoints);

internal sealed record ReportTotals(long LegacyRequests, long LegacyErrors, long CandidateRequests, long CandidateErrors, long Comparisons, long Diffs, double? DiffRate);

internal sealed record EndpointRow(string Endpoint, BackendSide Legacy, BackendSide Candidate, long Comparisons, long Diffs, long Noise, double? DiffRate, long Breaking, long Risky, long Cosmetic);

internal sealed record BackendSide(long Requests, long Errors, double? ErrorRate, double? P50Ms, double? P95Ms, double? P99Ms);

/// <summary>The body of the ramp commands (<c>{"reason": ..., "weight": ...}</c>); nulls are left out.</summary>
internal sealed record CommandBody(string? Reason, decimal? Weight = null);

internal sealed record NoiseBody(string Path, string? Endpoint, string? Reason);

internal sealed record EndpointInventory(string Migration, DateTimeOffset GeneratedAt, long Requests, bool Learning, IReadOnlyList<InventoryEndpoint> Endpoints);

internal sealed record InventoryEndpoint(
    string Method,
    string Template,
    long Requests,
    double Share,
    IReadOnlyDictionary<string, long>? StatusClasses,
    IReadOnlyList<InventoryStatus>? Statuses,
    double? P50Ms,
    double? P99Ms,
    IReadOnlyList<InventoryName>? ContentTypes,
    InventoryBytes? ResponseBytes,
    IReadOnlyList<InventoryName>? QueryParameters,
    DateTimeOffset? LastSeen,
    long Comparisons,
    double? NonNoiseDiffRate,
    string Verdict);

internal sealed record InventoryStatus(int Status, long Count);

internal sealed record InventoryName(string Name, long Count);

internal sealed record InventoryBytes(long Mean, long Max);
