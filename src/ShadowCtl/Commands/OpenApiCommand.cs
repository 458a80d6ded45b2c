using System.CommandLine;
using ShadowCtl.Api;

namespace ShadowCtl.Commands;

/// <summary><c>openapi NAME</c>: the OpenAPI 3.1 document learned from the legacy backend's traffic, written to stdout as the server sends it.</summary>
internal static class OpenApiCommand
{
    public static Command Create(CommandRunner runner)
    {
        var name = CommonSymbols.MigrationName();
        var command = new Command("openapi", "The legacy backend's OpenAPI 3.1 document, learned from its traffic (JSON, to stdout)") { name };
        return runner.Define(command, async (context, parse, cancellationToken) =>
        {
            var document = await context.Client.GetAsync(ApiPaths.Migration(parse.GetRequiredValue(name), "openapi"), cancellationToken).ConfigureAwait(false);
            await context.Out.WriteAsync(document.Text.EndsWith('\n') ? document.Text : document.Text + "\n").ConfigureAwait(false);
            return ExitCodes.Success;
        });
    }
}
