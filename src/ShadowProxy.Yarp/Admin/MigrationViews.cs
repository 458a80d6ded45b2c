using ShadowProxy.Core.Configuration;
using ShadowProxy.Core.Gates;
using ShadowProxy.Core.Storage;
using ShadowProxy.Migrations;

namespace ShadowProxy.Admin;

/// <summary>A migration as the admin API shows it.</summary>
internal sealed record MigrationView(
    string Name,
    string Status,
    string Stage,
    int StageIndex,
    int StageCount,
    IReadOnlyList<StageView> Stages,
    decimal Weight,
    bool WeightOverridden,
    bool AutoAdvance,
    bool ShadowEnabled,
    DateTimeOffset StageStartedAt,
    double SecondsInStage,
    string? StatusReason,
    MigrationCounters Counters,
    GatesView Gates)
{
    /// <summary>The status of a migration without a candidate (docs/admin-api.md#migrations-and-the-ramp): it only audits.</summary>
    public const string AuditingStatus = "Auditing";

    public static MigrationView From(MigrationRuntime migration, DateTimeOffset now)
    {
        var snapshot = migration.Current;
        var state = snapshot.State;
        var ramp = snapshot.Options.Ramp;
        var totals = CounterTotals.Of(migration);
        return new MigrationView(
            migration.Name,
            snapshot.Options.IsAudit ? AuditingStatus : snapshot.Status.ToString(),
            snapshot.Stage,
            state.StageIndex,
            ramp.Stages.Count,
            ramp.Stages.Select(s => new StageView(s.Name, s.Weight, s.MinDuration.TotalSeconds, s.Shadow)).ToList(),
            snapshot.Weight,
            state.WeightOverridden,
            ramp.AutoAdvance,
            snapshot.ShadowEnabled,
            state.StageStartedAt,
            Math.Max(0, (now - state.StageStartedAt).TotalSeconds),
            state.StatusReason,
            new MigrationCounters(totals.Match, totals.Diff, totals.Noise, totals.LegacyRequests, totals.CandidateRequests, totals.Failovers, migration.ShadowInFlight, migration.ShadowBudget.Limit),
            GatesView.From(migration.LastGateReport ?? GateEvaluator.Evaluate(migration.GateSnapshot(now), ramp.Gates), ramp.Gates));
    }
}

/// <summary>
/// The last hour of cumulative counters, one point per interval and the current values last
/// (rates are differences between points).
/// </summary>
internal sealed record RateHistoryView(double IntervalSeconds, IReadOnlyList<RatePoint> Points);

/// <summary>The caller as the admin API sees it, so a client can show only what the role may do.</summary>
internal sealed record WhoAmI(string Name, string Role, bool Open);

/// <summary>One migration's part of a rollback of all: whether this call changed it.</summary>
internal sealed record RollbackAllItem(string Result, MigrationView Migration);

internal sealed record StageView(string Name, decimal Weight, double MinDurationSeconds, bool Shadow);

/// <param name="ShadowLimit">Shadows allowed in flight now (docs/configuration.md#shadow: adaptive, or MaxInFlight).</param>
internal sealed record MigrationCounters(long Match, long Diff, long Noise, long LegacyRequests, long CandidateRequests, long Failovers, int ShadowInFlight, int ShadowLimit);

internal sealed record GatesView(string Verdict, string? FailureReason, double WindowSeconds, int MinSamples, IReadOnlyList<GateView> Gates)
{
    public static GatesView From(GateReport report, GateOptions options) => new(
        report.Verdict.ToString(),
        report.FailureReason,
        options.Window.TotalSeconds,
        options.MinSamples,
        report.Gates.Select(g => new GateView(g.Name, g.Value, g.Threshold, g.Gate == GateKind.P99LatencyRatio ? "ratio" : "fraction", g.Verdict.ToString(), g.Samples, g.RequiredSamples, g.Detail)).ToList());
}

/// <param name="Unit">"fraction" (0.01 = 1%) for the diff and error-rate gates, "ratio" (candidate ÷ legacy) for latency.</param>
internal sealed record GateView(string Name, double? Value, double Threshold, string Unit, string Verdict, long Samples, long RequiredSamples, string Detail);

internal sealed record AuditView(long Id, DateTimeOffset Time, string Migration, string Actor, string Action, string From, string To, string? Reason, string Trigger);
