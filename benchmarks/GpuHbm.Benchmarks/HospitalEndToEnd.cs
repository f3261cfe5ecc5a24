using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using GpuHbm.Data;
using GpuHbm.Data.Simulation;

namespace GpuHbm.Benchmarks;

/// <summary>
/// End-to-end fit of the simulated hospital model (bernoulli; random intercepts and treatment slopes,
/// correlated) with a given sampler and backend: wall time, minimum bulk ESS over the population-level
/// and hyperparameters (b_*, sd_*, cor_*), ESS per second, gradient evaluations, and the recovery of
/// the true values.
/// <code>dotnet run -c Release --project benchmarks/GpuHbm.Benchmarks -- hospitals --n 1000000 --hospitals 2000 --sampler nuts|chees --backend cpu|cpu-accelerator|opencl|cuda|auto [--chains C] [--warmup W] [--draws D] [--output FILE] [--write-csv DATA.csv]</code>
/// </summary>
internal static class HospitalEndToEnd
{
    public static int Run(string[] args)
    {
        int n = 1_000_000, g = 2000, warmup = 1000, draws = 1000;
        int? chains = null;
        string sampler = "nuts", backend = "auto";
        string? output = null, writeCsv = null;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--n": n = (int)double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--hospitals": g = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--sampler": sampler = args[++i]; break;
                case "--backend": backend = args[++i]; break;
                case "--chains": chains = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--warmup": warmup = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--draws": draws = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--output": output = args[++i]; break;
                case "--write-csv": writeCsv = args[++i]; break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }
        var sim = new HospitalSimulation(new HospitalSimulationOptions(n, g, 1));
        var text = new StringWriter(CultureInfo.InvariantCulture);
        sim.WriteCsv(text);
        if (writeCsv is not null) File.WriteAllText(writeCsv, text.ToString());   // the same data for a peer (NumPyro)
        var data = DataTable.ReadCsv(new StringReader(text.ToString()), "simulated hospitals");
        var options = new FitOptions
        {
            Family = HospitalSimulation.Family, Sampler = sampler, Backend = backend, Seed = 1,
            Chains = chains ?? (sampler == "chees" ? 64 : 4), Warmup = warmup, Draws = draws,
        };
        var sw = Stopwatch.StartNew();
        var plan = Glmm.Plan(HospitalSimulation.Formula, data, options);
        var fit = plan.Run();
        sw.Stop();
        var rows = fit.Summary.Rows.Where(r => !r.Variable.StartsWith("r_", StringComparison.Ordinal)).ToList();
        double minEss = rows.Min(r => r.EssBulk);
        double wall = sw.Elapsed.TotalSeconds;
        var lines = new List<string>
        {
            $"# Hospital model end to end ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC)",
            "",
            $"host: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}",
            $"command: `dotnet run -c Release --project benchmarks/GpuHbm.Benchmarks -- hospitals {string.Join(' ', args)}`",
            $"data: N = {n}, G = {g} hospitals (gpuhbm simulate hospitals, seed 1); formula `{HospitalSimulation.Formula}`, bernoulli, default priors",
            $"backend: {plan.Backend.Name} ({plan.Backend.Reason}); sampler {sampler}, {options.Chains} chains x ({warmup} + {draws})",
            "",
            "| wall s (compile + warm-up + sampling) | min bulk ESS (b, sd, cor) | min bulk ESS / s | max R-hat | gradient evaluations | divergences |",
            "| --- | --- | --- | --- | --- | --- |",
            string.Create(CultureInfo.InvariantCulture,
                $"| {wall:F1} | {minEss:F0} | {minEss / wall:F2} | {rows.Max(r => r.Rhat):F3} | {fit.GradientEvaluations} | {fit.Report.Divergences} |"),
            "",
            "| parameter | true | posterior mean | q5 | q95 |",
            "| --- | --- | --- | --- | --- |",
        };
        foreach (var (name, value) in sim.Truth.Parameters)
        {
            var r = fit.Summary[name];
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"| {name} | {value:G4} | {r.Mean:G4} | {r.Q5:G4} | {r.Q95:G4} |"));
        }
        foreach (var l in lines) Console.WriteLine(l);
        if (output is not null) File.WriteAllLines(output, lines);
        return 0;
    }
}
