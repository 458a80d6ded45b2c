namespace ShadowProxy.Core.Configuration;

/// <summary>Where state, samples and counters are kept: a local SQLite file, or Redis shared by a fleet (SPEC §8).</summary>
public enum StoreProvider
{
    Sqlite,
    Redis,
}
