using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text;
using System.Text.Json;
using ShadowCtl.Api;
using ShadowCtl.Rendering;

namespace ShadowCtl.Commands;

/// <summary><c>status [NAME] [--watch [--interval 2s]]</c>: the migrations, their stage, weight and gates.</summary>
internal static class StatusCommand
{
    private const string ClearScreen = "\u001b[H\u001b[2J";

    private static readonly TimeSpan MinimumInterval = TimeSpan.FromMilliseconds(50);

    public static Command Create(CommandRunner runner)
    {
        var name = new Argument<string?>("NAME") { Description = "One migration in detail (stages, counters, gates); all migrations when left out", Arity = ArgumentArity.ZeroOrOne };
        var watch = new Option<bool>("--watch", "-w") { Description = "Redraw the status live until Ctrl+C" };
        var interval = CommonSymbols.Duration("--interval", "Time between redraws with --watch: 2s, 500ms, 1m [default: 2s]", TimeSpan.FromSeconds(2), MinimumInterval, "-n");

        // For tests and scripts that want a bounded watch; not part of the documented surface.
        var count = new Option<int?>("--count") { Hidden = true, Description = "Stop --watch after this many frames" };
        var command = new Command("status", "Show migrations: status, stage, weight, time in stage, gates") { name, watch, interval, count };
        return runner.Define(command, (context, parse, cancellationToken) =>
        {
            var migration = parse.GetValue(name);
            return parse.GetValue(watch)
                ? WatchAsync(context, migration, parse.GetValue(interval), parse.GetValue(count), cancellationToken)
                : ShowAsync(context, migration, cancellationToken);
        });
    }

    private static async Task<int> ShowAsync(CommandContext context, string? migration, CancellationToken cancellationToken)
    {
        var response = await FetchAsync(context, migration, cancellationToken).ConfigureAwait(false);
        return migration is null
            ? await context.PrintAsync<List<MigrationView>>(response, StatusView.WriteMigrations).ConfigureAwait(false)
            : await context.PrintAsync<MigrationView>(response, StatusView.WriteMigration).ConfigureAwait(false);
    }

    /// <summary>
    /// Redraws until cancelled (Ctrl+C, exit 0) or <paramref name="count"/> frames. A failure before the first
    /// frame ends the watch with its exit code (a wrong --server or key shows at once); later, a server that
    /// is briefly unreachable or failing is shown under the last good frame and the watch goes on.
    /// </summary>
    private static async Task<int> WatchAsync(CommandContext context, string? migration, TimeSpan interval, int? count, CancellationToken cancellationToken)
    {
        try
        {
            return await WatchUntilCancelledAsync(context, migration, interval, count, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C is how a watch ends, wherever in a frame it lands (fetching, drawing, flushing, waiting).
            return ExitCodes.Success;
        }
    }

    private static async Task<int> WatchUntilCancelledAsync(CommandContext context, string? migration, TimeSpan interval, int? count, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval);
        string? lastFrame = null;
        for (var frames = 1; ; frames++)
        {
            string frame;
            try
            {
                var response = await FetchAsync(context, migration, cancellationToken).ConfigureAwait(false);
                frame = lastFrame = Render(context, migration, interval, response);
            }
            catch (Exception ex) when (lastFrame is not null && !context.Json && IsTransient(ex) && !cancellationToken.IsCancellationRequested)
            {
                frame = lastFrame + $"\nupdate failed at {Format.Time(DateTimeOffset.UtcNow)}: {ex.Message}\n";
            }

            await context.Out.WriteAsync(context.Interactive && !context.Json ? ClearScreen + frame : frame).ConfigureAwait(false);
            await context.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
            if (frames >= count)
            {
                return ExitCodes.Success;
            }

            await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static Task<AdminResponse> FetchAsync(CommandContext context, string? migration, CancellationToken cancellationToken) =>
        context.Client.GetAsync(migration is null ? ApiPaths.Migrations : ApiPaths.Migration(migration), cancellationToken);

    /// <summary>One frame: a header line and the status; with --json one compact JSON document per line (NDJSON) for scripts.</summary>
    private static string Render(CommandContext context, string? migration, TimeSpan interval, AdminResponse response)
    {
        if (context.Json)
        {
            using var document = JsonDocument.Parse(response.Text);
            return JsonSerializer.Serialize(document.RootElement) + "\n";
        }

        var frame = new StringBuilder();
        frame.Append($"shadowctl status  {context.Client.Server}  {Format.Time(DateTimeOffset.UtcNow)}  (every {Format.Duration(interval)}; Ctrl+C stops)\n\n");
        if (migration is null)
        {
            StatusView.WriteMigrations(frame, response.Read<List<MigrationView>>());
        }
        else
        {
            StatusView.WriteMigration(frame, response.Read<MigrationView>());
        }

        // Redirected output gets frames one after another; a blank line keeps them apart.
        return context.Interactive ? frame.ToString() : frame.Append('\n').ToString();
    }

    private static bool IsTransient(Exception ex) =>
        ex is ServerUnreachableException || (ex is AdminApiException api && api.ExitCode == ExitCodes.ServerError);
}
