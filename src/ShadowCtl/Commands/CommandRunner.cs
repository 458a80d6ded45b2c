using System.CommandLine;
using System.Text.Json;
using ShadowCtl.Api;

namespace ShadowCtl.Commands;

/// <summary>Where shadowctl runs: the HTTP handler to use (tests pass one), environment variables, and whether stdout (and stderr) is a terminal.</summary>
internal sealed record CliEnvironment(HttpMessageHandler? Handler, Func<string, string?> Variable, bool Interactive, bool ErrorIsTerminal = false);

/// <summary>
/// Gives each command its action: resolves server and key, runs the command's body against the
/// admin API and turns every failure into its message on stderr and its exit code (<see cref="ExitCodes"/>).
/// </summary>
internal sealed class CommandRunner(GlobalOptions options, CliEnvironment environment)
{
    public GlobalOptions Options { get; } = options;

    public Command Define(Command command, Func<CommandContext, ParseResult, CancellationToken, Task<int>> body)
    {
        command.SetAction((parseResult, cancellationToken) => RunAsync(parseResult, body, cancellationToken));
        return command;
    }

    private async Task<int> RunAsync(ParseResult parseResult, Func<CommandContext, ParseResult, CancellationToken, Task<int>> body, CancellationToken cancellationToken)
    {
        var stdout = parseResult.InvocationConfiguration.Output;
        var stderr = parseResult.InvocationConfiguration.Error;
        try
        {
            var server = ResolveServer(parseResult);
            var key = parseResult.GetValue(Options.Key) ?? environment.Variable(GlobalOptions.KeyVariable);
            using var client = new AdminClient(server, key, environment.Handler);
            var context = new CommandContext(client, parseResult.GetValue(Options.Json), stdout, stderr, environment.Interactive) { ErrorIsTerminal = environment.ErrorIsTerminal };
            return await body(context, parseResult, cancellationToken).ConfigureAwait(false);
        }
        catch (UsageException ex)
        {
            await stderr.WriteLineAsync($"shadowctl: {ex.Message}\nRun 'shadowctl {parseResult.CommandResult.Command.Name} --help' for usage.").ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        catch (AdminApiException ex)
        {
            await stderr.WriteLineAsync($"shadowctl: {ex.Label}: {ex.Detail}").ConfigureAwait(false);
            return ex.ExitCode;
        }
        catch (ServerUnreachableException ex)
        {
            await stderr.WriteLineAsync($"shadowctl: {ex.Message}\nIs the proxy running there? Point shadowctl at its admin listener with --server URL or {GlobalOptions.ServerVariable}.").ConfigureAwait(false);
            return ExitCodes.Unreachable;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return ExitCodes.Interrupted;
        }
        catch (Exception ex) when (ex is JsonException or InvalidDataException)
        {
            await stderr.WriteLineAsync($"shadowctl: the admin API's answer was not understood ({ex.Message}); is --server the admin listener of a ShadowProxy of a matching version?").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
    }

    private Uri ResolveServer(ParseResult parseResult)
    {
        var (text, source) = parseResult.GetValue(Options.Server) is { Length: > 0 } option ? (option, "--server")
            : environment.Variable(GlobalOptions.ServerVariable) is { Length: > 0 } variable ? (variable, GlobalOptions.ServerVariable)
            : (GlobalOptions.DefaultServer, "the default server");

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new UsageException($"{source} '{text}' is not an http:// or https:// address, e.g. {GlobalOptions.DefaultServer}");
        }

        // A base address without a trailing slash would drop its last segment when combined with "api/v1/...".
        return uri.AbsolutePath.EndsWith('/') ? uri : new Uri(uri + "/");
    }
}
