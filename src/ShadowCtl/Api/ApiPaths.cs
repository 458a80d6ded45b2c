using System.Globalization;
using System.Text;

namespace ShadowCtl.Api;

/// <summary>The admin API's paths (docs/admin-api.md), relative to the server address.</summary>
internal static class ApiPaths
{
    public const string Migrations = "api/v1/migrations";
    public const string RollbackAll = "api/v1/rollback";
    public const string Audit = "api/v1/audit";

    /// <summary><c>api/v1/migrations/{name}[/{action}]</c>, the name escaped: it comes from the command line.</summary>
    public static string Migration(string name, string? action = null) =>
        $"{Migrations}/{Uri.EscapeDataString(name)}" + (action is null ? string.Empty : "/" + action);

    /// <summary>Appends the parameters that have a value as a query string.</summary>
    public static string WithQuery(string path, params (string Name, object? Value)[] parameters)
    {
        var query = new StringBuilder();
        foreach (var (name, value) in parameters)
        {
            if (value is null || (value is string s && s.Length == 0))
            {
                continue;
            }

            query.Append(query.Length == 0 ? '?' : '&')
                .Append(name).Append('=')
                .Append(Uri.EscapeDataString(Convert.ToString(value, CultureInfo.InvariantCulture)!));
        }

        return path + query;
    }
}
