using System.Globalization;

namespace ShadowCtl.Rendering;

/// <summary>How numbers, rates and durations look in the human-readable output (always invariant culture).</summary>
internal static class Format
{
    public const string None = "-";

    public static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    public static string Weight(decimal percent) => percent.ToString("0.##", CultureInfo.InvariantCulture) + "%";

    public static string Rate(double? rate) => rate is { } r ? (r * 100).ToString("0.00", CultureInfo.InvariantCulture) + "%" : None;

    public static string Milliseconds(double? ms) => ms is { } m ? m.ToString("0.#", CultureInfo.InvariantCulture) : None;

    public static string Latencies(double? p50, double? p95, double? p99) =>
        p50 is null && p95 is null && p99 is null ? None : $"{Milliseconds(p50)}/{Milliseconds(p95)}/{Milliseconds(p99)}";

    /// <summary>A gate value in its unit: fractions as percentages (<c>0.50%</c>), ratios as <c>1.23x</c>.</summary>
    public static string Gate(double? value, string? unit = null) => value is not { } v ? "n/a" : unit switch
    {
        "fraction" => (v * 100).ToString("0.00", CultureInfo.InvariantCulture) + "%",
        "ratio" => v.ToString("0.00", CultureInfo.InvariantCulture) + "x",
        _ => v.ToString("0.####", CultureInfo.InvariantCulture),
    };

    public static string Time(DateTimeOffset time) => time.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>A duration as its two largest units: <c>45s</c>, <c>3m12s</c>, <c>1h02m</c>, <c>2d03h</c>; under a second, <c>500ms</c>.</summary>
    public static string Duration(TimeSpan duration)
    {
        if (duration < TimeSpan.Zero)
        {
            duration = TimeSpan.Zero;
        }

        return duration.TotalDays >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)duration.TotalDays}d{duration.Hours:00}h")
            : duration.TotalHours >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{duration.Hours}h{duration.Minutes:00}m")
            : duration.TotalMinutes >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{duration.Minutes}m{duration.Seconds:00}s")
            : duration.TotalSeconds >= 1 || duration == TimeSpan.Zero ? string.Create(CultureInfo.InvariantCulture, $"{duration.Seconds}s")
            : string.Create(CultureInfo.InvariantCulture, $"{(int)duration.TotalMilliseconds}ms");
    }

    /// <summary>Stage k of n as a bar: <c>[###-------] 2/7</c>.</summary>
    public static string Progress(int stageIndex, int stageCount, int width = 10)
    {
        var k = Math.Clamp(stageIndex + 1, 0, Math.Max(stageCount, 1));
        var filled = stageCount <= 0 ? 0 : (int)Math.Round((double)width * k / stageCount, MidpointRounding.AwayFromZero);
        return string.Create(CultureInfo.InvariantCulture, $"[{new string('#', filled)}{new string('-', width - filled)}] {k}/{stageCount}");
    }
}
