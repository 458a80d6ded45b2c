using System.Text;
using ShadowCtl.Api;
using ShadowCtl.Rendering;

namespace ShadowCtl.Commands;

/// <summary>What a command's body works with: the admin client, the output mode and the two streams.</summary>
internal sealed class CommandContext(AdminClient client, bool json, TextWriter stdout, TextWriter stderr, bool interactive)
{
    public AdminClient Client { get; } = client;

    /// <summary><c>--json</c>: print the API's answer instead of a rendering of it.</summary>
    public bool Json { get; } = json;

    public TextWriter Out { get; } = stdout;

    public TextWriter Error { get; } = stderr;

    /// <summary>Standard output is a terminal, so <c>--watch</c> may clear the screen between frames.</summary>
    public bool Interactive { get; } = interactive;

    /// <summary>Standard error is a terminal, so a long command may draw a progress line there.</summary>
    public bool ErrorIsTerminal { get; init; }

    /// <summary>Prints <paramref name="response"/>: as indented JSON with <c>--json</c>, else as <paramref name="render"/> draws it.</summary>
    public async Task<int> PrintAsync<T>(AdminResponse response, Action<StringBuilder, T> render)
    {
        if (Json)
        {
            await Out.WriteAsync(JsonOutput.Pretty(response.Text)).ConfigureAwait(false);
            return ExitCodes.Success;
        }

        var text = new StringBuilder();
        render(text, response.Read<T>());
        await Out.WriteAsync(text.ToString()).ConfigureAwait(false);
        return ExitCodes.Success;
    }
}

/// <summary>A command line that parsed but makes no sense (e.g. rollback without --reason): exit 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
