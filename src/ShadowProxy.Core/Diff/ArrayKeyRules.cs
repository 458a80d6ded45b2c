namespace ShadowProxy.Core.Diff;

/// <summary>
/// Which property identifies the object elements of an ordered array (docs/comparison.md#arrays): <c>Diff:ArrayKeys</c> per array
/// path pattern, else <c>id</c>, <c>Id</c> or <c>key</c>, whichever an element has first in that order.
/// Immutable and safe to share between threads.
/// </summary>
internal sealed class ArrayKeyRules
{
    /// <summary>The identity keys tried on arrays without a configured one, in this order.</summary>
    public static readonly string[] DefaultKeys = ["id", "Id", "key"];

    private readonly (PathPatternSet Paths, string[] Key)[] _configured;

    private ArrayKeyRules((PathPatternSet, string[])[] configured) => _configured = configured;

    public static ArrayKeyRules Default { get; } = new([]);

    /// <summary>Compiles <c>Diff:ArrayKeys</c> (array path pattern → property name); on failure names the pattern at fault.</summary>
    public static bool TryCreate(IReadOnlyDictionary<string, string> arrayKeys, out ArrayKeyRules rules, out string badKey, out string error)
    {
        ArgumentNullException.ThrowIfNull(arrayKeys);
        var configured = new List<(PathPatternSet, string[])>();
        foreach (var (pattern, key) in arrayKeys.OrderByDescending(entry => entry.Key.Length).ThenBy(entry => entry.Key, StringComparer.Ordinal))
        {
            if (pattern.Length == 0 || pattern[0] != '$' || !PathPatternSet.TryCompile([pattern], out var set, out _))
            {
                (rules, badKey, error) = (Default, pattern, "is not a JSON path pattern of an array (e.g. $.orders or $.orders[*].lines)");
                return false;
            }

            if (!PathBuilder.IsPlainName(key))
            {
                (rules, badKey, error) = (Default, pattern, "must name a property of letters, digits, '_' or '-'");
                return false;
            }

            configured.Add((set, [key]));
        }

        rules = configured.Count == 0 ? Default : new ArrayKeyRules([.. configured]);
        (badKey, error) = (string.Empty, string.Empty);
        return true;
    }

    public static ArrayKeyRules Create(IReadOnlyDictionary<string, string> arrayKeys) =>
        TryCreate(arrayKeys, out var rules, out var key, out var error) ? rules : throw new ArgumentException($"ArrayKeys:{key} {error}", nameof(arrayKeys));

    /// <summary>The identity keys to try for the array at <paramref name="arrayPath"/>, in order.</summary>
    public string[] KeysFor(ReadOnlySpan<char> arrayPath)
    {
        foreach (var (paths, key) in _configured)
        {
            if (paths.MatchesExactly(arrayPath))
            {
                return key;
            }
        }

        return DefaultKeys;
    }
}
