using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.FileProviders.Physical;

namespace ShadowProxy.Hosting;

/// <summary>
/// A configuration file (<c>--config</c>, appsettings), reloaded when it changes, watched by polling (every 4 s, one stat call)
/// rather than by inotify. A Kubernetes ConfigMap volume updates by swapping the <c>..data</c>
/// symlink of the mounted directory: the file's own name never sees an event, so an inotify watcher
/// misses the update (dotnet/runtime#36091) and live reload silently never happens. Polling compares
/// the last write time of the file the path resolves to, which changes with the swap.
/// </summary>
internal static class WatchedConfigFile
{
    public static IConfigurationBuilder AddWatchedJsonFile(this IConfigurationBuilder builder, string path, bool optional = false)
    {
        var fullPath = Path.GetFullPath(path);
        return builder.AddJsonFile(source =>
        {
            // ExclusionFilters.None: the mounted file may resolve into a hidden "..2024_…" directory.
            source.FileProvider = new PhysicalFileProvider(Path.GetDirectoryName(fullPath)!, ExclusionFilters.None)
            {
                UsePollingFileWatcher = true,
                UseActivePolling = true,
            };
            source.Path = Path.GetFileName(fullPath);
            source.Optional = optional;
            source.ReloadOnChange = true;
        });
    }
}
