namespace ShadowProxy.Core.Configuration;

/// <summary>One configuration problem: the full key (e.g. <c>ShadowProxy:Migrations:orders:Ramp:Stages[2]:Weight</c>) and why.</summary>
public sealed record ConfigError(string Key, string Message)
{
    public override string ToString() => $"{Key}: {Message}";
}
