namespace WorkflowTesting;

/// <summary>Files of the repository the tests run from (found by walking up to WorkflowStudio.sln).</summary>
public static class RepositoryFiles
{
    public static string Root { get; } = FindRoot();

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "WorkflowStudio.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("The tests run outside the repository: WorkflowStudio.sln was not found above " + AppContext.BaseDirectory);
    }
}
