namespace ShadowProxy.Setup;

/// <summary>
/// Registered by the standalone executable before <c>AddShadowMigrations</c>: it reads the section's listener keys
/// (<see cref="Configuration.ShadowProxyOptions.StandaloneKeys"/>) itself, so the library accepts them.
/// </summary>
internal sealed class StandaloneExecutable;
