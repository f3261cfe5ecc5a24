using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using GpuHbm.Data.Simulation;
using GpuHbm.Formulas;
using GpuHbm.Models;

namespace GpuHbm.Benchmarks;

/// <summary>
/// The crossed 75,000-row design (<see cref="CrossedSimulation"/>, like lme4's InstEval) against the memory-bandwidth
/// floor of this machine (issue 12): the bytes of data one log-density-and-gradient pass must read (y, X, one Int32 group
/// index per row and term), over a measured copy bandwidth (bytes read + written per second), give the floor; the
/// gradient passes per second are measured for one chain on one thread, one chain on all cores, and 4 chains per call.
/// Times are the minimum over rounds (the figure least disturbed by other jobs); the load average is printed. Beside the
/// wall-clock time per pass, the process CPU time per pass (minimum over rounds; with one thread it excludes the time
/// other jobs held the core, so it is the figure to read on a loaded machine) and the same configuration with the scalar
/// row loop (<c>Simd = false</c>: one row per lane instead of four).
/// With <c>--fit</c> also the end-to-end NUTS fit, 4 chains × (1000 + 1000).
/// <code>dotnet run -c Release --project benchmarks/GpuHbm.Benchmarks -- crossed [--rows 75000] [--rounds 15] [--fit] [--output FILE]</code>
/// </summary>
internal static class CrossedDensity
{
    public static int Run(string[] args)
    {
        int rows = 75_000, rounds = 15;
        bool fit = false;
        string? output = null;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--rows": rows = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--rounds": rounds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--fit": fit = true; break;
                case "--output": output = args[++i]; break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }
        var sim = new CrossedSimulation(new CrossedSimulationOptions { Rows = rows });
        var model = CompiledModel.Compile(new ModelSpec(FormulaParser.Parse(CrossedSimulation.Formula), Family.Gaussian, []), sim.Data);
        int n = model.ObservationCount;
        long dataBytes = 8L * n * (1 + model.FixedColumnCount) + model.RandomTerms.Sum(t => 4L * n + (t.ZArray.All(v => v == 1) ? 0 : 8L * n * t.K));
        var lines = new List<string>
        {
            $"# Crossed design at memory speed ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC)",
            "",
            $"machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}; load average {MetricComparison.LoadAverage()}",
            $"command: `dotnet run -c Release --project benchmarks/GpuHbm.Benchmarks -- crossed {string.Join(' ', args)}`",
            $"data: {sim.Data.Source}; `{CrossedSimulation.Formula}`, gaussian, default priors; D = {model.Dimension}",
            $"data read per pass: {dataBytes / 1e6:F2} MB (y and X as float64, one Int32 group index per row and term)",
            "",
        };
        double copy1 = CopyBandwidth(1, rounds), copyAll = CopyBandwidth(Environment.ProcessorCount, rounds);
        lines.Add(string.Create(CultureInfo.InvariantCulture,
            $"copy bandwidth (256 MB arrays, bytes read + written per second, best of {rounds}): 1 thread {copy1 / 1e9:F1} GB/s, {Environment.ProcessorCount} threads {copyAll / 1e9:F1} GB/s"));
        lines.Add("");
        lines.Add("| configuration | passes / s (per chain) | µs / pass | CPU µs / pass (all threads) | floor µs / pass (data / copy bandwidth) | x floor (wall) | x floor (CPU, 1 thread) |");
        lines.Add("| --- | --- | --- | --- | --- | --- | --- |");
        bool simd = model.SimdRows;
        foreach (var (label, chains, threads, bandwidth, vector) in new[]
                 {
                     ("1 chain, 1 thread", 1, 1, copy1, simd),
                     ("1 chain, 1 thread, scalar rows", 1, 1, copy1, false),
                     ($"1 chain, {Environment.ProcessorCount} threads", 1, -1, copyAll, simd),
                     ($"4 chains per call, {Environment.ProcessorCount} threads", 4, -1, copyAll, simd),
                 })
        {
            model.MaxDegreeOfParallelism = threads;
            model.ParallelThresholdRows = threads == 1 ? long.MaxValue : 0;
            model.SimdRows = vector;
            var (seconds, cpu) = MinSecondsPerCall(model, chains, rounds);
            double perPass = seconds / chains, cpuPerPass = cpu / chains;
            double floor = dataBytes / bandwidth;
            string cpuRatio = threads == 1 ? (cpuPerPass / floor).ToString("F1", CultureInfo.InvariantCulture) : "";
            lines.Add(string.Create(CultureInfo.InvariantCulture,
                $"| {label} | {1 / perPass:F0} | {perPass * 1e6:F0} | {cpuPerPass * 1e6:F0} | {floor * 1e6:F0} | {perPass / floor:F1} | {cpuRatio} |"));
        }
        model.SimdRows = simd;
        model.MaxDegreeOfParallelism = -1;
        model.ParallelThresholdRows = 50_000;
        foreach (var l in lines) Console.WriteLine(l);
        if (fit)
        {
            string loadBefore = MetricComparison.LoadAverage();
            using var process = Process.GetCurrentProcess();
            var cpu0 = process.TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            var result = Glmm.Fit(CrossedSimulation.Formula, sim.Data, new FitOptions { Seed = 1, Backend = "cpu" });
            clock.Stop();
            process.Refresh();
            double cpuSeconds = (process.TotalProcessorTime - cpu0).TotalSeconds;
            double minEss = result.Summary.Rows.Min(r => r.EssBulk);
            var extra = new List<string>
            {
                "",
                string.Create(CultureInfo.InvariantCulture,
                    $"end to end (Glmm.Fit, 4 chains x (1000 + 1000), metric {result.Settings.Options.Metric}, load average {loadBefore} before, {MetricComparison.LoadAverage()} after): {clock.Elapsed.TotalSeconds:F1} s wall, {cpuSeconds:F1} s CPU (all threads), {result.GradientEvaluations} gradients ({cpuSeconds / result.GradientEvaluations * 1e6:F0} µs CPU each), min bulk ESS {minEss:F0}, {result.Report.Divergences} divergences, max R-hat {result.Summary.Rows.Max(r => r.Rhat):F3}"),
                "",
                "| parameter | true | posterior mean | q5 | q95 |",
                "| --- | --- | --- | --- | --- |",
            };
            foreach (var (name, value) in sim.Truth)
            {
                var r = result.Summary[name];
                extra.Add(string.Create(CultureInfo.InvariantCulture, $"| {name} | {value} | {r.Mean:G4} | {r.Q5:G4} | {r.Q95:G4} |"));
            }
            foreach (var l in extra) Console.WriteLine(l);
            lines.AddRange(extra);
        }
        if (output is not null) File.WriteAllLines(output, lines);
        return 0;
    }

    /// <summary>Best copy rate over rounds of copying a 256 MB array (split over <paramref name="threads"/>), counting bytes read and written.</summary>
    private static double CopyBandwidth(int threads, int rounds)
    {
        const int length = 32 << 20; // 32 Mi doubles = 256 MB
        var source = new double[length];
        var target = new double[length];
        for (int i = 0; i < length; i++) source[i] = i;
        double best = double.MaxValue;
        int chunk = length / threads;
        for (int r = 0; r < rounds; r++)
        {
            var sw = Stopwatch.StartNew();
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads },
                t => source.AsSpan(t * chunk, chunk).CopyTo(target.AsSpan(t * chunk, chunk)));
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }
        return 2.0 * 8 * length / best;
    }

    /// <summary>Wall-clock and process CPU seconds per call, each the minimum over rounds of at least 0.2 s.</summary>
    private static (double Wall, double Cpu) MinSecondsPerCall(CompiledModel model, int chains, int rounds)
    {
        var rng = new Random(1);
        int d = model.Dimension;
        var q = Enumerable.Range(0, chains * d).Select(_ => (rng.NextDouble() - 0.5) * 0.2).ToArray();
        var g = new double[chains * d];
        var lp = new double[chains];
        for (int i = 0; i < 5; i++) model.Evaluate(q, lp, g, chains);
        double best = double.MaxValue, bestCpu = double.MaxValue;
        using var process = Process.GetCurrentProcess();
        for (int r = 0; r < rounds; r++)
        {
            int reps = 0;
            process.Refresh();
            var cpu0 = process.TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            do { model.Evaluate(q, lp, g, chains); reps++; } while (sw.Elapsed.TotalSeconds < 0.2);
            double wall = sw.Elapsed.TotalSeconds;
            process.Refresh();
            best = Math.Min(best, wall / reps);
            bestCpu = Math.Min(bestCpu, (process.TotalProcessorTime - cpu0).TotalSeconds / reps);
        }
        return (best, bestCpu);
    }
}
