namespace GpuHbm.Benchmarks;

/// <summary>Finds examples/data from the benchmark binary's folder.</summary>
internal static class BenchmarkData
{
    public static string Path(string file)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "GpuHbm.sln"))) dir = dir.Parent;
        if (dir is null) throw new InvalidOperationException("run the benchmarks from inside the GpuHbm repository");
        return System.IO.Path.Combine(dir.FullName, "examples", "data", file);
    }

    /// <summary>The radon model and priors of the reference run (tests/GpuHbm.Tests/fixtures/README.md).</summary>
    public const string RadonFormula = "log_radon ~ 1 + floor + (1 + floor || county)";
    public static readonly string[] RadonPriors =
        ["Intercept ~ normal(0, 10)", "b ~ normal(0, 10)", "sigma ~ normal(0, 1)", "sd ~ normal(0, 1)"];
}
