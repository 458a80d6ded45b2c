namespace ShadowProxy.Configuration;

/// <summary>Where state, samples and counters are kept: a local SQLite file, or Redis shared by a fleet (docs/architecture.md#fleet-mode).</summary>
internal enum StoreProvider
{
    Sqlite,
    Redis,
}
