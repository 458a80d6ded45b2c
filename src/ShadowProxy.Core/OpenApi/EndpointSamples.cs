using System.Runtime.CompilerServices;
using ShadowProxy.Core.Endpoints;

namespace ShadowProxy.Core.OpenApi;

/// <summary>
/// The samples of one endpoint: per status (at most <see cref="SchemaLimits.MaxStatuses"/>) a response body schema,
/// the request bodies, and the path and query parameters. Status slots are claimed and counted with volatile
/// writes under the lock, so <see cref="Wants"/> reads them without one.
/// </summary>
internal sealed class EndpointSamples
{
    private readonly SchemaLimits _limits;
    private readonly StrongBox<int> _migrationNodes;
    private readonly Lock _gate = new();
    private readonly int[] _statuses;
    private readonly int[] _counts;
    private readonly BodySamples?[] _responses;
    private readonly BodySamples _request;
    private readonly BodySamples _requestOfErrors;
    private readonly string[] _segments;
    private readonly SchemaNode?[] _pathParameters;
    private readonly OrderedDictionary<string, QueryParameter> _query = new(StringComparer.Ordinal);
    private int _targets;

    private EndpointSamples(string method, string template, SchemaLimits limits, StrongBox<int> migrationNodes)
    {
        Method = method;
        Template = template;
        _limits = limits;
        _migrationNodes = migrationNodes;
        _statuses = new int[limits.MaxStatuses];
        _counts = new int[limits.MaxStatuses];
        _responses = new BodySamples?[limits.MaxStatuses];
        _request = new BodySamples(limits, migrationNodes);
        _requestOfErrors = new BodySamples(limits, migrationNodes);
        _segments = template.Split('/', StringSplitOptions.RemoveEmptyEntries);
        _pathParameters = new SchemaNode?[_segments.Length];
    }

    public string Method { get; }

    public string Template { get; }

    /// <summary>Schema nodes held, counted against the migration's budget.</summary>
    public int Nodes
    {
        get
        {
            lock (_gate)
            {
                return _request.Nodes + _requestOfErrors.Nodes + _responses.Sum(r => r?.Nodes ?? 0);
            }
        }
    }

    /// <summary>An endpoint named as the inventory names it: <c>GET /api/orders/{id}</c>; null when the name is not of that form.</summary>
    public static EndpointSamples? TryCreate(string endpoint, SchemaLimits limits, StrongBox<int> migrationNodes)
    {
        var space = endpoint.IndexOf(' ', StringComparison.Ordinal);
        return space > 0 && space < endpoint.Length - 1 && endpoint[space + 1] == '/'
            ? new EndpointSamples(endpoint[..space], endpoint[(space + 1)..], limits, migrationNodes)
            : null;
    }

    public bool Wants(int status)
    {
        for (var i = 0; i < _statuses.Length; i++)
        {
            var seen = Volatile.Read(ref _statuses[i]);
            if (seen == status)
            {
                return Volatile.Read(ref _counts[i]) < _limits.SamplesPerStatus;
            }

            if (seen == 0)
            {
                return true;
            }
        }

        return false;
    }

    public void Add(int status, EndpointSample sample, SchemaCollector.ParsedBody request, SchemaCollector.ParsedBody response)
    {
        lock (_gate)
        {
            var slot = Slot(status);
            if (slot < 0 || _counts[slot] >= _limits.SamplesPerStatus)
            {
                return;
            }

            Volatile.Write(ref _counts[slot], _counts[slot] + 1);
            (_responses[slot] ??= new BodySamples(_limits, _migrationNodes)).Add(response, sample.ResponseBody.Span);
            (status < 400 ? _request : _requestOfErrors).Add(request, sample.RequestBody.Span);
            if (sample.Target is { } target)
            {
                ObserveTarget(target);
            }
        }
    }

    public EndpointShape Shape()
    {
        lock (_gate)
        {
            var responses = new List<ResponseShape>();
            for (var i = 0; i < _statuses.Length && _statuses[i] != 0; i++)
            {
                responses.Add(new ResponseShape(_statuses[i], _responses[i]!.Shape()));
            }

            var request = _request.Samples > 0 ? _request : _requestOfErrors;
            return new EndpointShape(Method, Template, _counts.Sum())
            {
                PathParameters = PathParameterShapes(),
                QueryParameters = [.. _query.Select(q => new ParameterShape(q.Key, q.Value.Node.Count == _targets, q.Value.Node.ToSchema(_limits), q.Value.Repeated))],
                Request = request.Samples > 0 ? request.Shape() : null,
                Responses = [.. responses.OrderBy(r => r.Status)],
            };
        }
    }

    private int Slot(int status)
    {
        for (var i = 0; i < _statuses.Length; i++)
        {
            if (_statuses[i] == status)
            {
                return i;
            }

            if (_statuses[i] == 0)
            {
                Volatile.Write(ref _statuses[i], status);
                return i;
            }
        }

        return -1;
    }

    private List<ParameterShape> PathParameterShapes()
    {
        var parameters = new List<ParameterShape>();
        for (var i = 0; i < _segments.Length; i++)
        {
            if (ParameterName(_segments[i]) is { } name)
            {
                var schema = _pathParameters[i]?.ToSchema(_limits) ?? new System.Text.Json.Nodes.JsonObject { ["type"] = "string" };
                parameters.Add(new ParameterShape(name, Required: true, schema));
            }
        }

        return parameters;
    }

    /// <summary>The name of a segment that is one whole parameter (<c>{id}</c>); null for literals and mixed segments.</summary>
    internal static string? ParameterName(string segment) =>
        segment.Length > 2 && segment[0] == '{' && segment[^1] == '}' && segment.IndexOf('{', 1) < 0 ? segment[1..^1] : null;

    private void ObserveTarget(string target)
    {
        _targets++;
        var question = target.IndexOf('?', StringComparison.Ordinal);
        var path = question >= 0 ? target[..question] : target;
        var values = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (values.Length == _segments.Length)
        {
            for (var i = 0; i < _segments.Length; i++)
            {
                if (ParameterName(_segments[i]) is not null)
                {
                    (_pathParameters[i] ??= new SchemaNode()).ObserveText(Unescape(values[i], form: false), _limits);
                }
            }
        }

        if (question >= 0)
        {
            ObserveQuery(target.AsSpan(question + 1));
        }
    }

    private void ObserveQuery(ReadOnlySpan<char> query)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var range in query.Split('&'))
        {
            var pair = query[range];
            var equals = pair.IndexOf('=');
            var name = Unescape((equals >= 0 ? pair[..equals] : pair).ToString(), form: true);
            if (name.Length == 0 || name.Length > 100)
            {
                continue;
            }

            if (!_query.TryGetValue(name, out var parameter))
            {
                if (_query.Count >= _limits.MaxQueryParameters)
                {
                    continue;
                }

                _query[name] = parameter = new QueryParameter();
            }

            if (!seen.Add(name))
            {
                parameter.Repeated = true;
                continue;
            }

            parameter.Node.ObserveText(equals >= 0 ? Unescape(pair[(equals + 1)..].ToString(), form: true) : string.Empty, _limits);
        }
    }

    // A query string (form: true) writes spaces as '+'; a path does not.
    private static string Unescape(string value, bool form)
    {
        try
        {
            return Uri.UnescapeDataString(form ? value.Replace('+', ' ') : value);
        }
        catch (UriFormatException)
        {
            return value;
        }
    }

    private sealed class QueryParameter
    {
        public SchemaNode Node { get; } = new();

        public bool Repeated { get; set; }
    }
}
