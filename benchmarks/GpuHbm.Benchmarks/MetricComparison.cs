using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using GpuHbm.Sampling.Metrics;

namespace GpuHbm.Benchmarks;

/// <summary>
/// NUTS with each metric adaptation on the peer models, 4 chains × (1000 + 1000) in parallel on the CPU backend:
/// minimum bulk ESS over every reported parameter (b, sd, cor, sigma and every group effect r), per second and per
/// gradient evaluation. ESS per gradient does not depend on the machine's load; ESS per second does (the load average is
/// printed before every fit). ESS per second divides by the wall seconds of the whole <c>Glmm.Fit</c> call (all 4 chains,
/// as rstan_compare.R divides by the wall seconds of <c>sampling()</c>); the longest chain's own time is printed beside it
/// and is about half the wall when 4 chains take turns on 2 cores, so it must not be compared with Stan's wall.
/// A metric written METRIC:centred runs with automatic centring (<c>AutomaticCentring = true</c>, the library's default);
/// without the suffix every group-level effect is non-centred (<c>--centring none</c>, as Stan's and brms's models).
/// With <c>--rstan FILE</c> (the table of benchmarks/peers/rstan_compare.R from the same run) it appends the medians
/// over seeds side by side with Stan's and the ratios.
/// <code>dotnet run -c Release --project benchmarks/GpuHbm.Benchmarks -- metrics [--models a,b] [--metrics stan-diag,diag,low-rank] [--seeds 1,2,3] [--hospitals-data CSV] [--rstan FILE] [--output FILE]</code>
/// </summary>
internal static class MetricComparison
{
    public static int Run(string[] args)
    {
        var models = PeerModel.All.Select(m => m.Name).ToArray();
        var metrics = MetricKinds.Names.ToArray();
        ulong[] seeds = [1, 2, 3];
        string? output = null, hospitals = null, rstan = null;
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
                case "--hospitals-data": hospitals = args[++i]; break;
                case "--rstan": rstan = args[++i]; break;
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
            "| model | metric | seed | load | wall s | longest chain s | min bulk ESS | ESS / s (wall) | gradients | ESS / 1000 gradients | divergences | max R-hat | rank | step size | accept | centred effects |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        };
        foreach (var l in lines) Console.WriteLine(l);
        var results = new List<(string Model, string Metric, double EssPerSecond, double EssPerGradient)>();
        foreach (var name in models)
        {
            var model = PeerModel.Named(name);
            var data = model.Load(hospitals);
            foreach (var metric in metrics)
            {
                foreach (var seed in seeds)
                {
                    string load = LoadAverage();
                    var sw = Stopwatch.StartNew();
                    var fit = Glmm.Fit(model.Formula, data, new FitOptions
                    {
                        Family = model.Family, Priors = model.Priors, Factors = model.Factors, Seed = seed, Metric = metric.Split(':')[0],
                        AutomaticCentring = metric.EndsWith(":centred", StringComparison.Ordinal),
                        Warmup = warmup, Draws = draws, Backend = "cpu",
                    });
                    sw.Stop();
                    double sampler = fit.ChainTimes.Max(t => (t.Warmup + t.Sampling).TotalSeconds);
                    double minEss = fit.Summary.Rows.Min(r => r.EssBulk);
                    double maxRhat = fit.Summary.Rows.Max(r => r.Rhat);
                    string rank = string.Join("/", fit.Adaptation.Select(a => a.MetricRank));
                    string row = string.Create(CultureInfo.InvariantCulture,
                        $"| {name} | {metric} | {seed} | {load} | {sw.Elapsed.TotalSeconds:F2} | {sampler:F2} | {minEss:F0} | {minEss / sw.Elapsed.TotalSeconds:F0} | {fit.GradientEvaluations} | {1000 * minEss / fit.GradientEvaluations:F2} | {fit.Report.Divergences} | {maxRhat:F3} | {rank} | {fit.Adaptation.Average(a => a.StepSize):F3} | {fit.Statistics.Average(st => st.AcceptStat.Average()):F3} | {string.Join("/", fit.Adaptation.Select(a => a.CentredEffects))} |");
                    Console.WriteLine(row);
                    lines.Add(row);
                    results.Add((name, metric, minEss / sw.Elapsed.TotalSeconds, 1000 * minEss / fit.GradientEvaluations));
                    if (output is not null) File.WriteAllLines(output, lines);
                }
            }
        }
        if (rstan is not null)
        {
            var summary = CompareWithStan(results, File.ReadAllLines(rstan), metrics);
            foreach (var l in summary) Console.WriteLine(l);
            lines.AddRange(summary);
            if (output is not null) File.WriteAllLines(output, lines);
        }
        return 0;
    }

