using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using GpuHbm.Data;

namespace GpuHbm.Benchmarks;

/// <summary>
/// End-to-end radon_mn fit (varying intercept and slope, 919 rows, 85 counties, the reference
/// priors) with 4 chains x (1000 warm-up + 1000 draws): wall time, minimum bulk ESS over all
/// parameters, min bulk ESS per wall second, gradient evaluations per second. Repeated with
/// different seeds; prints a Markdown table row per run.
/// </summary>
internal static class RadonEndToEnd
{
    public static int Run(string[] args)
    {
        int repeats = 3;
        string? outputFile = null;
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--repeats") repeats = int.Parse(args[++i], CultureInfo.InvariantCulture);
            else if (args[i] == "--output") outputFile = args[++i];
        }
        var data = DataTable.ReadCsv(BenchmarkData.Path("radon_mn.csv"));
        var lines = new List<string>
        {
            $"# radon_mn end to end, CPU backend ({DateTime.UtcNow:yyyy-MM-dd})",
            "",
            $"machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.ProcessArchitecture}, {RuntimeInformation.FrameworkDescription}",
            $"model: `{BenchmarkData.RadonFormula}` with {string.Join("; ", BenchmarkData.RadonPriors)}",
            "run: 4 chains x (1000 warm-up + 1000 draws), chains in parallel on all cores",
            "",
            "| seed | wall s | min bulk ESS | min bulk ESS / s | gradients | gradients / s | divergences |",
            "| --- | --- | --- | --- | --- | --- | --- |",
        };
        foreach (var l in lines) Console.WriteLine(l);
        for (int r = 0; r < repeats; r++)
        {
            ulong seed = (ulong)(r + 1);
            var sw = Stopwatch.StartNew();
            var fit = Glmm.Fit(BenchmarkData.RadonFormula, data, new FitOptions { Priors = BenchmarkData.RadonPriors, Seed = seed });
            sw.Stop();
            double minEss = fit.Summary.Rows.Min(x => x.EssBulk);
            double wall = sw.Elapsed.TotalSeconds;
            string row = string.Create(CultureInfo.InvariantCulture,
                $"| {seed} | {wall:F2} | {minEss:F0} | {minEss / wall:F0} | {fit.GradientEvaluations} | {fit.GradientEvaluations / wall:F0} | {fit.Report.Divergences} |");
            Console.WriteLine(row);
            lines.Add(row);
        }
        if (outputFile is not null) File.WriteAllLines(outputFile, lines);
        return 0;
    }
}
