namespace ShadowProxy.Core.Configuration;

/// <summary>Where state, samples and counters are kept: a local SQLite file, or Redis shared by a fleet (docs/architecture.md#fleet-mode).</summary>
public enum StoreProvider
{
    Sqlite,
    Redis,
}
