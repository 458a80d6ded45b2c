namespace ShadowProxy.Core.Noise;

/// <summary>Why a difference is noise (docs/comparison.md#noise); the API writes these in lower case.</summary>
public enum NoiseSource
{
    /// <summary><c>Diff:IgnoreJsonPaths</c> / <c>IgnoreHeaders</c>, or noise by nature (two captures cut at the same place).</summary>
    Config,

    /// <summary>A noise mark made through the admin API.</summary>
    Mark,

    /// <summary>Legacy disagreed with itself there (the noise probe).</summary>
    Probe,
}

public static class NoiseSources
{
    public static string? Name(NoiseSource? source) => source switch
    {
        NoiseSource.Config => "config",
        NoiseSource.Mark => "mark",
        NoiseSource.Probe => "probe",
        _ => null,
    };
}
