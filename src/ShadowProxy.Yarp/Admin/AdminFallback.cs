using System.Collections.Concurrent;
using Microsoft.AspNetCore.Routing.Template;

namespace ShadowProxy.Admin;

/// <summary>
/// The admin surface owns every path below its prefix: a path no admin endpoint has is 404 and a known path asked with
/// another method is 405 (with <c>Allow</c>), both problem+json, instead of falling through to the host's other routes
/// (a YARP catch-all would send them upstream). It learns the admin endpoints' routes and methods as they are built.
/// </summary>
internal sealed class AdminFallback
{
    private readonly ConcurrentDictionary<string, (TemplateMatcher Matcher, IReadOnlyList<string> Methods)> _routes = new(StringComparer.Ordinal);

    /// <summary>Records an endpoint's route and methods (a convention, run once per endpoint when it is built).</summary>
    public void Learn(EndpointBuilder endpoint)
    {
        if (endpoint is RouteEndpointBuilder { RoutePattern: { RawText: { } text } pattern }
            && endpoint.Metadata.OfType<HttpMethodMetadata>().LastOrDefault() is { HttpMethods.Count: > 0 } methods)
        {
            _routes.TryAdd(text + " " + string.Join(',', methods.HttpMethods), (new TemplateMatcher(new RouteTemplate(pattern), []), methods.HttpMethods));
        }
    }

    public IResult Answer(HttpContext context)
    {
        var path = context.Request.Path;
        var allowed = _routes.Values.Where(r => r.Matcher.TryMatch(path, [])).SelectMany(r => r.Methods).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (allowed.Count == 0)
        {
            return AdminProblems.NotFound("No such admin endpoint; docs/admin-api.md lists them.");
        }

        context.Response.Headers.Allow = string.Join(", ", allowed);
        return AdminProblems.Status(StatusCodes.Status405MethodNotAllowed, $"This admin endpoint does not take {context.Request.Method}; it takes {string.Join(", ", allowed)}.");
    }

    /// <summary>The 404/405 endpoint below the prefix: beside a host's routes (a YARP catch-all included) it wins by its literal prefix; with no prefix it is the last resort.</summary>
    public void Map(IEndpointRouteBuilder admin, bool hasPrefix)
    {
        const string Everything = "{**path}";
        var endpoint = hasPrefix ? admin.Map(Everything, Answer) : admin.MapFallback(Everything, Answer);
        endpoint.ExcludeFromDescription();
    }
}
