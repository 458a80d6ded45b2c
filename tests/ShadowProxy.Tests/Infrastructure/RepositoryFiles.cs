namespace ShadowProxy.Tests.Infrastructure;

/// <summary>Files of the repository the tests run from (found by walking up to <c>ShadowProxy.sln</c>).</summary>
internal static class RepositoryFiles
{
    public static string Root()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ShadowProxy.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("ShadowProxy.sln not found above " + AppContext.BaseDirectory);
    }
}
