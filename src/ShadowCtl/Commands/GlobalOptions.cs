using System.CommandLine;

namespace ShadowCtl.Commands;

/// <summary>
/// The options every command takes. One instance per command tree: System.CommandLine symbols remember
/// their parents, so sharing static ones between trees built concurrently (tests) would race.
/// </summary>
internal sealed class GlobalOptions
{
    public const string ServerVariable = "SHADOWCTL_SERVER";
    public const string KeyVariable = "SHADOWCTL_KEY";
    public const string DefaultServer = "http://127.0.0.1:8081";

    public Option<string?> Server { get; } = new("--server", "-s")
    {
        Description = $"The admin API's address [env: {ServerVariable}; default: {DefaultServer}]",
        Recursive = true,
    };

    public Option<string?> Key { get; } = new("--key", "-k")
    {
        Description = $"API key, sent as 'Authorization: Bearer KEY' [env: {KeyVariable}]",
        Recursive = true,
    };

    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Print the API's JSON (indented) instead of a table, for scripts",
        Recursive = true,
    };

    public IEnumerable<Option> All => [Server, Key, Json];
}
