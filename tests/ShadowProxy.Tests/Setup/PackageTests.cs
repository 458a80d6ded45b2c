using System.Diagnostics;
using System.IO.Compression;
using System.Xml.Linq;
using ShadowProxy.Tests.Infrastructure;

namespace ShadowProxy.Tests.Setup;

/// <summary>
/// The library packs (<c>dotnet pack src/ShadowProxy.Yarp/ShadowProxy.Yarp.csproj</c>) into one package a YARP app can
/// restore: the library and the core it carries, its README, and the metadata a feed shows.
/// </summary>
public sealed class PackageTests
{
    [Fact]
    public async Task The_library_packs_with_its_core_its_readme_and_metadata()
    {
        var output = Directory.CreateTempSubdirectory("shadowproxy-pack-").FullName;
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Debug" : "Release";
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // The build the tests run against: packing it compiles nothing.
        foreach (var arg in new[] { "pack", Path.Combine(RepositoryFiles.Root(), "src", "ShadowProxy.Yarp", "ShadowProxy.Yarp.csproj"), "-c", configuration, "--no-build", "-o", output, "-nologo" })
        {
            info.ArgumentList.Add(arg);
        }

        using var pack = Process.Start(info)!;
        var log = pack.StandardOutput.ReadToEndAsync();
        var errors = pack.StandardError.ReadToEndAsync();
        await pack.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromMinutes(3)).Token);
        Assert.True(pack.ExitCode == 0, await log + await errors);

        var package = Assert.Single(Directory.GetFiles(output, "ShadowProxy.Yarp.*.nupkg"));
        using var zip = ZipFile.OpenRead(package);
        var entries = zip.Entries.Select(e => e.FullName).ToList();
        Assert.Contains("lib/net10.0/ShadowProxy.Yarp.dll", entries);
        Assert.Contains("lib/net10.0/ShadowProxy.Core.dll", entries);
        Assert.Contains("README.md", entries);

        await using var nuspecStream = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open();
        var metadata = XDocument.Load(nuspecStream).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        string? Value(string name) => metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value;
        Assert.Equal("ShadowProxy.Yarp", Value("id"));
        Assert.Equal("README.md", Value("readme"));
        Assert.False(string.IsNullOrWhiteSpace(Value("description")));
        Assert.False(string.IsNullOrWhiteSpace(Value("license")));
        var dependencies = metadata.Descendants().Where(e => e.Name.LocalName == "dependency").Select(e => e.Attribute("id")!.Value).ToList();
        Assert.Contains("Yarp.ReverseProxy", dependencies);
        Assert.DoesNotContain("ShadowProxy.Core", dependencies);
    }
}
