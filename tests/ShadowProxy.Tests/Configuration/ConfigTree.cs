using Microsoft.Extensions.Configuration;
using ShadowProxy.Configuration;
using ShadowProxy.Core.Configuration;

namespace ShadowProxy.Tests.Configuration;

/// <summary>A valid configuration as flat keys (as environment variables give them), edited and read in process.</summary>
internal static class ConfigTree
{
    public const string M = "ShadowProxy:Migrations:orders:";

    public static Dictionary<string, string?> Valid() => new()
    {
        ["ShadowProxy:Listen:0"] = "http://127.0.0.1:0",
        ["ShadowProxy:Admin:Listen"] = "http://127.0.0.1:0",
        [M + "Routes:0:Path"] = "/api/orders/{**rest}",
        [M + "Legacy:Address"] = "http://127.0.0.1:9001",
        [M + "Candidate:Address"] = "http://127.0.0.1:9002",
    };

    /// <summary>Reads <see cref="Valid"/> with <paramref name="edits"/> applied (a null value removes the key).</summary>
    public static (ShadowProxyOptions? Options, IReadOnlyList<ConfigError> Errors) Read(params (string Key, string? Value)[] edits)
    {
        var tree = Valid();
        foreach (var (key, value) in edits)
        {
            if (value is null)
            {
                tree.Remove(key);
            }
            else
            {
                tree[key] = value;
            }
        }

        var options = ConfigReader.Read(new ConfigurationBuilder().AddInMemoryCollection(tree).Build(), out var errors);
        return (options, errors);
    }

    /// <summary>The options of a configuration that must be valid.</summary>
    public static ShadowProxyOptions Accept(params (string Key, string? Value)[] edits)
    {
        var (options, errors) = Read(edits);
        Assert.True(options is not null, string.Join(Environment.NewLine, errors));
        return options;
    }

    /// <summary>The one error of a configuration that must be refused, as "key: message".</summary>
    public static string Refuse(params (string Key, string? Value)[] edits)
    {
        var (options, errors) = Read(edits);
        Assert.Null(options);
        Assert.True(errors.Count == 1, string.Join(Environment.NewLine, errors));
        return errors[0].ToString();
    }
}
