using ShadowProxy.Tests.Infrastructure;

namespace ShadowProxy.Tests.Hosting;

/// <summary>
/// SPEC §12, docs/configuration.md#where-configuration-comes-from: the executable reads appsettings.json and
/// appsettings.{Environment}.json from its working directory as ASP.NET Core does, the <c>--config</c> file on top
/// of them, then environment variables and the command line over everything.
/// </summary>
public sealed class ConfigSourcesTests
{
    private const string Config = """
        {
          "ShadowProxy": {
            "Listen": ["http://127.0.0.1:0"],
            "Admin": { "Listen": "http://127.0.0.1:0" },
            "Migrations": {
              "orders": {
                "Routes": [ { "Path": "/api/orders/{**rest}" } ],
                "Legacy": { "Address": "http://127.0.0.1:9001" },
                "Candidate": { "Address": "http://127.0.0.1:9002" },
                "Ramp": { "Stages": [ { "Name": "shadow", "Weight": 0 }, { "Name": "half", "Weight": 50 } ] }
              }
            }
          }
        }
        """;

    private const string InvalidWeight = """{ "ShadowProxy": { "Migrations": { "orders": { "Ramp": { "Stages": [ { }, { "Weight": 120 } ] } } } } }""";

    [Theory]
    [InlineData("appsettings.json", null)]
    [InlineData("appsettings.Staging.json", "Staging")]
    public async Task The_appsettings_files_of_the_working_directory_are_read(string file, string? environment)
    {
        var directory = Directory.CreateTempSubdirectory("shadowproxy-appsettings-").FullName;
        await File.WriteAllTextAsync(Path.Combine(directory, file), """{ "ShadowProxy": { "Migrations": { "orders": { "Shadow": { "SamplePercent": 250 } } } } }""");

        var (exitCode, output) = await ProxyProcess.RunToExitAsync(Config, TimeSpan.FromSeconds(60), workingDirectory: directory,
            environment: environment is null ? null : new Dictionary<string, string> { ["DOTNET_ENVIRONMENT"] = environment });

        Assert.True(exitCode == 2, $"exit code {exitCode}, output:{Environment.NewLine}{output}");
        Assert.Contains("ShadowProxy:Migrations:orders:Shadow:SamplePercent", output);
    }

    [Fact]
    public async Task The_config_file_wins_over_appsettings_json() =>
        Assert.Equal("ok\n", await AdminGetAsync(appsettings: InvalidWeight, config: Config, "/healthz"));

    [Fact]
    public async Task Without_config_appsettings_json_alone_configures_the_proxy() =>
        Assert.Contains("orders", await AdminGetAsync(appsettings: Config, config: null, "/api/v1/migrations"), StringComparison.Ordinal);

    [Fact]
    public async Task Without_any_configuration_the_process_exits_2()
    {
        var directory = Directory.CreateTempSubdirectory("shadowproxy-empty-").FullName;

        var (exitCode, output) = await ProxyProcess.RunToExitAsync(null, TimeSpan.FromSeconds(60), workingDirectory: directory);

        Assert.True(exitCode == 2, $"exit code {exitCode}, output:{Environment.NewLine}{output}");
        Assert.Contains("give --config FILE or --demo", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_command_line_wins_over_the_config_file()
    {
        var (exitCode, output) = await ProxyProcess.RunToExitAsync(Config, TimeSpan.FromSeconds(60), ["--ShadowProxy:Migrations:orders:Ramp:Stages:1:Weight=120"]);

        Assert.True(exitCode == 2, $"exit code {exitCode}, output:{Environment.NewLine}{output}");
        Assert.Contains("ShadowProxy:Migrations:orders:Ramp:Stages[1]:Weight: 120 is outside 0..100", output);
    }

    /// <summary>Starts the process in a directory holding <paramref name="appsettings"/> as appsettings.json, with <paramref name="config"/> as --config (none when null), and GETs an admin path.</summary>
    private static async Task<string> AdminGetAsync(string appsettings, string? config, string path)
    {
        var directory = Directory.CreateTempSubdirectory("shadowproxy-appsettings-").FullName;
        await File.WriteAllTextAsync(Path.Combine(directory, "appsettings.json"), appsettings);
        var (process, _, admin) = await ProxyProcess.StartListeningAsync(config, directory);
        await using (process)
        {
            using var client = new HttpClient();
            return await client.GetStringAsync(new Uri(admin, path));
        }
    }
}
