using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using GpuHbm.Results;
using GpuHbm.Sampling.Chees;

namespace GpuHbm.Benchmarks;

/// <summary>
/// Many short chains against 4 NUTS chains on the peer models (the four reference posteriors and the simulated hospital
/// model at N = 20,000), CPU backend: for ChEES-HMC with the automatic warm-up, the warm-up length, whether it
/// converged, the gradients spent before sampling (initialisation + warm-up, all chains) and in sampling, the smallest
/// bulk ESS over every reported parameter and ESS per 1000 sampling gradients; for NUTS 4 chains × (1000 + 1000) the
/// same columns. Gradient counts and ESS per gradient do not depend on the machine's load (wall seconds do; the load
/// average is printed before every fit).
/// Knobs for measuring the warm-up's levers: --round, --superchains, --t0, --no-doubling-start, --lbfgs-iterations,
/// --lbfgs-history, --lbfgs-tolerance.
/// <code>dotnet run -c Release --project benchmarks/GpuHbm.Benchmarks -- chees [--models a,b] [--seeds 1,2] [--chains 64] [--draws 50] [--max-warmup 1000] [--samplers chees,nuts] [--gradient-metric] [--output FILE]</code>
/// </summary>
internal static class CheesComparison
{
    public static int Run(string[] args)
    {
        var models = PeerModel.All.Select(m => m.Name).ToArray();
        ulong[] seeds = [1, 2];
        int chains = FitOptions.DefaultCheesChains, draws = 50, maxWarmup = 1000;
        string[] samplers = ["chees", "nuts"];
        string? output = null;
        var chees = new CheesOptions();
        int? superchains = null;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--models": models = args[++i].Split(','); break;
                case "--seeds": seeds = args[++i].Split(',').Select(s => ulong.Parse(s, CultureInfo.InvariantCulture)).ToArray(); break;
                case "--chains": chains = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--draws": draws = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--max-warmup": maxWarmup = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--samplers": samplers = args[++i].Split(','); break;
                case "--gradient-metric": chees = chees with { MetricFromGradients = true }; break;
                case "--output": output = args[++i]; break;
                case "--superchains": superchains = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--no-doubling-start": chees = chees with { DoublingStart = false }; break;
                case "--round": chees = chees with { RoundLength = int.Parse(args[++i], CultureInfo.InvariantCulture) }; break;
                case "--t0": chees = chees with { InitialTrajectoryLength = double.Parse(args[++i], CultureInfo.InvariantCulture) }; break;
                case "--lbfgs-iterations":
                    chees = chees with { Initialization = chees.Initialization with { MaxIterations = int.Parse(args[++i], CultureInfo.InvariantCulture) } };
                    break;
                case "--lbfgs-history":
                    chees = chees with { Initialization = chees.Initialization with { History = int.Parse(args[++i], CultureInfo.InvariantCulture) } };
                    break;
                case "--lbfgs-tolerance":
                    chees = chees with { Initialization = chees.Initialization with { RelativeTolerance = double.Parse(args[++i], CultureInfo.InvariantCulture) } };
                    break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }
        var lines = new List<string>
        {
            $"# Many short chains (ChEES-HMC) vs 4 NUTS chains, CPU backend ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC)",
            "",
            $"machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}",
            $"command: `dotnet run -c Release --project benchmarks/GpuHbm.Benchmarks -- chees {string.Join(' ', args)}`",
            $"ChEES: {chains} chains, warm-up auto (cap {maxWarmup}), {draws} draws per chain{(chees.MetricFromGradients ? ", metric from draws and gradients (nutpie)" : "")}; " +
            "NUTS: 4 chains x (1000 + 1000), Stan's windowed warm-up, the default metric, every effect non-centred (--centring none). ESS = smallest bulk ESS over all reported parameters (incl. r_*).",
            "'before sampling' = initialisation + warm-up gradients over all chains; ESS per 1000 gradients uses the sampling gradients.",
            "",
            "| model | sampler | seed | load | warm-up its | converged | init grads | before sampling | sampling grads | min bulk ESS | ESS / 1000 sampling grads | max nested R-hat | max R-hat | accept (harmonic) | accept (mean) | step size | T | divergences | wall s |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        };
        foreach (var l in lines) Console.WriteLine(l);
        foreach (var name in models)
        {
            var model = PeerModel.Named(name);
            var data = model.Load();
            foreach (var sampler in samplers)
            {
                foreach (var seed in seeds)
                {
                    string load = MetricComparison.LoadAverage();
                    var sw = Stopwatch.StartNew();
                    bool isChees = sampler == "chees";
                    var fit = Glmm.Fit(model.Formula, data, new FitOptions
                    {
                        Family = model.Family, Priors = model.Priors, Factors = model.Factors, Seed = seed, Backend = "cpu", Sampler = sampler,
                        Chains = isChees ? chains : 4, Draws = isChees ? draws : 1000, Warmup = isChees ? null : 1000, MaxWarmup = maxWarmup,
                        Chees = isChees ? chees : null, Superchains = isChees ? superchains : null,
                        // Non-centred, as the v2 table's NUTS rows were measured (ChEES never centres).
                        AutomaticCentring = false,
                    });
                    sw.Stop();
                    lines.Add(Row(name, sampler, seed, load, fit, sw.Elapsed.TotalSeconds));
                    Console.WriteLine(lines[^1]);
                    if (output is not null) File.WriteAllLines(output, lines);
                }
            }
        }
        return 0;
    }

    private static string Row(string model, string sampler, ulong seed, string load, Fit fit, double wall)
    {
        var e = fit.Ensemble;
        double minEss = fit.Summary.Rows.Min(r => r.EssBulk);
        long sampling = fit.GradientEvaluations - fit.WarmupGradientEvaluations;
        double nested = fit.Summary.HasNestedRhat ? fit.Summary.Rows.Max(r => r.NestedRhat) : double.NaN;
        double accept = e?.SamplingHarmonicMeanAcceptance ?? fit.Statistics.Average(s => s.AcceptStat.Average());
        int warmup = e?.WarmupIterations ?? fit.Settings.Options.ResolvedWarmup;
        string converged = e is null ? "-" : e.WarmupConverged ? "yes" : "NO";
        return string.Create(CultureInfo.InvariantCulture,
            $"| {model} | {sampler} | {seed} | {load} | {warmup} | {converged} | {e?.Initialization.GradientEvaluations ?? 0} | {fit.WarmupGradientEvaluations} | {sampling} | {minEss:F0} | {1000 * minEss / sampling:F2} | {(double.IsNaN(nested) ? "-" : nested.ToString("F4", CultureInfo.InvariantCulture))} | {fit.Summary.Rows.Max(r => r.Rhat):F3} | {accept:F2} | {fit.Statistics.Average(s => s.AcceptStat.Average()):F3} | {fit.Adaptation.Average(a => a.StepSize):G3} | {(e is null ? "-" : e.TrajectoryLength.ToString("G3", CultureInfo.InvariantCulture))} | {fit.Report.Divergences} | {wall:F1} |");
    }
}
