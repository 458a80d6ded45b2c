using ShadowProxy.Configuration;
using ShadowProxy.Core.Configuration;

namespace ShadowProxy;

/// <summary>
/// The <c>ShadowProxy</c> configuration is invalid. The message names every offending key and why
/// (<c>ShadowProxy:Migrations:orders:Ramp:Stages[2]:Weight: 120 is outside 0..100</c>); nothing was started.
/// Quoted text is left out of the message, as in every log line (docs/security.md: a host logs the exception it
/// failed to start with, and text values are where secrets live); <see cref="Errors"/> has the whole reasons.
/// </summary>
public sealed class InvalidConfigurationException : Exception
{
    /// <summary>Creates the exception for the problems found.</summary>
    /// <param name="errors">Every problem found, each naming its key.</param>
    public InvalidConfigurationException(IReadOnlyList<ConfigError> errors)
        : base("Invalid configuration:" + Environment.NewLine + string.Join(Environment.NewLine, errors.Select(e => "  " + ConfigErrorText.WithoutText(e)))) =>
        Errors = errors;

    /// <summary>Every problem found, each naming its key (<see cref="ConfigError.Key"/>) and why (<see cref="ConfigError.Message"/>).</summary>
    public IReadOnlyList<ConfigError> Errors { get; }
}
