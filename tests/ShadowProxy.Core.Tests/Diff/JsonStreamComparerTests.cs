using System.Globalization;
using System.Text;
using System.Text.Json;
using CsCheck;
using ShadowProxy.Core.Configuration;
using ShadowProxy.Core.Diff;
using ShadowProxy.Core.Text;
using static ShadowProxy.Core.Tests.Diff.TestResponses;

namespace ShadowProxy.Core.Tests.Diff;

/// <summary>
/// The engine reads JSON bodies side by side with a streaming comparer; <see cref="JsonComparer"/> over two parsed
/// documents is the reference it must agree with: the same differences, in the same order, with the same outcome
/// and truncation, on pairs that share structure and differ in values, keys, key order, lengths and escapes.
/// </summary>
public sealed class JsonStreamComparerTests
{
    // Names that escape differently but read the same ("\u0061" is "a") make the escape paths run; "id" makes array elements match by identity.
    private static readonly string[] Names = ["a", "b", "k", "u", "id", "ignored", "\\u0063", "é"];

    private static readonly Gen<string> Leaf = Gen.OneOf(
        Gen.Int[-300, 300].Select(i => i.ToString(CultureInfo.InvariantCulture)),
        Gen.Int[-300, 300].Select(i => (i / 10.0).ToString("0.0##", CultureInfo.InvariantCulture)),
        Gen.OneOf(Gen.Const("1E2"), Gen.Const("100.0"), Gen.Const("0.10000000000000000001"), Gen.Const("0.1"), Gen.Const("-0"), Gen.Const("1e400")),
        Gen.String[Gen.Char["xyé\"\\"], 0, 3].Select(s => JsonSerializer.Serialize(s)),
        Gen.OneOf(Gen.Const("\"\\u0041\""), Gen.Const("\"A\""), Gen.Const("\"\\n\"")),
        Gen.OneOf(Gen.Const("true"), Gen.Const("false"), Gen.Const("null")));

    private static readonly Gen<Node> Document = Gen.Recursive<Node>((depth, self) => depth >= 4
        ? Leaf.Select(json => (Node)new Value(json))
        : Gen.OneOf(
            Leaf.Select(json => (Node)new Value(json)),
            Gen.Select(Gen.Int[0, Names.Length - 1], self).Array[0, 5]
                .Select(members => (Node)new Obj([.. members.DistinctBy(m => Unescaped(Names[m.Item1])).Select(m => (Names[m.Item1], m.Item2))])),
            self.Array[0, 5].Select(items => (Node)new Arr(items))));

    private static readonly Gen<DiffOptions> Options = Gen.Select(
        Gen.OneOf(Gen.Const(10_000), Gen.Int[1, 6]),
        Gen.OneOf(Gen.Const(0.0), Gen.Const(0.05)),
        Gen.OneOf<string[]>(Gen.Const(Array.Empty<string>()), Gen.Const(new[] { "$..ignored" }), Gen.Const(new[] { "$.a", "$..k[*]" })),
        Gen.OneOf<string[]>(Gen.Const(Array.Empty<string>()), Gen.Const(new[] { "$..u" }), Gen.Const(new[] { "$[*]", "$.b" })))
        .Select((max, tolerance, ignore, unordered) => new DiffOptions
        {
            MaxDifferences = max,
            NumericTolerance = tolerance,
            IgnoreJsonPaths = ignore,
            UnorderedArrays = unordered,
        });

    [Fact]
    public void Agrees_with_the_document_comparer_on_related_pairs() =>
        Gen.Select(Document, Gen.Int, Options).Sample((document, seed, options) =>
        {
            var legacy = document.Render();
            var candidate = document.Mutate(new Random(seed)).Render();
            AssertSameResult(legacy, candidate, options);
            AssertSameResult(candidate, legacy, options);
        }, iter: 4000);

    [Fact]
    public void Agrees_with_the_document_comparer_on_unrelated_pairs() =>
        Gen.Select(Document, Document, Options).Sample((legacy, candidate, options) =>
            AssertSameResult(legacy.Render(), candidate.Render(), options), iter: 2000);

    [Theory]
    [InlineData("""{"a":1,"b":2,"c":[1,2,3]}""", """{"a":9,"b":2,"c":[1,2,3""")]
    [InlineData("""{"a":1,"b":[1,2]}""", """{"a":2,"b":[1,2]} x""")]
    [InlineData("""{"a":1,"b":[1,2]}""", """{"a":2,"b":[1,2]}{}""")]
    [InlineData("""{"a":[1,{"b":2}]}""", """{"a":[2,{"b":2,}]}""")]
    public void Invalid_json_found_after_differences_leaves_only_the_text_comparison(string legacy, string candidate)
    {
        var result = CompareJson(legacy, candidate);

        Assert.Equal(ComparisonOutcome.Diff, result.Outcome);
        // The text comparison reports by line; no JSON path from the abandoned walk is left.
        Assert.NotEmpty(result.Differences);
        Assert.All(result.Differences, d => Assert.DoesNotContain("$", d.Path, StringComparison.Ordinal));
    }

    [Fact]
    public void A_length_difference_comes_before_the_elements_and_survives_the_cap()
    {
        var result = CompareJson("""{"x":[1,2,3],"y":[5]}""", """{"x":[9,8],"y":[6,7]}""", new DiffOptions { MaxDifferences = 3 });

        Assert.Equal(["$.x ArrayLength", "$.x[0] ValueChanged", "$.x[1] ValueChanged"], result.Differences.Select(d => $"{d.Path} {d.Kind}"));
        Assert.True(result.DifferencesTruncated);
        Assert.Equal(ComparisonOutcome.Diff, result.Outcome);
    }

