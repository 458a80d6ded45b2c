using ShadowProxy.Configuration;
using ShadowProxy.Demo;

namespace ShadowProxy.Hosting;

/// <summary>The process: arguments, configuration sources, exit codes.</summary>
internal static class ShadowProxyProgram
{
    public static async Task<int> RunAsync(string[] args)
    {
        var commandLine = CommandLine.Parse(args);
        if (commandLine.Help)
        {
            Console.WriteLine(CommandLine.Usage);
            return ExitCodes.Ok;
        }

        if (commandLine.ConfigFile is not null && !File.Exists(commandLine.ConfigFile))
        {
            Console.Error.WriteLine($"shadowproxy: invalid configuration: --config: file '{commandLine.ConfigFile}' does not exist");
            return ExitCodes.InvalidConfiguration;
        }

        var rest = commandLine.Rest.ToArray();
        DemoBackends? demo = null;
        using var demoLogging = LoggerFactory.Create(logging => logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning));
        if (commandLine.Demo)
        {
            // The demo's backends start first: the demo configuration points at their ports.
            demo = await DemoBackends.StartAsync(demoLogging, CancellationToken.None).ConfigureAwait(false);
        }

        try
        {
            return await RunHostAsync(commandLine, rest, demo).ConfigureAwait(false);
        }
        finally
        {
            if (demo is not null)
            {
                await demo.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static async Task<int> RunHostAsync(CommandLine commandLine, string[] rest, DemoBackends? demo)
    {
        WebApplication app;
        try
        {
            app = ShadowProxyHost.Build(
                rest,
                configuration =>
                {
                    if (demo is not null)
                    {
                        configuration.AddInMemoryCollection(DemoConfiguration.Create(demo.LegacyAddress, demo.CandidateAddress));
                    }

                    if (commandLine.ConfigFile is not null)
                    {
                        configuration.AddWatchedJsonFile(commandLine.ConfigFile);
                    }
                },
                services =>
                {
                    if (demo is not null)
                    {
                        services.AddHostedService(sp => new DemoTrafficGenerator(DemoConfiguration.ProxyAddress, sp.GetRequiredService<ILogger<DemoTrafficGenerator>>()));
                    }
                });
        }
        catch (InvalidConfigurationException ex)
        {
            return Invalid(ex);
        }
        catch (InvalidDataException ex)
        {
            // A JSON file that does not parse.
            Console.Error.WriteLine($"shadowproxy: invalid configuration: {commandLine.ConfigFile}: {ex.InnerException?.Message ?? ex.Message}");
            return ExitCodes.InvalidConfiguration;
        }
        catch (FormatException ex)
        {
            Console.Error.WriteLine($"shadowproxy: invalid configuration: {ex.Message}");
            return ExitCodes.InvalidConfiguration;
        }

        await using (app.ConfigureAwait(false))
        {
            // Neither a file nor the demo, and nothing in appsettings, the environment or the arguments: a proxy
            // of defaults would serve nothing anyone asked for.
            if (commandLine.ConfigFile is null && demo is null && !app.Configuration.GetSection(ShadowProxyOptions.SectionName).Exists())
            {
                Console.Error.WriteLine("shadowproxy: no configuration: give --config FILE or --demo, or configure the ShadowProxy section in appsettings.json" + Environment.NewLine + CommandLine.Usage);
                return ExitCodes.InvalidConfiguration;
            }

            try
            {
                await app.StartAsync().ConfigureAwait(false);
            }
            catch (InvalidConfigurationException ex)
            {
                // What only YARP's loaded configuration can tell: a ClusterId or RouteId it does not have.
                return Invalid(ex);
            }
            catch (Exception ex)
            {
                Console.Error.WriteLine($"shadowproxy: start-up failed: {ex.Message}");
                return ExitCodes.StartupFailure;
            }

            await app.WaitForShutdownAsync().ConfigureAwait(false);
            await app.StopAsync().ConfigureAwait(false);
        }

        return ExitCodes.Ok;
    }

    private static int Invalid(InvalidConfigurationException exception)
    {
        foreach (var error in exception.Errors)
        {
            Console.Error.WriteLine($"shadowproxy: invalid configuration: {ConfigErrorText.WithoutText(error)}");
        }

        return ExitCodes.InvalidConfiguration;
    }
}
