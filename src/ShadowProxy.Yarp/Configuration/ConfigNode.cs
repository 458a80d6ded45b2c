using System.Globalization;
using ShadowProxy.Core.Configuration;

namespace ShadowProxy.Configuration;

/// <summary>A configuration section with its display path (<c>Stages[2]:Weight</c> rather than <c>Stages:2:Weight</c>).</summary>
internal readonly struct ConfigNode(IConfigurationSection section, string path)
{
    public string Path { get; } = path;

    public string Name => section.Key;

    public string? Value => section.Value;

    public bool Exists => section.Exists();

    public ConfigNode Child(string key) => new(section.GetSection(key), $"{Path}:{key}");

    /// <summary>The same section named as element <paramref name="index"/> of a list (a single value given for a list).</summary>
    public ConfigNode AsItem(int index) => new(section, $"{Path}[{index}]");

    public IEnumerable<ConfigNode> Children()
    {
        var path = Path;
        return section.GetChildren().Select(child => new ConfigNode(child, $"{path}:{child.Key}"));
    }

    /// <summary>Array elements in index order.</summary>
    public IEnumerable<ConfigNode> Items()
    {
        var path = Path;
        return section.GetChildren()
            .OrderBy(child => int.TryParse(child.Key, NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : int.MaxValue)
            .Select(child => new ConfigNode(child, $"{path}[{child.Key}]"));
    }

    /// <summary>Reports every child that is not one of <paramref name="known"/> (case-insensitive, as configuration keys are).</summary>
    public void Expect(List<ConfigError> errors, IReadOnlyList<string> known)
    {
        foreach (var child in section.GetChildren())
        {
            if (!known.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                errors.Add(new($"{Path}:{child.Key}", $"is not a known key here (known: {string.Join(", ", known)})"));
            }
        }
    }
}