    [Fact]
    public void Keys_out_of_order_after_a_common_prefix_pair_by_name()
    {
        var result = CompareJson("""{"id":1,"name":"a","tags":[1],"total":2}""", """{"id":1,"total":3,"extra":true,"name":"a"}""");

        Assert.Equal(
            ["$.tags Missing [1] ", "$.total ValueChanged 2 3", "$.extra Extra  true"],
            result.Differences.Select(d => $"{d.Path} {d.Kind} {d.Legacy} {d.Candidate}"));
    }

    private static void AssertSameResult(string legacy, string candidate, DiffOptions options)
    {
        var expected = CompareDocuments(legacy, candidate, options);
        var actual = CompareJson(legacy, candidate, options);

        Assert.True(
            expected.Outcome == actual.Outcome && expected.DifferencesTruncated == actual.DifferencesTruncated
                && expected.Differences.SequenceEqual(actual.Differences),
            $"legacy {legacy}\ncandidate {candidate}\nmax {options.MaxDifferences}, tolerance {options.NumericTolerance}, ignore [{string.Join(",", options.IgnoreJsonPaths)}], unordered [{string.Join(",", options.UnorderedArrays)}]\n"
                + $"expected {expected.Outcome} truncated={expected.DifferencesTruncated}\n  {string.Join("\n  ", expected.Differences)}\n"
                + $"actual {actual.Outcome} truncated={actual.DifferencesTruncated}\n  {string.Join("\n  ", actual.Differences)}");
    }

    /// <summary>The reference: both bodies parsed into documents and walked by <see cref="JsonComparer"/>.</summary>
    private static ComparisonResult CompareDocuments(string legacy, string candidate, DiffOptions options)
    {
        using var context = new DiffContext(options.MaxDifferences, PathPatternSet.Compile(options.IgnoreJsonPaths), null, new StringInterner(4096, 256));
        using var legacyDocument = JsonDocument.Parse(legacy);
        using var candidateDocument = JsonDocument.Parse(candidate);
        new JsonComparer(context, options.NumericTolerance, PathPatternSet.Compile(options.UnorderedArrays), ArrayKeyRules.Create(options.ArrayKeys)).Compare(legacyDocument.RootElement, candidateDocument.RootElement);
        return context.ToResult();
    }

    private static string Unescaped(string name) => JsonSerializer.Deserialize<string>("\"" + name + "\"")!;

    /// <summary>A generated JSON value, and a copy of it with random edits.</summary>
    private abstract record Node
    {
        public string Render()
        {
            var builder = new StringBuilder();
            Write(builder);
            return builder.ToString();
        }

        public abstract void Write(StringBuilder builder);

        public abstract Node Mutate(Random random);

        protected static Node MutateLeaf(Node node, Random random) => random.Next(8) switch
        {
            0 => new Value(random.Next(3).ToString(CultureInfo.InvariantCulture)),
            1 => new Value("\"" + (char)('a' + random.Next(3)) + "\""),
            2 => new Arr([]),
            3 => new Obj([]),
            _ => node,
        };
    }

    private sealed record Value(string Json) : Node
    {
        public override void Write(StringBuilder builder) => builder.Append(Json);

        public override Node Mutate(Random random) => random.Next(4) == 0 ? MutateLeaf(this, random) : this;
    }

    private sealed record Obj((string Key, Node Value)[] Members) : Node
    {
        public override void Write(StringBuilder builder)
        {
            builder.Append('{');
            for (var i = 0; i < Members.Length; i++)
            {
                builder.Append(i == 0 ? "" : ",").Append('"').Append(Members[i].Key).Append("\":");
                Members[i].Value.Write(builder);
            }

            builder.Append('}');
        }

        public override Node Mutate(Random random)
        {
            var members = Members.Select(m => (m.Key, Value: m.Value.Mutate(random))).ToList();
            switch (random.Next(6))
            {
                case 0 when members.Count > 0:
                    members.RemoveAt(random.Next(members.Count));
                    break;
                case 1:
                    var key = Names[random.Next(Names.Length)];
                    if (!members.Any(m => Unescaped(m.Key) == Unescaped(key)))
                    {
                        members.Insert(random.Next(members.Count + 1), (key, new Value("7")));
                    }

                    break;
                case 2 when members.Count > 1:
                    // Out of order from some point on.
                    var from = random.Next(members.Count - 1);
                    (members[from], members[^1]) = (members[^1], members[from]);
                    break;
            }

            return random.Next(10) == 0 ? MutateLeaf(this, random) : new Obj([.. members]);
        }
    }

    private sealed record Arr(Node[] Items) : Node
    {
        public override void Write(StringBuilder builder)
        {
            builder.Append('[');
            for (var i = 0; i < Items.Length; i++)
            {
                builder.Append(i == 0 ? "" : ",");
                Items[i].Write(builder);
            }

            builder.Append(']');
        }

        public override Node Mutate(Random random)
        {
            var items = Items.Select(item => item.Mutate(random)).ToList();
            switch (random.Next(6))
            {
                case 0 when items.Count > 0:
                    items.RemoveAt(random.Next(items.Count));
                    break;
                case 1:
                    items.Insert(random.Next(items.Count + 1), new Value("true"));
                    break;
                case 2 when items.Count > 1:
                    items.Reverse();
                    break;
            }

            return random.Next(10) == 0 ? MutateLeaf(this, random) : new Arr([.. items]);
        }
    }
}
