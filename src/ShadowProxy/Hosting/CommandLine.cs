namespace ShadowProxy.Hosting;

/// <summary>The proxy's own arguments; anything else is passed on as configuration (<c>--ShadowProxy:Listen:0=...</c>).</summary>
internal sealed record CommandLine(bool Demo, string? ConfigFile, bool Help, IReadOnlyList<string> Rest)
{
    public const string Usage = """
        Usage: shadowproxy --demo                 run with built-in demo backends and traffic
               shadowproxy --config FILE          run with a JSON configuration file
               shadowproxy                        run with appsettings.json of the working directory
        appsettings.json and appsettings.{Environment}.json are read first, --config FILE wins over them;
        environment variables (ShadowProxy__Admin__Listen=...) and arguments (--ShadowProxy:Listen:0=...) win over both.
        Exit codes: 0 normal shutdown, 1 start-up failure, 2 invalid configuration.
        """;

    public static CommandLine Parse(string[] args)
    {
        var demo = false;
        var help = false;
        string? config = null;
        var rest = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--demo":
                    demo = true;
                    break;
                case "--config" when i + 1 < args.Length:
                    config = args[++i];
                    break;
                case "--help" or "-h":
                    help = true;
                    break;
                default:
                    if (args[i].StartsWith("--config=", StringComparison.Ordinal))
                    {
                        config = args[i]["--config=".Length..];
                    }
                    else
                    {
                        rest.Add(args[i]);
                    }

                    break;
            }
        }

        return new CommandLine(demo, config, help, rest);
    }
}
