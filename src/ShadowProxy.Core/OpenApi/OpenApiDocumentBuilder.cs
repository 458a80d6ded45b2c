using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ShadowProxy.Core.Redaction;

namespace ShadowProxy.Core.OpenApi;

/// <summary>
/// Writes an OpenAPI 3.1 document of a legacy backend as observed (docs/openapi.md): one path per endpoint template
/// with its path parameters, each method's query parameters, request body and responses per status, with the
/// schemas <see cref="SchemaCollector"/> inferred and examples redacted by the migration's rules.
/// </summary>
public static class OpenApiDocumentBuilder
{
    public const string Version = "3.1.0";

    /// <summary>The HTTP methods an OpenAPI 3.1 path item has fields for, in the order they are written.</summary>
    private static readonly string[] Methods = ["GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"];

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <param name="shapes">The collector's schemas of the migration's endpoints.</param>
    /// <param name="inventory">
    /// The endpoints the inventory lists, or null to describe the sampled ones only. When given, it decides which
    /// endpoints are described (a sampled name it no longer lists, such as a path sampled before its template was
    /// learned, is left out) and adds the query parameters and statuses seen beyond the samples.
    /// </param>
    public static JsonObject Build(string migration, IReadOnlyList<EndpointShape> shapes, IReadOnlyList<ObservedEndpoint>? inventory, Redactor redactor)
    {
        ArgumentNullException.ThrowIfNull(migration);
        ArgumentNullException.ThrowIfNull(shapes);
        ArgumentNullException.ThrowIfNull(redactor);
        var byName = shapes.ToDictionary(s => Key(s.Method, s.Template), StringComparer.Ordinal);
        var endpoints = inventory is null
            ? [.. shapes.Select(s => (s.Method, s.Template, Observed: (ObservedEndpoint?)null))]
            : inventory.Select(e => (e.Method, e.Template, Observed: (ObservedEndpoint?)e)).ToList();

        var paths = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
        var canonical = new Dictionary<string, string>(StringComparer.Ordinal);
        var operationIds = new HashSet<string>(StringComparer.Ordinal);
        var described = 0;
        var sampled = 0;
        foreach (var (method, template, observed) in endpoints.OrderBy(e => e.Template, StringComparer.Ordinal))
        {
            var upper = method.ToUpperInvariant();
            if (!Methods.Contains(upper) || !IsPathTemplate(template))
            {
                continue;
            }

            // Paths that differ only in their parameters' names are one path to OpenAPI: the first spelling names them.
            var names = PathTemplate.ParameterNames(template);
            var path = canonical.TryGetValue(PathTemplate.Skeleton(template), out var first) ? first : canonical[PathTemplate.Skeleton(template)] = PathTemplate.Unique(template);
            var item = paths.TryGetValue(path, out var existing) ? existing : paths[path] = [];
            var operationKey = upper.ToLowerInvariant();
            if (item.ContainsKey(operationKey))
            {
                continue;
            }

            var shape = byName.GetValueOrDefault(Key(upper, template));
            item[operationKey] = Operation(upper, path, names, shape, observed, redactor, operationIds);
            described++;
            sampled += shape?.Samples ?? 0;
        }

        var pathsObject = new JsonObject();
        foreach (var (path, item) in paths)
        {
            pathsObject[path] = Ordered(item);
        }

        return new JsonObject
        {
            ["openapi"] = Version,
            ["info"] = new JsonObject
            {
                ["title"] = $"{migration} (legacy backend, as observed)",
                ["version"] = "observed",
                ["description"] = string.Create(CultureInfo.InvariantCulture,
                    $"Inferred by ShadowProxy from the traffic of migration '{migration}': {described} operations, schemas from {sampled} sampled exchanges, examples redacted. How inference decides: docs/openapi.md."),
            },
            ["paths"] = pathsObject,
        };
    }

    /// <summary>The document as indented JSON text.</summary>
    public static string ToJson(JsonObject document)
    {
        ArgumentNullException.ThrowIfNull(document);
        return document.ToJsonString(Indented);
    }

    private static string Key(string method, string template) => method.ToUpperInvariant() + " " + template;

    private static bool IsPathTemplate(string template) =>
        template.StartsWith('/') && !template.Contains('…', StringComparison.Ordinal) && !template.Contains('?', StringComparison.Ordinal)
        && !template.Contains('#', StringComparison.Ordinal) && PathTemplate.IsBalanced(template);

