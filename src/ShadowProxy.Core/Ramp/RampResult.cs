using System.Diagnostics.CodeAnalysis;

namespace ShadowProxy.Core.Ramp;

public enum RampOutcome
{
    /// <summary>A new state and its audit entry.</summary>
    Changed,

    /// <summary>Nothing to do (already so, or not yet time); <see cref="RampResult.Reason"/> says why.</summary>
    Unchanged,

    /// <summary>The input is invalid (HTTP 400).</summary>
    Invalid,

    /// <summary>The action does not fit the current state (HTTP 409).</summary>
    Conflict,
}

/// <summary>What a transition produced: a new state and its audit entry, nothing, or a refusal with a reason.</summary>
public sealed record RampResult
{
    public required RampOutcome Outcome { get; init; }

    /// <summary>The new state when changed, else the state passed in.</summary>
    public required RampState State { get; init; }

    /// <summary>Set exactly when <see cref="Outcome"/> is <see cref="RampOutcome.Changed"/>.</summary>
    public AuditEntry? Audit { get; init; }

    /// <summary>Why: the change's reason, why nothing happened, or why the action was refused.</summary>
    public string? Reason { get; init; }

    [MemberNotNullWhen(true, nameof(Audit))]
    public bool IsChanged => Outcome == RampOutcome.Changed;

    public bool IsRefused => Outcome is RampOutcome.Invalid or RampOutcome.Conflict;

    internal static RampResult Unchanged(RampState state, string reason) => new() { Outcome = RampOutcome.Unchanged, State = state, Reason = reason };

    internal static RampResult Invalid(RampState state, string reason) => new() { Outcome = RampOutcome.Invalid, State = state, Reason = reason };

    internal static RampResult Conflict(RampState state, string reason) => new() { Outcome = RampOutcome.Conflict, State = state, Reason = reason };
}
