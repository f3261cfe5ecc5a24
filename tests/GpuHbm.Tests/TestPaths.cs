namespace GpuHbm.Tests;

/// <summary>Locates files of the repository from the test binary's folder.</summary>
internal static class TestPaths
{
    private static readonly Lazy<string> Root = new(() =>
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "GpuHbm.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("GpuHbm.sln not found above " + AppContext.BaseDirectory);
    });

    public static string RepoRoot => Root.Value;

    /// <summary>A data set of examples/data/ (copied beside the test binary, so a published bundle has them too).</summary>
    public static string ExampleData(string file)
    {
        string copied = Path.Combine(AppContext.BaseDirectory, "examples", "data", file);
        return File.Exists(copied) ? copied : Path.Combine(RepoRoot, "examples", "data", file);
    }

    /// <summary>A reference file under tests/GpuHbm.Tests/fixtures/ (copied to the output folder).</summary>
    public static string Fixture(string relative) => Path.Combine(AppContext.BaseDirectory, "fixtures", relative);
}
