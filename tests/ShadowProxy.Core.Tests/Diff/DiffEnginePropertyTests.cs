using System.Globalization;
using System.Text;
using System.Text.Json;
using CsCheck;
using ShadowProxy.Core.Configuration;
using ShadowProxy.Core.Diff;
using static ShadowProxy.Core.Tests.Diff.TestResponses;

namespace ShadowProxy.Core.Tests.Diff;

public sealed class DiffEnginePropertyTests
{
    // Small alphabets so that two generated documents share structure and differ in interesting ways.
    private static readonly Gen<string> Key = Gen.String[Gen.Char["abku"], 1, 2];

    private static readonly Gen<Node> Leaf = Gen.OneOf<Node>(
        Gen.Int[-2000, 2000].Select(i => (Node)new Number(i / 100m)),
        Gen.String[Gen.Char["xy\"\\é"], 0, 3].Select(s => (Node)new Literal(JsonSerializer.Serialize(s))),
        Gen.OneOf(Gen.Const("true"), Gen.Const("false"), Gen.Const("null")).Select(s => (Node)new Literal(s)));

    private static readonly Gen<Node> Document = Gen.Recursive<Node>((depth, self) => depth >= 3
        ? Leaf
        : Gen.OneOf(
            Leaf,
            Gen.Select(Key, self).Array[0, 4].Select(members => (Node)new Obj([.. members.DistinctBy(m => m.Item1)])),
            self.Array[0, 4].Select(items => (Node)new Arr(items))));

    private static readonly DiffOptions Options = new() { MaxDifferences = 10_000, UnorderedArrays = ["$..u"] };

    [Fact]
    public void A_document_never_differs_from_itself()
    {
        Document.Sample(document =>
        {
            var json = document.Render(reordered: false);
            Assert.Equal(ComparisonOutcome.Match, CompareJson(json, json, Options).Outcome);
        });
    }

    [Fact]
    public void Reordering_keys_and_reformatting_numbers_never_yields_a_difference()
    {
        Document.Sample(document =>
        {
            var result = CompareJson(document.Render(reordered: false), document.Render(reordered: true), Options);
            Assert.Empty(result.Differences);
        });
    }

    [Fact]
    public void Swapping_the_sides_swaps_the_differences()
    {
        Gen.Select(Document, Document).Sample((a, b) =>
        {
            var forward = CompareJson(a.Render(false), b.Render(false), Options).Differences;
            var backward = CompareJson(b.Render(false), a.Render(true), Options).Differences;

            var swapped = backward.Select(d => d with { Kind = Swap(d.Kind), Legacy = d.Candidate, Candidate = d.Legacy });
            Assert.Equal(Sorted(forward).Select(Key).Order(StringComparer.Ordinal), Sorted(swapped).Select(Key).Order(StringComparer.Ordinal));
        });

        // An element compared out of place (a re-aligned array) is reported at legacy's index, which is the other
        // side's index once the sides are swapped: positions are folded, the differences and their kinds must match.
        static string Key(Difference d) => $"{PathGeneralizer.Generalize(d.Path)} {d.Kind}";
    }

    [Fact]
    public void An_ignore_rule_flags_exactly_the_paths_it_matches()
    {
        var patterns = Gen.OneOf(Gen.Const("$.a"), Gen.Const("$..b"), Gen.Const("$[*].k"), Gen.Const("$.a[0]"), Gen.Const("$.*.ab"), Gen.Const("$"));
        Gen.Select(Document, Document, patterns).Sample((a, b, pattern) =>
        {
            var plain = CompareJson(a.Render(false), b.Render(false), Options).Differences;
            var ignoring = CompareJson(a.Render(false), b.Render(false), Options with { IgnoreJsonPaths = [pattern] }).Differences;
            var rule = PathPatternSet.Compile([pattern]);

            Assert.Equal(plain.Select(d => d.Path), ignoring.Select(d => d.Path));
            Assert.All(ignoring, d => Assert.Equal(rule.Matches(d.Path), d.IsNoise));
            Assert.All(plain, d => Assert.False(d.IsNoise));
        });
    }

    private static DifferenceKind Swap(DifferenceKind kind) => kind switch
    {
        DifferenceKind.Missing => DifferenceKind.Extra,
        DifferenceKind.Extra => DifferenceKind.Missing,
        _ => kind,
    };

    private static IEnumerable<Difference> Sorted(IEnumerable<Difference> differences) =>
        differences.OrderBy(d => d.Path, StringComparer.Ordinal).ThenBy(d => d.Kind);

    /// <summary>A generated JSON value that can be written with its keys and number formats changed.</summary>
    private abstract record Node
    {
        public string Render(bool reordered)
        {
            var builder = new StringBuilder();
            Write(builder, reordered);
            return builder.ToString();
        }

        public abstract void Write(StringBuilder builder, bool reordered);
    }

    private sealed record Literal(string Json) : Node
    {
        public override void Write(StringBuilder builder, bool reordered) => builder.Append(Json);
    }

    private sealed record Number(decimal Value) : Node
    {
        public override void Write(StringBuilder builder, bool reordered) =>
            builder.Append(reordered ? Value.ToString("0.000", CultureInfo.InvariantCulture) : ((double)Value).ToString("E3", CultureInfo.InvariantCulture));
    }

    private sealed record Obj((string Key, Node Value)[] Members) : Node
    {
        public override void Write(StringBuilder builder, bool reordered)
        {
            builder.Append('{');
            var members = reordered ? Members.Reverse() : Members;
            var first = true;
            foreach (var (key, value) in members)
            {
                builder.Append(first ? "" : ",").Append('"').Append(key).Append("\":");
                value.Write(builder, reordered);
                first = false;
            }

            builder.Append('}');
        }
    }

    private sealed record Arr(Node[] Items) : Node
    {
        public override void Write(StringBuilder builder, bool reordered)
        {
            builder.Append('[');
            for (var i = 0; i < Items.Length; i++)
            {
                builder.Append(i == 0 ? "" : ",");
                Items[i].Write(builder, reordered);
            }

            builder.Append(']');
        }
    }
}
