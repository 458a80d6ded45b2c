using Microsoft.AspNetCore.WebUtilities;

namespace ShadowProxy.Admin;

/// <summary>The admin API's errors, all <c>application/problem+json</c> with a human-readable detail.</summary>
internal static class AdminProblems
{
    public static IResult BadRequest(string detail) => Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid request", detail: detail);

    public static IResult Unauthorized(string detail) => Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized", detail: detail);

    public static IResult Forbidden(string detail) => Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: detail);

    public static IResult NotFound(string detail) => Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: detail);

    public static IResult Conflict(string detail) => Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict", detail: detail);

    public static IResult Unavailable(string detail) => Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Unavailable", detail: detail);

    public static IResult PayloadTooLarge() =>
        Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Payload too large", detail: $"The body is larger than {AdminRequestBody.MaxBytes} bytes.");

    /// <summary>Any status, titled by its reason phrase: for the admin listener's own refusals and the server's.</summary>
    public static IResult Status(int status, string detail) =>
        Results.Problem(statusCode: status, title: ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } phrase ? phrase : "Error", detail: detail);

    public static IResult UnknownMigration(string name) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown migration", detail: $"No migration is named '{name}'.");
}
