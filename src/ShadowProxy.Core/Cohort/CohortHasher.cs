using System.Buffers;
using System.Text;

namespace ShadowProxy.Core.Cohort;

/// <summary>
/// Maps (migration, cohort key) to a bucket in 0..9999 with a hash that is the same on every
/// process, machine and restart (FNV-1a over UTF-8, then a 64-bit avalanche). A key whose bucket is
/// below the candidate threshold at weight w stays below it at every weight above w.
/// </summary>
public static class CohortHasher
{
    public const int BucketCount = 10_000;

    private const ulong FnvOffset = 14695981039346656037UL;
    private const ulong FnvPrime = 1099511628211UL;
    private const int StackLimit = 512;

    public static int Bucket(string migration, ReadOnlySpan<char> cohortKey)
    {
        var hash = Append(FnvOffset, migration.AsSpan());
        hash = (hash ^ 0xFF) * FnvPrime; // separator that UTF-8 never produces
        hash = Append(hash, cohortKey);
        return (int)(Mix(hash) % BucketCount);
    }

    /// <summary>Candidate threshold for a weight in percent (two decimals): bucket &lt; threshold → candidate.</summary>
    public static int Threshold(decimal weightPercent) =>
        (int)Math.Clamp(decimal.Round(weightPercent * 100m, MidpointRounding.AwayFromZero), 0m, BucketCount);

    public static bool IsCandidate(int bucket, int threshold) => bucket < threshold;

    private static ulong Append(ulong hash, ReadOnlySpan<char> text)
    {
        var max = Encoding.UTF8.GetMaxByteCount(text.Length);
        byte[]? rented = null;
        var bytes = max <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(max));
        var count = Encoding.UTF8.GetBytes(text, bytes);
        foreach (var b in bytes[..count])
        {
            hash = (hash ^ b) * FnvPrime;
        }

        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

        return hash;
    }

    // MurmurHash3 fmix64: spreads FNV's weak low bits before the modulo.
    private static ulong Mix(ulong h)
    {
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdUL;
        h ^= h >> 33;
        h *= 0xc4ceb93e185a87d3UL;
        h ^= h >> 33;
        return h;
    }
}