    private static JsonObject Operation(string method, string path, List<string> ownNames, EndpointShape? shape, ObservedEndpoint? observed,
        Redactor redactor, HashSet<string> operationIds)
    {
        var operation = new JsonObject { ["operationId"] = OperationId(method, path, operationIds) };
        var parameters = new JsonArray();
        var pathNames = PathTemplate.ParameterNames(path);
        var sampled = shape?.PathParameters ?? [];
        for (var i = 0; i < pathNames.Count; i++)
        {
            // By position when the sampled parameters line up with the template's (learned templates name each one {id}).
            var own = i < ownNames.Count ? ownNames[i] : pathNames[i];
            var parameter = sampled.Count == pathNames.Count ? sampled[i] : sampled.FirstOrDefault(p => p.Name == own);
            var schema = parameter?.Schema.DeepClone() ?? new JsonObject { ["type"] = "string" };
            parameters.Add(new JsonObject { ["name"] = pathNames[i], ["in"] = "path", ["required"] = true, ["schema"] = schema });
        }

        // The inventory counted every request: it knows better than the sample whether a parameter is always there.
        var always = observed?.QueryParameters.ToDictionary(q => q.Name, q => q.Always, StringComparer.Ordinal);
        var query = new HashSet<string>(StringComparer.Ordinal);
        foreach (var parameter in shape?.QueryParameters ?? [])
        {
            query.Add(parameter.Name);
            var schema = parameter.Repeated ? new JsonObject { ["type"] = "array", ["items"] = parameter.Schema.DeepClone() } : parameter.Schema.DeepClone();
            var required = always is null ? parameter.Required : always.GetValueOrDefault(parameter.Name);
            parameters.Add(new JsonObject { ["name"] = parameter.Name, ["in"] = "query", ["required"] = required, ["schema"] = schema });
        }

        foreach (var parameter in observed?.QueryParameters ?? [])
        {
            if (query.Add(parameter.Name))
            {
                parameters.Add(new JsonObject { ["name"] = parameter.Name, ["in"] = "query", ["required"] = parameter.Always, ["schema"] = new JsonObject { ["type"] = "string" } });
            }
        }

        if (parameters.Count > 0)
        {
            operation["parameters"] = parameters;
        }

        if (shape?.Request is { WithBody: > 0 } request)
        {
            operation["requestBody"] = new JsonObject { ["required"] = request.WithBody == request.Samples, ["content"] = Content(request, redactor) };
        }

        operation["responses"] = Responses(shape, observed, redactor);
        return operation;
    }

    private static JsonObject Responses(EndpointShape? shape, ObservedEndpoint? observed, Redactor redactor)
    {
        var byStatus = new SortedDictionary<int, JsonObject>();
        foreach (var response in shape?.Responses ?? [])
        {
            if (response.Status is >= 100 and <= 599)
            {
                var entry = new JsonObject { ["description"] = Description(response.Status) };
                if (response.Body.WithBody > 0)
                {
                    entry["content"] = Content(response.Body, redactor);
                }

                byStatus[response.Status] = entry;
            }
        }

        foreach (var status in observed?.Statuses ?? [])
        {
            if (status is >= 100 and <= 599 && !byStatus.ContainsKey(status))
            {
                byStatus[status] = new JsonObject { ["description"] = Description(status) };
            }
        }

        var responses = new JsonObject();
        foreach (var (status, entry) in byStatus)
        {
            responses[status.ToString(CultureInfo.InvariantCulture)] = entry;
        }

        // OpenAPI wants at least one response: an operation known from the inventory alone has its answers unseen.
        if (responses.Count == 0)
        {
            responses["default"] = new JsonObject { ["description"] = "No response observed" };
        }

        return responses;
    }

    private static JsonObject Content(BodyShape body, Redactor redactor)
    {
        var content = new JsonObject();
        foreach (var mediaType in body.MediaTypes)
        {
            var entry = new JsonObject();
            if (MediaTypes.IsJson(mediaType) && body.Schema is not null)
            {
                entry["schema"] = body.Schema.DeepClone();
                if (Example(body.Example, redactor) is { } example)
                {
                    entry["example"] = example;
                }
            }
            else if (MediaTypes.IsText(mediaType))
            {
                entry["schema"] = new JsonObject { ["type"] = "string" };
            }

            content[mediaType] = entry;
        }

        if (content.Count == 0)
        {
            content["application/octet-stream"] = new JsonObject();
        }

        return content;
    }

    private static JsonNode? Example(byte[]? body, Redactor redactor)
    {
        if (body is null)
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(redactor.RedactJsonBody(body));
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The reason phrase of a status (<c>Not Found</c>), or <c>Status 499</c> for one without a name.</summary>
    internal static string Description(int status)
    {
        var name = Enum.GetName((HttpStatusCode)status);
        if (name is null)
        {
            return string.Create(CultureInfo.InvariantCulture, $"Status {status}");
        }

        var text = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (i > 0 && char.IsUpper(name[i]) && char.IsLower(name[i - 1]))
            {
                text.Append(' ');
            }

            text.Append(name[i]);
        }

        return text.ToString();
    }

    /// <summary><c>GET /api/users/{id}</c> → <c>getApiUsersById</c>, made unique with a number.</summary>
    private static string OperationId(string method, string path, HashSet<string> taken)
    {
        var id = new StringBuilder(method.ToLowerInvariant());
        foreach (var segment in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var isParameter = segment.StartsWith('{');
            if (isParameter)
            {
                id.Append("By");
            }

            var upperNext = true;
            foreach (var c in segment)
            {
                if (!char.IsAsciiLetterOrDigit(c))
                {
                    upperNext = true;
                    continue;
                }

                id.Append(upperNext ? char.ToUpperInvariant(c) : c);
                upperNext = false;
            }
        }

        var candidate = id.ToString();
        for (var n = 2; !taken.Add(candidate); n++)
        {
            candidate = string.Create(CultureInfo.InvariantCulture, $"{id}{n}");
        }

        return candidate;
    }

    private static JsonObject Ordered(JsonObject item)
    {
        var ordered = new JsonObject();
        foreach (var method in Methods)
        {
            var key = method.ToLowerInvariant();
            if (item.Remove(key, out var operation))
            {
                ordered[key] = operation;
            }
        }

        return ordered;
    }
}
