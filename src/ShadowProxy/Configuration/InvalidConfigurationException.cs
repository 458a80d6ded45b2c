using ShadowProxy.Core.Configuration;

namespace ShadowProxy.Configuration;

/// <summary>Thrown while building the host when the configuration is invalid; carries every problem found.</summary>
internal sealed class InvalidConfigurationException(IReadOnlyList<ConfigError> errors)
    : Exception("Invalid configuration:" + Environment.NewLine + string.Join(Environment.NewLine, errors.Select(e => "  " + e)))
{
    public IReadOnlyList<ConfigError> Errors { get; } = errors;
}
