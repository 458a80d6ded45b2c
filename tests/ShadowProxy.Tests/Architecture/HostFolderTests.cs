using System.Text.RegularExpressions;
using ShadowProxy.Tests.Infrastructure;

namespace ShadowProxy.Tests.Architecture;

/// <summary>
/// docs/architecture.md#the-folders: the folders of the library (src/ShadowProxy.Yarp) and of the executable
/// (src/ShadowProxy), one namespace each, use each other one way. A folder uses another when one of its
/// files names it (<c>using ShadowProxy.X</c>, <c>ShadowProxy.X.Type</c>, or <c>X.Type</c> for a type declared
/// in <c>X</c>), comments included. No library folder uses a folder of the executable.
/// </summary>
public sealed partial class HostFolderTests
{
    private static readonly string Library = Path.Combine(RepositoryFiles.Root(), "src", "ShadowProxy.Yarp");

    private static readonly string Executable = Path.Combine(RepositoryFiles.Root(), "src", "ShadowProxy");

    [Fact]
    public void No_host_folder_uses_itself_through_the_folders_it_uses()
    {
        var uses = FolderUses();
        var cycles = new List<string>();
        foreach (var (folder, used) in uses)
        {
            foreach (var (other, files) in used)
            {
                if (PathBetween(uses, other, folder) is { } back)
                {
                    cycles.Add($"{folder} → {string.Join(" → ", back)} (from {string.Join(", ", files)})");
                }
            }
        }

        Assert.True(uses.Count > 10, "the folders were not found under " + Library);
        Assert.True(cycles.Count == 0, "folders that use themselves:\n" + string.Join("\n", cycles));
    }

    [Fact]
    public void No_library_folder_uses_a_folder_of_the_executable()
    {
        var uses = FolderUses();
        var executable = Folders(Executable).ToHashSet(StringComparer.Ordinal);
        var wrong = uses.Where(u => !executable.Contains(u.Key))
            .SelectMany(u => u.Value.Where(used => executable.Contains(used.Key)).Select(used => $"{u.Key} → {used.Key} (from {string.Join(", ", used.Value)})"))
            .ToList();

        Assert.NotEmpty(executable);
        Assert.True(wrong.Count == 0, "library folders that use the executable's:\n" + string.Join("\n", wrong));
    }

    /// <summary>The folders of one project that hold C# files.</summary>
    private static IEnumerable<string> Folders(string project) => Directory.GetDirectories(project)
        .Select(Path.GetFileName)
        .OfType<string>()
        .Where(name => name is not ("bin" or "obj") && Directory.EnumerateFiles(Path.Combine(project, name), "*.cs", SearchOption.AllDirectories).Any());

    /// <summary>Each folder with the folders it uses, and the files that name each.</summary>
    private static Dictionary<string, Dictionary<string, SortedSet<string>>> FolderUses()
    {
        var roots = Folders(Library).Select(f => (Folder: f, Root: Library)).Concat(Folders(Executable).Select(f => (Folder: f, Root: Executable))).ToList();
        var folders = roots.Select(r => r.Folder).ToList();
        var sources = roots.ToDictionary(r => r.Folder, r => Directory.EnumerateFiles(Path.Combine(r.Root, r.Folder), "*.cs", SearchOption.AllDirectories)
            .Select(path => (Path: Path.GetRelativePath(r.Root, path), Text: File.ReadAllText(path)))
            .ToList());
        var types = folders.ToDictionary(f => f, f => sources[f].SelectMany(s => TypeDeclaration().Matches(s.Text).Select(m => m.Groups[1].Value)).ToHashSet(StringComparer.Ordinal));

        var uses = folders.ToDictionary(f => f, _ => new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal));
        foreach (var folder in folders)
        {
            foreach (var other in folders.Where(o => o != folder))
            {
                var named = new Regex($@"\bShadowProxy\.{other}\b|(?<![\w.]){other}\.([A-Z]\w*)");
                foreach (var (path, text) in sources[folder])
                {
                    if (named.Matches(text).Any(m => !m.Groups[1].Success || types[other].Contains(m.Groups[1].Value)))
                    {
                        (uses[folder].TryGetValue(other, out var files) ? files : uses[folder][other] = new SortedSet<string>(StringComparer.Ordinal)).Add(path);
                    }
                }
            }
        }

        return uses;
    }

    /// <summary>The folders from <paramref name="from"/> to <paramref name="to"/> along what each uses, or null.</summary>
    private static List<string>? PathBetween(Dictionary<string, Dictionary<string, SortedSet<string>>> uses, string from, string to)
    {
        var previous = new Dictionary<string, string?> { [from] = null };
        var queue = new Queue<string>([from]);
        while (queue.TryDequeue(out var folder))
        {
            if (folder == to)
            {
                var path = new List<string>();
                for (string? at = to; at is not null; at = previous[at])
                {
                    path.Insert(0, at);
                }

                return path;
            }

            foreach (var next in uses[folder].Keys.Where(next => !previous.ContainsKey(next)))
            {
                previous[next] = folder;
                queue.Enqueue(next);
            }
        }

        return null;
    }

    [GeneratedRegex(@"\b(?:class|record|struct|interface|enum)\s+(\w+)")]
    private static partial Regex TypeDeclaration();
}
