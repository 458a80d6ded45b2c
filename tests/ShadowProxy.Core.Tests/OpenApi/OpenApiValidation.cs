using Microsoft.OpenApi;

namespace ShadowProxy.Core.Tests.OpenApi;

/// <summary>Reads a document with Microsoft.OpenApi's reader and runs its default validation rules: what a consumer of the document would do.</summary>
internal static class OpenApiValidation
{
    /// <summary>The reader's errors and the rule set's, each as text; empty for a valid OpenAPI 3.1 document.</summary>
    public static IReadOnlyList<string> Problems(string json, out OpenApiDocument? document)
    {
        var result = OpenApiDocument.Parse(json, "json");
        document = result.Document;
        var problems = result.Diagnostic?.Errors.Select(e => $"read: {e.Pointer} {e.Message}").ToList() ?? ["read: no diagnostic"];
        if (result.Diagnostic?.SpecificationVersion != OpenApiSpecVersion.OpenApi3_1)
        {
            problems.Add($"version: read as {result.Diagnostic?.SpecificationVersion}");
        }

        if (document is not null)
        {
            problems.AddRange(document.Validate(ValidationRuleSet.GetDefaultRuleSet()).Select(e => $"rule: {e.Pointer} {e.Message}"));
            problems.AddRange(UndeclaredPathParameters(document));
        }

        return problems;
    }

    // The specification requires every template expression of a path to be declared as a required path parameter;
    // the library's default rules check the converse only.
    private static IEnumerable<string> UndeclaredPathParameters(OpenApiDocument document)
    {
        foreach (var (path, item) in document.Paths)
        {
            var names = System.Text.RegularExpressions.Regex.Matches(path, "{([^}]+)}").Select(m => m.Groups[1].Value);
            foreach (var (method, operation) in item.Operations ?? [])
            {
                var declared = (operation.Parameters ?? []).Concat(item.Parameters ?? [])
                    .Where(p => p.In == ParameterLocation.Path && p.Required).Select(p => p.Name).ToHashSet();
                foreach (var name in names.Where(n => !declared.Contains(n)))
                {
                    yield return $"path: {method} {path} does not declare the required path parameter '{name}'";
                }
            }
        }
    }
}
