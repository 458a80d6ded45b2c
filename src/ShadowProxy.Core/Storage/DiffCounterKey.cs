namespace ShadowProxy.Core.Storage;

/// <summary>An endpoint × path × kind counter in a <see cref="DiffBatch"/>.</summary>
public readonly record struct DiffCounterKey(string Endpoint, string Path, string Kind);
