using System.Collections.Concurrent;

namespace ShadowProxy.Core.Endpoints;

/// <summary>
/// Learns endpoint templates from the paths a migration sees, so that <c>/products/SKU-1011</c> and its siblings are
/// one endpoint, <c>GET /products/{id}</c>, while <c>/products/search</c> stays itself. The rule (README, "Endpoint
/// templates"):
/// <list type="number">
/// <item>Segments that are ids by their shape alone (numbers, UUIDs, long hex, dates, long letter-digit tokens:
/// <see cref="EndpointTemplate.IsIdLike"/>) are <c>{id}</c> at once; nothing to learn.</item>
/// <item>Every other segment is a literal, counted under its parent (one node of a tree of path positions) by its
/// <see cref="SegmentShape"/>: a <em>token</em> has a digit (<c>SKU-1011</c>, <c>aB3x9</c>, <c>v2</c>), a <em>slug</em>
/// has separators but no digit (<c>how-to-cook-pasta</c>), a <em>word</em> is letters only (<c>search</c>, <c>alice</c>).</item>
/// <item>When one parent has seen <see cref="TokenThreshold"/> distinct tokens (<see cref="SlugThreshold"/> slugs,
/// <see cref="WordThreshold"/> words) that shape folds there: its literals and every later one of that shape become
/// <c>{id}</c>. Other shapes at the same position stay literal (<c>/products/search</c> next to the folded SKUs), and
/// so do the few words that recur far more often than their siblings when words fold (<c>/users/me</c>: at least
/// <see cref="StandOutFactor"/> times the median, at most <see cref="MaxKept"/>).</item>
/// <item>A position with few distinct values never folds: <c>/v1</c> and <c>/v2</c>, or <c>daily</c>, <c>weekly</c>,
/// <c>monthly</c>, stay literal however often they are seen.</item>
/// </list>
/// What is learned is a list of <see cref="LearnedFold"/>s, stored and shared (<see cref="TakeUnsaved"/>,
/// <see cref="Apply"/>), so that names are the same on every instance and after a restart. Bounded: at most
/// <see cref="MaxNodes"/> path positions; past that, a new literal is <c>{id}</c>. Thread-safe; naming a known
/// endpoint allocates nothing.
/// </summary>
public sealed class EndpointLearner
{
    public const int TokenThreshold = 8;
    public const int SlugThreshold = 16;
    public const int WordThreshold = 50;
    public const int StandOutFactor = 4;
    public const int MaxKept = 4;
    public const int MaxNodes = 4096;
    public const int MaxUnsaved = 1024;
    public const string Parameter = "{id}";

    private readonly Node _root = new(string.Empty, null);
    private readonly ConcurrentQueue<LearnedFold> _unsaved = new();
    private int _nodes;
    private int _unsavedCount;

    /// <summary>
    /// The learned name of <paramref name="baseName"/>, an endpoint as <see cref="EndpointTemplate.Create"/> names it
    /// (<c>GET /api/products/SKU-1011</c>); learns from it when <paramref name="learn"/>.
    /// </summary>
    public string Name(string baseName, bool learn = true)
    {
        var space = baseName.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0)
        {
            return baseName;
        }

        var method = baseName.AsSpan(0, space);
        var path = baseName.AsSpan(space + 1);
        var node = _root;
        foreach (var range in path.Split('/'))
        {
            var segment = path[range];
            if (segment.IsEmpty)
            {
                continue;
            }

            var next = learn ? Step(node, segment) : StepKnown(node, segment);
            if (next is null)
            {
                // Read-only and unknown from here on: the rest of the name as it is.
                return learn ? baseName : Rest(node, method, path[range.Start.Value..]);
            }

            node = next;
        }

