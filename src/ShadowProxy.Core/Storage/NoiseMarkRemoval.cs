namespace ShadowProxy.Core.Storage;

/// <summary>Who removes which noise mark, when, and why.</summary>
public sealed record NoiseMarkRemoval(string Migration, string Path, string? Endpoint, string Actor, DateTimeOffset At, string? Reason = null);
