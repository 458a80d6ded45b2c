using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text;
using ShadowCtl.Api;
using ShadowCtl.Rendering;

namespace ShadowCtl.Commands;

/// <summary>The commands that move a migration: promote, weight, pause, resume, rollback (docs/admin-api.md, docs/configuration.md#ramp).</summary>
internal static class RampCommands
{
    public static IEnumerable<Command> Create(CommandRunner runner) =>
    [
        Simple(runner, "promote", "promoted", "Move a migration to its next ramp stage (Operator)"),
        Weight(runner),
        Simple(runner, "pause", "paused", "Stop a migration's automatic advancement (Sre)"),
        Simple(runner, "resume", "resumed", "Restart automatic advancement; after a rollback the ramp restarts at its first stage (Sre)"),
        Rollback(runner),
    ];

    /// <summary>A command of the form <c>VERB NAME [--reason TEXT]</c> posting to <c>migrations/NAME/VERB</c>.</summary>
    private static Command Simple(CommandRunner runner, string verb, string done, string description)
    {
        var name = CommonSymbols.MigrationName();
        var reason = CommonSymbols.Reason();
        var command = new Command(verb, description) { name, reason };
        return runner.Define(command, (context, parse, cancellationToken) =>
            PostAsync(context, parse.GetRequiredValue(name), verb, done, new CommandBody(parse.GetValue(reason)), cancellationToken));
    }

    private static Command Weight(CommandRunner runner)
    {
        var name = CommonSymbols.MigrationName();
        var percent = new Argument<decimal>("PCT")
        {
            Description = "Percent of traffic served by the candidate, 0 to 100 with up to two decimals ('12.5' or '12.5%')",
            CustomParser = ParsePercent,
        };
        var reason = CommonSymbols.Reason();
        var command = new Command("weight", "Set the cutover percentage explicitly; this pauses auto-advance (Operator)") { name, percent, reason };
        return runner.Define(command, (context, parse, cancellationToken) =>
            PostAsync(context, parse.GetRequiredValue(name), "weight", "weight set",
                new CommandBody(parse.GetValue(reason), parse.GetValue(percent)), cancellationToken));
    }

    private static Command Rollback(CommandRunner runner)
    {
        var name = new Argument<string?>("NAME") { Description = "The migration to roll back", Arity = ArgumentArity.ZeroOrOne };
        var all = new Option<bool>("--all") { Description = "Roll back every migration" };
        var reason = CommonSymbols.Reason("Why (required): recorded in the audit log and shown as the status reason");
        var command = new Command("rollback", "Weight 0 at once, status RolledBack; shadowing continues (Sre). Needs --reason.") { name, all, reason };

        // Checked while parsing, so a bad rollback line never reaches the server and exits 2 like any usage error.
        command.Validators.Add(result =>
        {
            var hasName = result.GetValue(name) is { Length: > 0 };
            var hasAll = result.GetValue(all);
            if (hasName == hasAll)
            {
                result.AddError(hasName ? "Give a migration NAME or --all, not both." : "rollback needs a migration NAME, or --all to roll back every migration.");
            }

            if (string.IsNullOrWhiteSpace(result.GetValue(reason)))
            {
                result.AddError("rollback needs --reason TEXT: the audit log records why, e.g. --reason \"candidate returns 500s\".");
            }
        });

        return runner.Define(command, (context, parse, cancellationToken) =>
        {
            var body = new CommandBody(parse.GetValue(reason));
            return parse.GetValue(all)
                ? RollbackAllAsync(context, body, cancellationToken)
                : PostAsync(context, parse.GetRequiredValue(name)!, "rollback", "rolled back", body, cancellationToken);
        });
    }

    private static async Task<int> PostAsync(CommandContext context, string migration, string action, string done, CommandBody body, CancellationToken cancellationToken)
    {
        var response = await context.Client.PostAsync(ApiPaths.Migration(migration, action), body, cancellationToken).ConfigureAwait(false);
        return await context.PrintAsync<MigrationView>(response, (output, m) => WriteOutcome(output, done, m)).ConfigureAwait(false);
    }

    private static async Task<int> RollbackAllAsync(CommandContext context, CommandBody body, CancellationToken cancellationToken)
    {
        var response = await context.Client.PostAsync(ApiPaths.RollbackAll, body, cancellationToken).ConfigureAwait(false);
        return await context.PrintAsync<List<RollbackAllItem>>(response, (output, items) =>
        {
            foreach (var item in items)
            {
                WriteOutcome(output, item.Result == "unchanged" ? "already rolled back" : "rolled back", item.Migration);
            }
        }).ConfigureAwait(false);
    }

    /// <summary><c>orders: promoted; now Ramping, stage canary [##--------] 2/7, weight 1%</c>.</summary>
    private static void WriteOutcome(StringBuilder output, string done, MigrationView m) =>
        output.Append($"{m.Name}: {done}; now {m.Status}, stage {m.Stage} {Format.Progress(m.StageIndex, m.StageCount)}, weight {Format.Weight(m.Weight)}\n");

    private static decimal ParsePercent(ArgumentResult result)
    {
        var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : string.Empty;
        if (decimal.TryParse(text.TrimEnd('%'), NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        result.AddError($"PCT '{text}' is not a percentage, e.g. 12.5 or 12.5%.");
        return default;
    }
}
