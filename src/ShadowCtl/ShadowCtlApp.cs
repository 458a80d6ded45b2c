using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using ShadowCtl.Commands;

namespace ShadowCtl;

/// <summary>
/// shadowctl, the command-line client of ShadowProxy's admin API (docs/admin-api.md). Everything runs through
/// <see cref="RunAsync"/> so that tests drive the real command tree in-process with their own streams,
/// HTTP handler and environment.
/// </summary>
internal static class ShadowCtlApp
{
    public static async Task<int> RunAsync(
        string[] args,
        TextWriter stdout,
        TextWriter stderr,
        HttpMessageHandler? handler = null,
        IDictionary<string, string?>? environment = null,
        CancellationToken cancellationToken = default)
    {
        Func<string, string?> variable = environment is null
            ? Environment.GetEnvironmentVariable
            : name => environment.TryGetValue(name, out var value) ? value : null;

        // Only the real console may be cleared between --watch frames; a pipe or a test's writer gets plain frames.
        var interactive = ReferenceEquals(stdout, Console.Out) && !Console.IsOutputRedirected;
        var errorIsTerminal = ReferenceEquals(stderr, Console.Error) && !Console.IsErrorRedirected;
        var root = BuildCommand(new CliEnvironment(handler, variable, interactive, errorIsTerminal));
        var parseResult = root.Parse(args);

        if (parseResult.Action is ParseErrorAction)
        {
            // System.CommandLine would exit 1; scripts must be able to tell a usage error from a failed call.
            foreach (var error in parseResult.Errors)
            {
                await stderr.WriteLineAsync($"shadowctl: {error.Message}").ConfigureAwait(false);
            }

            await stderr.WriteLineAsync($"Run 'shadowctl {(parseResult.CommandResult.Command == root ? string.Empty : parseResult.CommandResult.Command.Name + " ")}--help' for usage.").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        // Signals are the caller's (Program.cs turns Ctrl+C into cancellationToken): System.CommandLine's
        // own handling would force exit code 130 on a watch that ends cleanly with 0.
        var invocation = new InvocationConfiguration { Output = stdout, Error = stderr, ProcessTerminationTimeout = null };
        return await parseResult.InvokeAsync(invocation, cancellationToken).ConfigureAwait(false);
    }

    internal static Command BuildCommand(CliEnvironment environment)
    {
        var options = new GlobalOptions();
        var runner = new CommandRunner(options, environment);

        // A plain Command rather than RootCommand: RootCommand names itself after the host process
        // ("dotnet", "testhost"), and usage lines must say "shadowctl".
        var root = new Command("shadowctl", "The command-line client of ShadowProxy's admin API: watch migrations, move them through their ramp, roll back, read differences, replay recorded traffic against a candidate build.");
        var help = new HelpOption();
        help.Action = new HelpWithExitCodes((HelpAction)help.Action!);
        root.Options.Add(help);
        root.Options.Add(new VersionOption());
        foreach (var option in options.All)
        {
            root.Options.Add(option);
        }

        root.Subcommands.Add(StatusCommand.Create(runner));
        root.Subcommands.Add(ReplayCommand.Create(runner));
        root.Subcommands.Add(OpenApiCommand.Create(runner));
        foreach (var command in RampCommands.Create(runner).Concat(DiffCommands.Create(runner)).Concat(ReportCommands.Create(runner)))
        {
            root.Subcommands.Add(command);
        }

        return root;
    }

    /// <summary>The standard help, then the exit codes, which scripts need and the standard help has no place for.</summary>
    private sealed class HelpWithExitCodes(HelpAction help) : SynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => true;

        public override int Invoke(ParseResult parseResult)
        {
            var result = help.Invoke(parseResult);
            parseResult.InvocationConfiguration.Output.WriteLine(ExitCodes.HelpText);
            return result;
        }
    }
}
