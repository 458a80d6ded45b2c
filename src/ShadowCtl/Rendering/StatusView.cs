using System.Text;
using ShadowCtl.Api;

namespace ShadowCtl.Rendering;

/// <summary>The migrations as <c>status</c> and <c>status --watch</c> show them.</summary>
internal static class StatusView
{
    /// <summary>One line per migration, then each migration's gates (what decides the next move).</summary>
    public static void WriteMigrations(StringBuilder output, IReadOnlyList<MigrationView> migrations)
    {
        if (migrations.Count == 0)
        {
            output.Append("No migrations are configured.\n");
            return;
        }

        var table = new Table("NAME", "STATUS", "STAGE", "WEIGHT>", "IN STAGE>", "GATES");
        foreach (var m in migrations)
        {
            table.Add(m.Name, m.Status, $"{Format.Progress(m.StageIndex, m.StageCount)} {m.Stage}", Format.Weight(m.Weight),
                Format.Duration(TimeSpan.FromSeconds(m.SecondsInStage)), Verdict(m.Gates?.Verdict));
        }

        table.WriteTo(output);
        foreach (var m in migrations)
        {
            output.Append('\n');
            WriteGates(output, m);
        }
    }

    /// <summary>One migration in full: its place in the ramp, why it is in its status, counters and gates.</summary>
    public static void WriteMigration(StringBuilder output, MigrationView m)
    {
        output.Append($"{m.Name}: {m.Status}, stage {m.Stage} {Format.Progress(m.StageIndex, m.StageCount)}, weight {Format.Weight(m.Weight)}");
        output.Append(m.WeightOverridden ? " (set by hand)" : string.Empty);
        output.Append($", {Format.Duration(TimeSpan.FromSeconds(m.SecondsInStage))} in stage\n");
        output.Append($"  auto-advance {(m.AutoAdvance ? "on" : "off")}, shadow {(m.ShadowEnabled ? "on" : "off")}\n");
        if (m.StatusReason is { Length: > 0 } reason)
        {
            output.Append($"  reason: {reason}\n");
        }

        if (m.Counters is { } c)
        {
            output.Append($"  comparisons: {Format.Number(c.Match)} match, {Format.Number(c.Diff)} diff, {Format.Number(c.Noise)} noise; ");
            output.Append($"served: {Format.Number(c.LegacyRequests)} legacy, {Format.Number(c.CandidateRequests)} candidate; failovers {Format.Number(c.Failovers)}\n");
        }

        if (m.Stages is { Count: > 0 } stages)
        {
            output.Append('\n');
            var table = new Table("", "STAGE", "WEIGHT>", "MIN DURATION>", "SHADOW");
            for (var i = 0; i < stages.Count; i++)
            {
                var s = stages[i];
                table.Add(i == m.StageIndex ? ">" : " ", s.Name, Format.Weight(s.Weight), Format.Duration(TimeSpan.FromSeconds(s.MinDurationSeconds)), s.Shadow ? "yes" : "no");
            }

            table.WriteTo(output);
        }

        output.Append('\n');
        WriteGates(output, m);
    }

    private static void WriteGates(StringBuilder output, MigrationView m)
    {
        if (m.Gates is not { } gates)
        {
            output.Append($"{m.Name} gates: not evaluated yet\n");
            return;
        }

        output.Append($"{m.Name} gates: {Verdict(gates.Verdict)} (window {Format.Duration(TimeSpan.FromSeconds(gates.WindowSeconds))}, at least {Format.Number(gates.MinSamples)} samples)\n");
        var table = new Table("  GATE", "VALUE>", "LIMIT>", "RESULT", "SAMPLES>");
        foreach (var g in gates.Gates ?? [])
        {
            table.Add("  " + g.Name, Format.Gate(g.Value, g.Unit), Format.Gate(g.Threshold, g.Unit), Verdict(g.Verdict), $"{Format.Number(g.Samples)}/{Format.Number(g.RequiredSamples)}");
        }

        if (table.Count > 0)
        {
            table.WriteTo(output);
        }
    }

    /// <summary>Pass, Fail, Inconclusive as lower-case words; "-" before the first evaluation.</summary>
    private static string Verdict(string? verdict) => verdict is { Length: > 0 } v ? v.ToLowerInvariant() : Format.None;
}