    /// <summary>
    /// Medians over seeds of ESS/s and ESS per 1000 gradients for Stan (rows "| model | seed | load | wall | ESS | ESS/s |
    /// gradients | ESS/1000 gradients | …" of rstan_compare.R) and each metric, with each metric's ratio to Stan.
    /// </summary>
    internal static List<string> CompareWithStan(List<(string Model, string Metric, double EssPerSecond, double EssPerGradient)> results,
        string[] rstanLines, string[] metrics)
    {
        var stan = rstanLines.Where(l => l.StartsWith("| ", StringComparison.Ordinal) && !l.StartsWith("| model", StringComparison.Ordinal) && !l.StartsWith("| ---", StringComparison.Ordinal))
            .Select(l => l.Split('|', StringSplitOptions.TrimEntries))
            // ESS / wall seconds from the unrounded columns (rstan_compare.R prints ESS/s rounded to an integer: 3 for 3.33).
            .Select(c => (Model: c[1], EssPerSecond: double.Parse(c[5], CultureInfo.InvariantCulture) / double.Parse(c[4], CultureInfo.InvariantCulture),
                EssPerGradient: double.Parse(c[8], CultureInfo.InvariantCulture)))
            .ToList();
        var header = "| model | Stan ESS/s | Stan ESS/1000 grad | " + string.Join(" | ", metrics.Select(m => $"{m} ESS/s (x Stan) | {m} ESS/1000 grad (x Stan)")) + " |";
        var lines = new List<string>
        {
            "",
            "Medians over seeds; \"x Stan\" is the ratio to rstan's median in the same run.",
            "",
            header,
            "| " + string.Join(" | ", Enumerable.Repeat("---", 3 + 2 * metrics.Length)) + " |",
        };
        foreach (var model in results.Select(r => r.Model).Distinct())
        {
            var s = stan.Where(r => r.Model == model).ToList();
            if (s.Count == 0) continue;
            double stanPerSecond = Median(s.Select(r => r.EssPerSecond)), stanPerGradient = Median(s.Select(r => r.EssPerGradient));
            var cells = new List<string> { model, Format(stanPerSecond), Format(stanPerGradient) };
            foreach (var metric in metrics)
            {
                var g = results.Where(r => r.Model == model && r.Metric == metric).ToList();
                double perSecond = Median(g.Select(r => r.EssPerSecond)), perGradient = Median(g.Select(r => r.EssPerGradient));
                cells.Add($"{Format(perSecond)} ({perSecond / stanPerSecond:F1}x)");
                cells.Add(string.Create(CultureInfo.InvariantCulture, $"{perGradient:F2} ({perGradient / stanPerGradient:F2}x)"));
            }
            lines.Add("| " + string.Join(" | ", cells) + " |");
        }
        return lines;

        static string Format(double v) => v.ToString(v < 10 ? "F2" : "F0", CultureInfo.InvariantCulture);
    }

    private static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToArray();
        if (v.Length == 0) return double.NaN;
        return v.Length % 2 == 1 ? v[v.Length / 2] : 0.5 * (v[v.Length / 2 - 1] + v[v.Length / 2]);
    }

    /// <summary>The 1-minute load average (Linux), or "?".</summary>
    internal static string LoadAverage()
    {
        try { return File.ReadAllText("/proc/loadavg").Split(' ')[0]; }
        catch (IOException) { return "?"; }
        catch (UnauthorizedAccessException) { return "?"; }
    }
}
