using System.Globalization;
using System.Text;
using System.Xml;

namespace ShadowCtl.Replay;

/// <summary>
/// The replay as JUnit XML, which CI systems (GitHub Actions, GitLab, Jenkins, Azure Pipelines) show without plugins:
/// one <c>testsuite</c> per endpoint and one <c>testcase</c> per exchange, so that a failure names the exact request;
/// a differing exchange carries a <c>failure</c> listing its differences, a write not replayed a <c>skipped</c>.
/// Written to a temporary file beside the target and moved over it: a reader never sees half a file.
/// </summary>
internal static class JUnitReport
{
    private static readonly XmlWriterSettings Settings = new() { Indent = true, Encoding = new UTF8Encoding(false), Async = true };

    public static async Task WriteAsync(string path, ReplayResults results, CancellationToken cancellationToken)
    {
        var full = Path.GetFullPath(path);
        var temporary = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
        try
        {
            await using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 4096, useAsync: true))
            {
                await using var xml = XmlWriter.Create(stream, Settings);
                await WriteAsync(xml, results).ConfigureAwait(false);
                await xml.FlushAsync().ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    private static async Task WriteAsync(XmlWriter xml, ReplayResults results)
    {
        await xml.WriteStartDocumentAsync().ConfigureAwait(false);
        await xml.WriteStartElementAsync(null, "testsuites", null).ConfigureAwait(false);
        var name = "shadowctl replay" + (results.Migration is { } m ? " " + m : string.Empty);
        await xml.WriteAttributeStringAsync(null, "name", null, name).ConfigureAwait(false);
        await Counts(xml, results.Exchanges).ConfigureAwait(false);
        await xml.WriteAttributeStringAsync(null, "time", null, Seconds(results.Elapsed.TotalMilliseconds)).ConfigureAwait(false);
        foreach (var endpoint in results.ByEndpoint)
        {
            await xml.WriteStartElementAsync(null, "testsuite", null).ConfigureAwait(false);
            await xml.WriteAttributeStringAsync(null, "name", null, endpoint.Key).ConfigureAwait(false);
            await Counts(xml, [.. endpoint]).ConfigureAwait(false);
            await xml.WriteAttributeStringAsync(null, "time", null, Seconds(endpoint.Sum(e => e.DurationMs))).ConfigureAwait(false);
            foreach (var exchange in endpoint)
            {
                await Case(xml, exchange, results).ConfigureAwait(false);
            }

            await xml.WriteEndElementAsync().ConfigureAwait(false);
        }

        await xml.WriteEndElementAsync().ConfigureAwait(false);
        await xml.WriteEndDocumentAsync().ConfigureAwait(false);
    }

    private static async Task Case(XmlWriter xml, ExchangeResult result, ReplayResults results)
    {
        await xml.WriteStartElementAsync(null, "testcase", null).ConfigureAwait(false);
        await xml.WriteAttributeStringAsync(null, "classname", null, (results.Migration ?? "replay") + "." + result.Exchange.Endpoint).ConfigureAwait(false);
        var id = result.Exchange.Id == 0 ? string.Empty : $" (exchange {result.Exchange.Id.ToString(CultureInfo.InvariantCulture)})";
        await xml.WriteAttributeStringAsync(null, "name", null, result.Request + id).ConfigureAwait(false);
        await xml.WriteAttributeStringAsync(null, "time", null, Seconds(result.DurationMs)).ConfigureAwait(false);
        if (result.Outcome == ExchangeResult.Skipped)
        {
            await xml.WriteStartElementAsync(null, "skipped", null).ConfigureAwait(false);
            await xml.WriteAttributeStringAsync(null, "message", null, result.SkipReason ?? "not replayed").ConfigureAwait(false);
            await xml.WriteEndElementAsync().ConfigureAwait(false);
        }
        else if (result.Failed)
        {
            var real = result.Differences.Where(d => !d.IsNoise).ToList();
            await xml.WriteStartElementAsync(null, "failure", null).ConfigureAwait(false);
            var message = $"{real.Count}{(result.DifferencesTruncated ? "+" : string.Empty)} difference(s) from legacy: {string.Join(", ", real.Take(5).Select(d => d.Path))}";
            await xml.WriteAttributeStringAsync(null, "message", null, message).ConfigureAwait(false);
            await xml.WriteAttributeStringAsync(null, "type", null, real.FirstOrDefault()?.Kind.ToString() ?? "Difference").ConfigureAwait(false);
            var detail = new StringBuilder();
            foreach (var difference in real)
            {
                detail.Append($"{difference.Path} {difference.Kind}: legacy {ReplayOutput.Value(difference.Legacy)}, target {ReplayOutput.Value(difference.Candidate)}\n");
            }

            await xml.WriteStringAsync(detail.ToString()).ConfigureAwait(false);
            await xml.WriteEndElementAsync().ConfigureAwait(false);
        }

        await xml.WriteEndElementAsync().ConfigureAwait(false);
    }

    private static async Task Counts(XmlWriter xml, IReadOnlyCollection<ExchangeResult> exchanges)
    {
        await xml.WriteAttributeStringAsync(null, "tests", null, exchanges.Count.ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
        await xml.WriteAttributeStringAsync(null, "failures", null, exchanges.Count(e => e.Failed).ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
        await xml.WriteAttributeStringAsync(null, "errors", null, "0").ConfigureAwait(false);
        await xml.WriteAttributeStringAsync(null, "skipped", null, exchanges.Count(e => e.Outcome == ExchangeResult.Skipped).ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
    }

    private static string Seconds(double milliseconds) => (milliseconds / 1000).ToString("0.000", CultureInfo.InvariantCulture);
}
