using System.Net;

namespace ShadowCtl.Api;

/// <summary>The admin API answered with an error status; <see cref="Detail"/> is its problem+json detail.</summary>
internal sealed class AdminApiException(HttpStatusCode status, string detail)
    : Exception($"{(int)status}: {detail}")
{
    public HttpStatusCode Status { get; } = status;

    public string Detail { get; } = detail;

    public int ExitCode => (int)Status switch
    {
        401 or 403 => ExitCodes.Unauthorized,
        404 => ExitCodes.NotFound,
        >= 400 and < 500 => ExitCodes.Rejected,
        _ => ExitCodes.ServerError,
    };

    /// <summary>The words before the detail in <c>shadowctl: unauthorized: ...</c>.</summary>
    public string Label => (int)Status switch
    {
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not found",
        400 => "invalid request",
        409 => "conflict",
        >= 400 and < 500 => $"rejected ({(int)Status})",
        _ => $"server error ({(int)Status})",
    };
}

/// <summary>The admin API could not be reached at all.</summary>
internal sealed class ServerUnreachableException(Uri server, string reason, Exception? inner = null)
    : Exception($"cannot reach the admin API at {server}: {reason}", inner)
{
    public Uri Server { get; } = server;
}
