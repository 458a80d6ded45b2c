using ShadowProxy.Core.Configuration;

namespace ShadowProxy;

/// <summary>
/// The <c>ShadowProxy</c> configuration is invalid. The message names every offending key and why
/// (<c>ShadowProxy:Migrations:orders:Ramp:Stages[2]:Weight: 120 is outside 0..100</c>); nothing was started.
/// </summary>
public sealed class InvalidConfigurationException : Exception
{
    /// <summary>Creates the exception for the problems found.</summary>
    /// <param name="errors">Every problem found, each naming its key.</param>
    public InvalidConfigurationException(IReadOnlyList<ConfigError> errors)
        : base("Invalid configuration:" + Environment.NewLine + string.Join(Environment.NewLine, errors.Select(e => "  " + e))) =>
        Errors = errors;

    /// <summary>Every problem found, each naming its key (<see cref="ConfigError.Key"/>) and why (<see cref="ConfigError.Message"/>).</summary>
    public IReadOnlyList<ConfigError> Errors { get; }
}