        return node.NameFor(method, baseName);
    }

    /// <summary>Folds learned since the last call, for the store; at most <see cref="MaxUnsaved"/> are kept waiting.</summary>
    public IReadOnlyList<LearnedFold> TakeUnsaved()
    {
        var taken = new List<LearnedFold>();
        while (_unsaved.TryDequeue(out var fold))
        {
            Interlocked.Decrement(ref _unsavedCount);
            taken.Add(fold);
        }

        return taken;
    }

    /// <summary>Every fold in force, for tests and for saving everything at once.</summary>
    public IReadOnlyList<LearnedFold> Folds()
    {
        var folds = new List<LearnedFold>();
        Collect(_root, folds);
        return folds;
    }

    /// <summary>Applies a fold learned elsewhere (another instance, an earlier run): the same names from now on.</summary>
    public void Apply(LearnedFold fold)
    {
        ArgumentNullException.ThrowIfNull(fold);
        var node = _root;
        var path = fold.Position.AsSpan();
        foreach (var range in path.Split('/'))
        {
            if (!path[range].IsEmpty)
            {
                node = Ensure(node, path[range]);
            }
        }

        lock (node)
        {
            if (node.IsFolded(fold.Shape))
            {
                return;
            }

            foreach (var literal in fold.Kept)
            {
                if (EndpointLearnerShapes.Of(literal) == fold.Shape)
                {
                    Ensure(node, literal).Kept = true;
                }
            }

            FoldLocked(node, fold.Shape);
        }
    }

    /// <summary>The shape class of a literal segment (see the class summary).</summary>
    public static SegmentShape ShapeOf(ReadOnlySpan<char> segment) => EndpointLearnerShapes.Of(segment);

    public static int Threshold(SegmentShape shape) => shape switch
    {
        SegmentShape.Token => TokenThreshold,
        SegmentShape.Slug => SlugThreshold,
        _ => WordThreshold,
    };

    private Node? Step(Node node, ReadOnlySpan<char> segment)
    {
        if (node.TryGetChild(segment, out var child))
        {
            if (child.Shape is { } known)
            {
                if (node.IsFolded(known) && !child.Kept)
                {
                    return node.Parameter ?? Ensure(node, Parameter);
                }

                if (known == SegmentShape.Word)
                {
                    Interlocked.Increment(ref child.Hits);
                }
            }

            return child;
        }

        if (IsParameter(segment))
        {
            return Ensure(node, segment);
        }

        var shape = EndpointLearnerShapes.Of(segment);
        if (node.IsFolded(shape) || Volatile.Read(ref _nodes) >= MaxNodes)
        {
            return node.Parameter ?? Ensure(node, Parameter);
        }

        var created = new Node(node.Path + "/" + segment.ToString(), shape);
        var added = node.GetOrAdd(segment, created);
        if (!ReferenceEquals(added, created))
        {
            return Step(node, segment);
        }

        Interlocked.Increment(ref _nodes);
        if (node.CountDistinct(shape) >= Threshold(shape))
        {
            Fold(node, shape);
            return Step(node, segment);
        }

        return created;
    }

    /// <summary>Read-only step: the child that names <paramref name="segment"/>, or null when none does yet.</summary>
    private static Node? StepKnown(Node node, ReadOnlySpan<char> segment)
    {
        if (node.TryGetChild(segment, out var child))
        {
            return child.Shape is { } known && node.IsFolded(known) && !child.Kept ? node.Parameter : child;
        }

        return !IsParameter(segment) && node.IsFolded(EndpointLearnerShapes.Of(segment)) ? node.Parameter : null;
    }

    private static string Rest(Node node, ReadOnlySpan<char> method, ReadOnlySpan<char> rest) =>
        string.Concat(string.Concat(method, " ", node.Path), "/", rest);

    private Node Ensure(Node node, ReadOnlySpan<char> segment)
    {
        if (node.TryGetChild(segment, out var child))
        {
            return child;
        }

        var parameter = IsParameter(segment);
        var created = new Node(node.Path + "/" + segment.ToString(), parameter ? null : EndpointLearnerShapes.Of(segment));
        var added = node.GetOrAdd(segment, created);
        if (ReferenceEquals(added, created))
        {
            Interlocked.Increment(ref _nodes);
            if (segment.SequenceEqual(Parameter))
            {
                node.Parameter = added;
            }
        }

        return added;
    }

    private void Fold(Node node, SegmentShape shape)
    {
        lock (node)
        {
            if (node.IsFolded(shape))
            {
                return;
            }

            if (shape == SegmentShape.Word)
            {
                KeepStandOuts(node);
            }

            var fold = FoldLocked(node, shape);
            if (Interlocked.Increment(ref _unsavedCount) <= MaxUnsaved)
            {
                _unsaved.Enqueue(fold);
            }
            else
            {
                Interlocked.Decrement(ref _unsavedCount);
            }
        }
    }

    /// <summary>Marks the fold, creates the parameter and drops the literals it replaces (their subtrees are learned again under it).</summary>
    private LearnedFold FoldLocked(Node node, SegmentShape shape)
    {
        Ensure(node, Parameter);
        var kept = new List<string>();
        foreach (var (literal, child) in node.Children())
        {
            if (child.Shape == shape)
            {
                if (child.Kept)
                {
                    kept.Add(literal);
                }
                else if (node.Remove(literal))
                {
                    Interlocked.Decrement(ref _nodes);
                }
            }
        }

        node.MarkFolded(shape);
        kept.Sort(StringComparer.Ordinal);
        return new LearnedFold(node.Path.Length == 0 ? "/" : node.Path, shape, kept);
    }

    private static void KeepStandOuts(Node node)
    {
        var words = node.Children().Where(c => c.Value.Shape == SegmentShape.Word).Select(c => c.Value).ToList();
        if (words.Count == 0)
        {
            return;
        }

        var hits = words.Select(w => Volatile.Read(ref w.Hits)).Order().ToList();
        var median = Math.Max(1, hits[hits.Count / 2]);
        foreach (var word in words.Where(w => Volatile.Read(ref w.Hits) >= StandOutFactor * median).OrderByDescending(w => w.Hits).Take(MaxKept))
        {
            word.Kept = true;
        }
    }

    private static void Collect(Node node, List<LearnedFold> into)
    {
        foreach (var shape in (ReadOnlySpan<SegmentShape>)[SegmentShape.Token, SegmentShape.Slug, SegmentShape.Word])
        {
            if (node.IsFolded(shape))
            {
                var kept = node.Children().Where(c => c.Value.Shape == shape && c.Value.Kept).Select(c => c.Key).Order(StringComparer.Ordinal).ToList();
                into.Add(new LearnedFold(node.Path.Length == 0 ? "/" : node.Path, shape, kept));
            }
        }

        foreach (var (_, child) in node.Children())
        {
            Collect(child, into);
        }
    }

    private static bool IsParameter(ReadOnlySpan<char> segment) => segment.Length >= 2 && segment[0] == '{' && segment[^1] == '}';

    /// <summary>One path position: its literal children, the parameter that folded ones become, the names ending here.</summary>
    private sealed class Node(string path, SegmentShape? shape)
    {
        private ConcurrentDictionary<string, Node>? _children;
        private ConcurrentDictionary<string, Node>.AlternateLookup<ReadOnlySpan<char>> _lookup;
        private readonly int[] _distinct = new int[3];
        private int _folded;
        private readonly MethodNames _names = new();

        public string Path { get; } = path;

        public SegmentShape? Shape { get; } = shape;

        /// <summary>How often this literal was seen (words only: what makes one stand out when words fold).</summary>
        public long Hits = 1;

        public volatile bool Kept;

        public Node? Parameter { get; set; }

        public bool IsFolded(SegmentShape shape) => (Volatile.Read(ref _folded) & (1 << (int)shape)) != 0;

        public void MarkFolded(SegmentShape shape)
        {
            int current, updated;
            do
            {
                current = Volatile.Read(ref _folded);
                updated = current | (1 << (int)shape);
            }
            while (Interlocked.CompareExchange(ref _folded, updated, current) != current);
        }

        public int CountDistinct(SegmentShape shape) => Interlocked.Increment(ref _distinct[(int)shape]);

        public bool TryGetChild(ReadOnlySpan<char> segment, out Node child)
        {
            child = null!;
            return Volatile.Read(ref _children) is not null && _lookup.TryGetValue(segment, out child!);
        }

        public Node GetOrAdd(ReadOnlySpan<char> segment, Node created)
        {
            if (Volatile.Read(ref _children) is null)
            {
                lock (this)
                {
                    if (_children is null)
                    {
                        var children = new ConcurrentDictionary<string, Node>(StringComparer.Ordinal);
                        _lookup = children.GetAlternateLookup<ReadOnlySpan<char>>();
                        Volatile.Write(ref _children, children);
                    }
                }
            }

            return _lookup.TryGetValue(segment, out var existing) ? existing : _children!.GetOrAdd(segment.ToString(), created);
        }

        public bool Remove(string literal) => _children?.TryRemove(literal, out _) == true;

        public KeyValuePair<string, Node>[] Children() => Volatile.Read(ref _children)?.ToArray() ?? [];

        /// <summary>The endpoint name of <paramref name="method"/> at this position; <paramref name="same"/> when it reads the same (no copy).</summary>
        public string NameFor(ReadOnlySpan<char> method, string same) => _names.For(method, Path.Length == 0 ? "/" : Path, same);
    }
}

