using System.Security.Cryptography;
using System.Text.Json;
using ShadowProxy.Core.Comparison;
using ShadowProxy.Core.Configuration;
using ShadowProxy.Core.Text;

namespace ShadowProxy.Core.Diff;

/// <summary>
/// Compares a legacy and a candidate response: status, headers, then the body (decoded, then structurally
/// for JSON, by line for text, by SHA-256 otherwise). Built once per migration from its <see cref="DiffOptions"/>;
/// immutable and safe to use from many threads at once. <see cref="Compare"/> never throws for any response
/// content: anything unexpected becomes a <see cref="DifferenceKind.Body"/> difference.
/// </summary>
public sealed class DiffEngine
{
    internal const string StatusPath = "status";
    internal const string BodyPath = "body";
    internal const string HeaderPathPrefix = "header:";

    // Headers that legitimately differ between two correct responses: hop-by-hop, Date, and the framing/encoding
    // headers that change while the decoded body stays the same.
    private static readonly HashSet<string> AlwaysIgnoredHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Transfer-Encoding", "TE", "Trailer", "Upgrade", "Date", "Content-Length", "Content-Encoding",
    };

    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    private const int JsonMaxDepth = 128;

    // Header paths are built on the stack up to this length.
    private const int StackPathLength = 256;

    private readonly HashSet<string> _ignoredHeaders;
    private readonly PathPatternSet _ignoredPaths;
    private readonly PathPatternSet _unorderedArrays;
    private readonly ArrayKeyRules _arrayKeys;
    private readonly double _numericTolerance;
    private readonly long _maxDecodedBytes;
    private readonly int _maxDifferences;

    // The same paths come back pair after pair; bounded, because array indexes make their number open-ended.
    private readonly StringInterner _paths = new(maxCount: 4096, maxLength: 256);

    /// <exception cref="ArgumentException">A path in <paramref name="options"/> is invalid (the message names it).</exception>
    public DiffEngine(DiffOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _ignoredHeaders = new HashSet<string>(AlwaysIgnoredHeaders, StringComparer.OrdinalIgnoreCase);
        _ignoredHeaders.UnionWith(options.IgnoreHeaders);
        _ignoredPaths = CompilePatterns(options.IgnoreJsonPaths, nameof(DiffOptions.IgnoreJsonPaths));
        _unorderedArrays = CompilePatterns(options.UnorderedArrays, nameof(DiffOptions.UnorderedArrays));
        _numericTolerance = Math.Max(0, options.NumericTolerance);
        _maxDecodedBytes = Math.Max(0, options.MaxDecodedBytes);
        _maxDifferences = options.MaxDifferences;
        Severity = SeverityRules.Create(options.Severity);
        _arrayKeys = ArrayKeyRules.Create(options.ArrayKeys);
    }

    /// <summary>How this migration's differences are ranked (docs/comparison.md#severity): built-in rules and <c>Diff:Severity</c>.</summary>
    public SeverityRules Severity { get; }

    /// <param name="extraNoise">Paths marked as noise at run time (through the admin API); they count as noise like ignored paths.</param>
    public ComparisonResult Compare(CapturedResponse legacy, CapturedResponse candidate, PathPatternSet? extraNoise = null)
    {
        ArgumentNullException.ThrowIfNull(legacy);
        ArgumentNullException.ThrowIfNull(candidate);
        using var context = new DiffContext(_maxDifferences, _ignoredPaths, extraNoise, _paths);
        try
        {
            CompareCore(legacy, candidate, context);
        }
#pragma warning disable CA1031 // The comparison runs off the request path; no input may take the pipeline down.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            context.Report(BodyPath, DifferenceKind.Body, "not compared: " + exception.GetType().Name, null);
        }

        return context.ToResult();
    }

    private void CompareCore(CapturedResponse legacy, CapturedResponse candidate, DiffContext context)
    {
        if (legacy.Failure != BackendFailure.None || candidate.Failure != BackendFailure.None)
        {
            // Without two responses there is nothing else to compare.
            context.Report(StatusPath, DifferenceKind.Status, StatusText(legacy), StatusText(candidate));
            return;
        }

        if (legacy.StatusCode != candidate.StatusCode)
        {
            context.Report(StatusPath, DifferenceKind.Status, StatusText(legacy), StatusText(candidate));
        }

        CompareHeaders(legacy, candidate, context);
        CompareBodies(legacy, candidate, context);
    }

    private void CompareHeaders(CapturedResponse legacy, CapturedResponse candidate, DiffContext context)
    {
        foreach (var (name, legacyValue) in legacy.Headers)
        {
            if (IsIgnoredHeader(name))
            {
                continue;
            }

            var candidateValue = candidate.GetHeader(name);
            if (!string.Equals(legacyValue, candidateValue, StringComparison.Ordinal))
            {
                ReportHeader(name, legacyValue, candidateValue, context);
            }
        }

        foreach (var (name, candidateValue) in candidate.Headers)
        {
            if (!IsIgnoredHeader(name) && legacy.GetHeader(name) is null)
            {
                ReportHeader(name, null, candidateValue, context);
            }
        }
    }

    private static void ReportHeader(string name, string? legacyValue, string? candidateValue, DiffContext context)
    {
        var length = HeaderPathPrefix.Length + name.Length;
        Span<char> path = length <= StackPathLength ? stackalloc char[length] : new char[length];
        HeaderPathPrefix.CopyTo(path);
        name.CopyTo(path[HeaderPathPrefix.Length..]);
        if (context.TryAdmit(path, out var isNoise))
        {
            context.Add(path, DifferenceKind.Header, Render(legacyValue), Render(candidateValue), isNoise);
        }

        static string? Render(string? value) => value is null ? null : ValueText.FromText(value);
    }

    /// <summary>True when configuration makes a difference at <paramref name="path"/> noise: an ignored JSON path or header.</summary>
    public bool IsConfiguredNoise(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return path.StartsWith(HeaderPathPrefix, StringComparison.Ordinal)
            ? IsIgnoredHeader(path[HeaderPathPrefix.Length..]) || _ignoredPaths.Matches(path)
            : _ignoredPaths.Matches(path);
    }

    private bool IsIgnoredHeader(string name) =>
        _ignoredHeaders.Contains(name) || name.StartsWith("Proxy-", StringComparison.OrdinalIgnoreCase);

    private void CompareBodies(CapturedResponse legacy, CapturedResponse candidate, DiffContext context)
    {
        var legacyEncoding = legacy.GetHeader("Content-Encoding");
        var candidateEncoding = candidate.GetHeader("Content-Encoding");
        var sameEncoding = string.Equals(legacyEncoding?.Trim(), candidateEncoding?.Trim(), StringComparison.OrdinalIgnoreCase);

        if (legacy.BodyTruncated || candidate.BodyTruncated)
        {
            CompareTruncatedBodies(legacy, candidate, sameEncoding, context);
            return;
        }

        // Identical bytes under the same encoding decode identically: skip decoding (and any bomb) altogether.
        if (sameEncoding && legacy.Body.Span.SequenceEqual(candidate.Body.Span))
        {
            return;
        }

        using var legacyBody = ContentDecoder.Decode(legacy.Body, legacyEncoding, _maxDecodedBytes);
        using var candidateBody = ContentDecoder.Decode(candidate.Body, candidateEncoding, _maxDecodedBytes);
        if (legacyBody.Status is DecodeStatus.TooLarge or DecodeStatus.Corrupt || candidateBody.Status is DecodeStatus.TooLarge or DecodeStatus.Corrupt)
        {
            context.Report(BodyPath, DifferenceKind.Body, Describe(legacyBody, legacy), Describe(candidateBody, candidate));
            return;
        }

        var legacyBytes = legacyBody.Bytes;
        var candidateBytes = candidateBody.Bytes;
        if (legacyBytes.Span.SequenceEqual(candidateBytes.Span))
        {
            return;
        }

        var opaque = legacyBody.Status == DecodeStatus.Unsupported || candidateBody.Status == DecodeStatus.Unsupported;
        var legacyFormat = opaque ? BodyFormat.Binary : BodyFormats.Classify(legacy.GetHeader("Content-Type"), legacyBytes.Span);
        var candidateFormat = opaque ? BodyFormat.Binary : BodyFormats.Classify(candidate.GetHeader("Content-Type"), candidateBytes.Span);

        if (legacyFormat != candidateFormat)
        {
            // A client written for one format cannot read the other, whatever the content says.
            context.Report(BodyPath, DifferenceKind.Body, BodyFormats.FormatText(legacyFormat), BodyFormats.FormatText(candidateFormat));
        }

        if ((legacyFormat == BodyFormat.Json || candidateFormat == BodyFormat.Json) && TryCompareJson(legacyBytes, candidateBytes, context))
        {
            return;
        }

        if (legacyFormat == BodyFormat.Json && candidateFormat == BodyFormat.Json)
        {
            ReportInvalidJson(legacyBytes.Span, candidateBytes.Span, context);
        }

        // Malformed JSON is compared as text, provided both sides read as text at all.
        var asText = legacyFormat is BodyFormat.Text or BodyFormat.Json || candidateFormat is BodyFormat.Text or BodyFormat.Json;
        if (asText && BodyFormats.LooksLikeText(legacyBytes.Span) && BodyFormats.LooksLikeText(candidateBytes.Span))
        {
            TextComparer.Compare(legacyBytes.Span, candidateBytes.Span, context);
            return;
        }

        context.Report(BodyPath, DifferenceKind.Body, HashText(legacyBytes.Span), HashText(candidateBytes.Span));
    }

    /// <summary>
    /// A truncated capture cannot be decoded or parsed reliably. When both captures were cut at the same size,
    /// with the same bytes, nothing different was seen but the rest was not compared: that is reported as a noise
    /// Body difference, so the pair counts as Noise rather than Match or Diff. Any other truncation is a difference.
    /// </summary>
    private static void CompareTruncatedBodies(CapturedResponse legacy, CapturedResponse candidate, bool sameEncoding, DiffContext context)
    {
        var legacyText = TruncationText(legacy);
        var candidateText = TruncationText(candidate);
        if (legacy.BodyTruncated && candidate.BodyTruncated && sameEncoding
            && legacy.BodyBytesSeen == candidate.BodyBytesSeen && legacy.Body.Span.SequenceEqual(candidate.Body.Span))
        {
            context.ReportNoise(BodyPath, DifferenceKind.Body, legacyText, candidateText);
            return;
        }

        context.Report(BodyPath, DifferenceKind.Body, legacyText, candidateText);
    }

    private static string TruncationText(CapturedResponse response) => response.BodyTruncated
        ? $"not compared: truncated, {response.Body.Length} of {response.BodyBytesSeen} bytes captured"
        : $"{response.Body.Length} bytes";

    private bool TryCompareJson(ReadOnlyMemory<byte> legacy, ReadOnlyMemory<byte> candidate, DiffContext context)
    {
        var mark = context.Mark();
        try
        {
            new JsonStreamComparer(context, _numericTolerance, _unorderedArrays, _arrayKeys, JsonMaxDepth).Compare(WithoutBom(legacy), WithoutBom(candidate));
            return true;
        }
        catch (JsonException)
        {
            // Invalid JSON on either side, perhaps found partway: forget what was reported and compare as text.
            context.Rollback(mark);
            return false;
        }
    }

    /// <summary>Both sides say JSON but one does not parse: for its clients the format changed.</summary>
    private static void ReportInvalidJson(ReadOnlySpan<byte> legacy, ReadOnlySpan<byte> candidate, DiffContext context)
    {
        var legacyValid = BodyFormats.IsValidJson(WithoutBom(legacy));
        if (legacyValid != BodyFormats.IsValidJson(WithoutBom(candidate)))
        {
            var json = BodyFormats.FormatText(BodyFormat.Json);
            context.Report(BodyPath, DifferenceKind.Body, legacyValid ? json : BodyFormats.InvalidJsonText, legacyValid ? BodyFormats.InvalidJsonText : json);
        }
    }

    private static ReadOnlySpan<byte> WithoutBom(ReadOnlySpan<byte> body) =>
        body.StartsWith(Utf8Bom) ? body[3..] : body;

    private static ReadOnlyMemory<byte> WithoutBom(ReadOnlyMemory<byte> body) =>
        body.Span.StartsWith(Utf8Bom) ? body[3..] : body;

    private static string? Describe(DecodedBody decoded, CapturedResponse response) =>
        decoded.Detail ?? $"{response.Body.Length} bytes";

    private static string HashText(ReadOnlySpan<byte> body)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(body, hash);
        return $"sha256:{Convert.ToHexStringLower(hash)} ({body.Length} bytes)";
    }

    private static string StatusText(CapturedResponse response) => response.Failure switch
    {
        BackendFailure.None => response.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture),
        BackendFailure.Timeout => "timeout",
        BackendFailure.ConnectionError => "connection-error",
        BackendFailure.ProtocolError => "protocol-error",
        BackendFailure.Canceled => "canceled",
        _ => response.Failure.ToString(),
    };

    private static PathPatternSet CompilePatterns(IReadOnlyList<string> patterns, string key) =>
        PathPatternSet.TryCompile(patterns, out var set, out var error) ? set : throw new ArgumentException(key + error, nameof(patterns));
}
