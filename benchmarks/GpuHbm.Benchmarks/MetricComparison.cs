using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using GpuHbm.Sampling.Metrics;

namespace GpuHbm.Benchmarks;

/// <summary>
/// NUTS with each metric adaptation on the peer models, 4 chains × (1000 + 1000) in parallel on the CPU backend:
/// minimum bulk ESS over every reported parameter (b, sd, cor, sigma and every group effect r), per second and per
/// gradient evaluation. ESS per gradient does not depend on the machine's load; ESS per second does (the load average is
/// printed before every fit).
/// <code>dotnet run -c Release --project benchmarks/GpuHbm.Benchmarks -- metrics [--models a,b] [--metrics stan-diag,diag,low-rank] [--seeds 1,2,3] [--output FILE]</code>
/// </summary>
internal static class MetricComparison
{
    public static int Run(string[] args)
    {
        var models = PeerModel.All.Select(m => m.Name).ToArray();
        var metrics = MetricKinds.Names.ToArray();
        ulong[] seeds = [1, 2, 3];
        string? output = null;
        int warmup = 1000, draws = 1000;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--models": models = args[++i].Split(','); break;
                case "--metrics": metrics = args[++i].Split(','); break;
                case "--seeds": seeds = args[++i].Split(',').Select(s => ulong.Parse(s, CultureInfo.InvariantCulture)).ToArray(); break;
                case "--warmup": warmup = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--draws": draws = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--output": output = args[++i]; break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }
        var lines = new List<string>
        {
            $"# NUTS metric adaptations, CPU backend ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC)",
            "",
            $"machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}",
            $"command: `dotnet run -c Release --project benchmarks/GpuHbm.Benchmarks -- metrics {string.Join(' ', args)}`",
            $"run: 4 chains x ({warmup} warm-up + {draws} draws), chains in parallel; ESS = min bulk ESS over all reported parameters (incl. r_*)",
            "",
            "| model | metric | seed | load | wall s | sampler s | min bulk ESS | ESS / s (sampler) | gradients | ESS / 1000 gradients | divergences | max R-hat | rank | step size | accept |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        };
        foreach (var l in lines) Console.WriteLine(l);
        foreach (var name in models)
        {
            var model = PeerModel.Named(name);
            var data = model.Load();
            foreach (var metric in metrics)
            {
                foreach (var seed in seeds)
                {
                    string load = LoadAverage();
                    var sw = Stopwatch.StartNew();
                    var fit = Glmm.Fit(model.Formula, data, new FitOptions
                    {
                        Family = model.Family, Priors = model.Priors, Factors = model.Factors, Seed = seed, Metric = metric,
                        Warmup = warmup, Draws = draws, Backend = "cpu",
                    });
                    sw.Stop();
                    double sampler = fit.ChainTimes.Max(t => (t.Warmup + t.Sampling).TotalSeconds);
                    double minEss = fit.Summary.Rows.Min(r => r.EssBulk);
                    double maxRhat = fit.Summary.Rows.Max(r => r.Rhat);
                    string rank = string.Join("/", fit.Adaptation.Select(a => a.MetricRank));
                    string row = string.Create(CultureInfo.InvariantCulture,
                        $"| {name} | {metric} | {seed} | {load} | {sw.Elapsed.TotalSeconds:F2} | {sampler:F2} | {minEss:F0} | {minEss / sampler:F0} | {fit.GradientEvaluations} | {1000 * minEss / fit.GradientEvaluations:F2} | {fit.Report.Divergences} | {maxRhat:F3} | {rank} | {fit.Adaptation.Average(a => a.StepSize):F3} | {fit.Statistics.Average(st => st.AcceptStat.Average()):F3} |");
                    Console.WriteLine(row);
                    lines.Add(row);
                    if (output is not null) File.WriteAllLines(output, lines);
                }
            }
        }
        return 0;
    }

    /// <summary>The 1-minute load average (Linux), or "?".</summary>
    internal static string LoadAverage()
    {
        try { return File.ReadAllText("/proc/loadavg").Split(' ')[0]; }
        catch (IOException) { return "?"; }
        catch (UnauthorizedAccessException) { return "?"; }
    }
}