/// <summary>The shape classes of literal path segments that the learner counts separately (see <see cref="EndpointLearner"/>).</summary>
public enum SegmentShape
{
    /// <summary>Has a digit: <c>SKU-1011</c>, <c>aB3x9</c>, <c>v2</c>.</summary>
    Token = 0,

    /// <summary>No digit, something besides letters: <c>how-to-cook-pasta</c>, <c>report.pdf</c>.</summary>
    Slug = 1,

    /// <summary>Letters only: <c>search</c>, <c>me</c>, <c>alice</c>.</summary>
    Word = 2,
}

/// <summary>
/// What the learner learned at one path position: literals of <see cref="Shape"/> under <see cref="Position"/> (a
/// template path, <c>/api/catalog/products</c>) are <c>{id}</c>, except <see cref="Kept"/>.
/// </summary>
public sealed record LearnedFold(string Position, SegmentShape Shape, IReadOnlyList<string> Kept)
{
    /// <summary>The stored form: <c>token /api/catalog/products</c>, <c>word /users me search</c>.</summary>
    public string Key => Shape.ToString().ToLowerInvariant() + " " + Position;

    public static bool TryParse(string key, string kept, out LearnedFold fold)
    {
        fold = null!;
        var space = key.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0 || !Enum.TryParse<SegmentShape>(key.AsSpan(0, space), ignoreCase: true, out var shape) || !Enum.IsDefined(shape)
            || key.Length == space + 1 || key[space + 1] != '/')
        {
            return false;
        }

        fold = new LearnedFold(key[(space + 1)..], shape, kept.Split(' ', StringSplitOptions.RemoveEmptyEntries).Take(EndpointLearner.MaxKept).ToList());
        return true;
    }
}

internal static class EndpointLearnerShapes
{
    public static SegmentShape Of(ReadOnlySpan<char> segment)
    {
        if (EndpointTemplate.AnyDigit(segment))
        {
            return SegmentShape.Token;
        }

        foreach (var c in segment)
        {
            if (!char.IsLetter(c))
            {
                return SegmentShape.Slug;
            }
        }

        return SegmentShape.Word;
    }
}
