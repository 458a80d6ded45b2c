using System.Runtime.CompilerServices;

namespace ShadowProxy.Core.OpenApi;

/// <summary>The bodies of one side of an endpoint (its requests, or its responses of one status). Not thread-safe: its endpoint holds the lock.</summary>
internal sealed class BodySamples(SchemaLimits limits, StrongBox<int> migrationNodes)
{
    private readonly NodeBudget _budget = new(limits, migrationNodes);
    private readonly List<string> _mediaTypes = [];
    private SchemaNode? _schema;
    private byte[]? _example;
    private int _withBody;

    public int Samples { get; private set; }

    public int Nodes => _budget.Taken;

    public void Add(SchemaCollector.ParsedBody body, ReadOnlySpan<byte> bytes)
    {
        Samples++;
        if (body.Length == 0)
        {
            return;
        }

        _withBody++;
        if (body.MediaType is { } mediaType && _mediaTypes.Count < limits.MaxMediaTypes && !_mediaTypes.Contains(mediaType))
        {
            _mediaTypes.Add(mediaType);
        }

        if (body.Json is not { } json)
        {
            return;
        }

        (_schema ??= new SchemaNode()).Observe(json.RootElement, depth: 0, _budget);
        if (_example is null && bytes.Length <= limits.MaxExampleBytes)
        {
            _example = bytes.ToArray();
        }
    }

    public BodyShape Shape()
    {
        // JSON bodies sent without a Content-Type are described as application/json.
        var mediaTypes = _schema is not null && !_mediaTypes.Any(MediaTypes.IsJson) ? [.. _mediaTypes, "application/json"] : _mediaTypes.ToList();
        return new BodyShape(Samples, _withBody, mediaTypes, _schema?.ToSchema(limits), _example);
    }
}
