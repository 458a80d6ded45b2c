namespace ShadowProxy.Core.Storage;

/// <summary>A version × hour × endpoint count in a <see cref="DiffBatch"/>; <paramref name="Hour"/> is UTC ticks ÷ ticks per hour.</summary>
public readonly record struct VersionEndpointKey(string Version, long Hour, string Endpoint);
