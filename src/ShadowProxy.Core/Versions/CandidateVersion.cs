namespace ShadowProxy.Core.Versions;

/// <summary>Candidate version names as stored (docs/comparison.md#candidate-versions): bounded, printable.</summary>
public static class CandidateVersion
{
    public const string Unknown = "unknown";

    /// <summary>Versions kept per migration; comparisons of further versions count under <see cref="Overflow"/>.</summary>
    public const int MaxVersionsPerMigration = 100;

    public const int MaxLength = 64;

    public const string Overflow = "(other)";

    /// <summary>The header's or the declaration's value as a version name, or null when it is empty or not printable ASCII.</summary>
    public static string? Normalize(string? text)
    {
        var trimmed = text?.Trim();
        if (string.IsNullOrEmpty(trimmed) || trimmed.Length > MaxLength || !trimmed.All(c => c is >= '!' and <= '~' or ' '))
        {
            return null;
        }

        return trimmed;
    }
}
