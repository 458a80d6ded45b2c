using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text.Json;
using ShadowProxy.Core.Endpoints;

namespace ShadowProxy.Core.OpenApi;

/// <summary>
/// Infers the JSON Schemas of every endpoint's bodies and parameters from a bounded sample of its exchanges
/// (docs/openapi.md): the first <see cref="SchemaLimits.SamplesPerStatus"/> per endpoint and status, within the caps of
/// <see cref="SchemaLimits"/>, so memory stays flat however long traffic flows. Thread-safe: <see cref="WantsSample"/>
/// reads counters without locking or allocating; <see cref="Add"/> parses outside any lock and merges under its
/// endpoint's lock.
/// </summary>
public sealed class SchemaCollector(SchemaLimits limits) : IEndpointSampleSink
{
    /// <summary>Migrations are configured, hence few; the bound only guards against a caller naming endless ones.</summary>
    public const int MaxMigrations = 256;

    private static readonly JsonDocumentOptions ParseOptions = new() { MaxDepth = 256 };

    private readonly ConcurrentDictionary<string, MigrationSamples> _migrations = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _gate = new();
    private int _migrationCount;

    public SchemaCollector()
        : this(new SchemaLimits())
    {
    }

    public SchemaLimits Limits { get; } = limits;

    public bool WantsSample(string migration, string endpoint, int status) =>
        _migrations.TryGetValue(migration, out var samples) ? samples.Wants(endpoint, status) : Volatile.Read(ref _migrationCount) < MaxMigrations;

    public void Add(string migration, string endpoint, int status, EndpointSample sample)
    {
        ArgumentNullException.ThrowIfNull(migration);
        ArgumentNullException.ThrowIfNull(endpoint);
        if (!WantsSample(migration, endpoint, status) || Migration(migration)?.Endpoint(endpoint) is not { } samples)
        {
            return;
        }

        using var request = Parse(sample.RequestBody, sample.RequestContentType);
        using var response = Parse(sample.ResponseBody, sample.ResponseContentType);
        samples.Add(status, sample, request, response);
    }

    /// <summary>The endpoints of <paramref name="migration"/> sampled so far, as schemas (ordered by template, then method).</summary>
    public IReadOnlyList<EndpointShape> Shapes(string migration) =>
        _migrations.TryGetValue(migration, out var samples) ? samples.Shapes() : [];

    /// <summary>
    /// Drops the endpoints of <paramref name="migration"/> that <paramref name="keep"/> rejects, freeing their room:
    /// names the inventory no longer uses (paths sampled before their template was learned). Returns how many went.
    /// </summary>
    public int Retain(string migration, Func<string, bool> keep)
    {
        ArgumentNullException.ThrowIfNull(keep);
        return _migrations.TryGetValue(migration, out var samples) ? samples.Retain(keep) : 0;
    }

    private MigrationSamples? Migration(string migration)
    {
        if (_migrations.TryGetValue(migration, out var samples))
        {
            return samples;
        }

        lock (_gate)
        {
            if (_migrations.TryGetValue(migration, out samples) || _migrationCount >= MaxMigrations)
            {
                return samples;
            }

            _migrations[migration] = samples = new MigrationSamples(Limits);
            Volatile.Write(ref _migrationCount, _migrationCount + 1);
            return samples;
        }
    }

    private ParsedBody Parse(ReadOnlyMemory<byte> body, string? contentType)
    {
        var mediaType = MediaTypes.Normalize(contentType);
        if (body.IsEmpty || body.Length > Limits.MaxBodyBytes || !MediaTypes.MayBeJson(mediaType, body.Span))
        {
            return new ParsedBody(mediaType, null, body.Length);
        }

        try
        {
            return new ParsedBody(mediaType, JsonDocument.Parse(body, ParseOptions), body.Length);
        }
        catch (JsonException)
        {
            return new ParsedBody(mediaType, null, body.Length);
        }
    }

    internal readonly record struct ParsedBody(string? MediaType, JsonDocument? Json, int Length) : IDisposable
    {
        public void Dispose() => Json?.Dispose();
    }

    private sealed class MigrationSamples(SchemaLimits limits)
    {
        private readonly ConcurrentDictionary<string, EndpointSamples> _endpoints = new(StringComparer.Ordinal);
        private readonly StrongBox<int> _nodes = new();
        private readonly Lock _gate = new();
        private int _count;

        public bool Wants(string endpoint, int status) =>
            _endpoints.TryGetValue(endpoint, out var samples) ? samples.Wants(status) : Volatile.Read(ref _count) < limits.MaxEndpoints;

        public EndpointSamples? Endpoint(string endpoint)
        {
            if (_endpoints.TryGetValue(endpoint, out var samples))
            {
                return samples;
            }

            lock (_gate)
            {
                if (_endpoints.TryGetValue(endpoint, out samples))
                {
                    return samples;
                }

                if (_count >= limits.MaxEndpoints || EndpointSamples.TryCreate(endpoint, limits, _nodes) is not { } created)
                {
                    return null;
                }

                _endpoints[endpoint] = created;
                Volatile.Write(ref _count, _count + 1);
                return created;
            }
        }

        public int Retain(Func<string, bool> keep)
        {
            lock (_gate)
            {
                var removed = 0;
                foreach (var (name, samples) in _endpoints)
                {
                    if (!keep(name) && _endpoints.TryRemove(name, out _))
                    {
                        Interlocked.Add(ref _nodes.Value, -samples.Nodes);
                        removed++;
                    }
                }

                Volatile.Write(ref _count, _count - removed);
                return removed;
            }
        }

        public IReadOnlyList<EndpointShape> Shapes() =>
            [.. _endpoints.Values.Select(e => e.Shape()).OrderBy(s => s.Template, StringComparer.Ordinal).ThenBy(s => s.Method, StringComparer.Ordinal)];
    }
}
