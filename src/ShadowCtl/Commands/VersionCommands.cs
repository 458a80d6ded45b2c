using System.CommandLine;
using System.Globalization;
using System.Text;
using ShadowCtl.Api;
using ShadowCtl.Rendering;

namespace ShadowCtl.Commands;

/// <summary><c>versions NAME</c> (candidate versions, docs/comparison.md#candidate-versions) and <c>diffs show NAME ID</c> (one sample side by side).</summary>
internal static class VersionCommands
{
    public static Command Versions(CommandRunner runner)
    {
        var name = CommonSymbols.MigrationName();
        var declare = new Option<string?>("--declare") { Description = "Declare the candidate version now deployed (Operator), for candidates without a version header" };
        var reason = CommonSymbols.Reason();
        var command = new Command("versions", "List the candidate versions seen: comparisons and diff rate each, newest first") { name, declare, reason };
        return runner.Define(command, async (context, parse, cancellationToken) =>
        {
            var target = ApiPaths.Migration(parse.GetRequiredValue(name), "versions");
            if (parse.GetValue(declare) is { Length: > 0 } version)
            {
                // A refusal throws (and exits with the API's message) before the list is read.
                await context.Client.PostAsync(target, new VersionBody(version, parse.GetValue(reason)), cancellationToken).ConfigureAwait(false);
            }

            var response = await context.Client.GetAsync(target, cancellationToken).ConfigureAwait(false);
            return await context.PrintAsync<VersionList>(response, WriteVersions).ConfigureAwait(false);
        });
    }

    public static Command Show(CommandRunner runner)
    {
        var name = CommonSymbols.MigrationName();
        var id = new Argument<long>("ID") { Description = "The sample's id (from the dashboard, or 'diffs' in --json)" };
        var width = new Option<int>("--width", "-w") { Description = "Width of each side in characters", DefaultValueFactory = _ => 60 };
        var command = new Command("show", "Print one stored sample: its differences, then legacy's and the candidate's body side by side") { name, id, width };
        return runner.Define(command, async (context, parse, cancellationToken) =>
        {
            var target = ApiPaths.Migration(parse.GetRequiredValue(name), "diffs/" + parse.GetValue(id).ToString(CultureInfo.InvariantCulture));
            var response = await context.Client.GetAsync(target, cancellationToken).ConfigureAwait(false);
            return await context.PrintAsync<SampleDetail>(response, (output, sample) => SideBySide.Write(output, sample, Math.Clamp(parse.GetValue(width), 20, 200))).ConfigureAwait(false);
        });
    }

    private static void WriteVersions(StringBuilder output, VersionList list)
    {
        if (list.Versions.Count == 0)
        {
            output.Append("No comparison has been tagged with a version yet.\n");
        }
        else
        {
            var table = new Table("VERSION", "COMPARISONS>", "DIFF RATE>", "FIRST SEEN", "LAST SEEN");
            foreach (var version in list.Versions)
            {
                table.Add(version.Version + (version.Version == list.Newest ? " (newest)" : string.Empty), Format.Number(version.Comparisons),
                    Format.Rate(version.DiffRate), Format.Time(version.FirstSeen), Format.Time(version.LastSeen));
            }

            table.WriteTo(output);
        }

        output.Append(CultureInfo.InvariantCulture, $"\nVersion from: {(list.VersionHeader is null ? "no header configured" : "response header " + list.VersionHeader)}; declared: {list.Declared ?? "none"}.\n");
    }
}
