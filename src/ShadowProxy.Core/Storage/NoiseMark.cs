namespace ShadowProxy.Core.Storage;

/// <summary>A path marked as noise by a user; <see cref="Endpoint"/> null means on every endpoint.</summary>
public sealed record NoiseMark(string Migration, string Path, string? Endpoint, string Actor, DateTimeOffset CreatedAt);
