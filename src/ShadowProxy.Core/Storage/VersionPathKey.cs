namespace ShadowProxy.Core.Storage;

/// <summary>A version × hour × endpoint × path × kind count in a <see cref="DiffBatch"/>.</summary>
public readonly record struct VersionPathKey(string Version, long Hour, string Endpoint, string Path, string Kind);
