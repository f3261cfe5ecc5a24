using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using GpuHbm.Data;
using GpuHbm.Models.Kinship;

namespace GpuHbm.Benchmarks;

/// <summary>
/// `-- kinship --n 2000 [--snps 5000] [--seed 1] [--chains 4] [--warmup 1000] [--draws 1000] [--output FILE]`:
/// end-to-end Gaussian kinship fit on the FaST-LMM fast path. Simulates genotypes (families of two
/// parents and three children, and as many unrelated individuals as family members), then times
/// separately: the GRM from genotypes, the set-up of the fast path (alignment, eigendecomposition of K,
/// rotation of y and X) and sampling (NUTS, chains in parallel). The trait (σg = σe = 1, so h² = 0.5)
/// is simulated with a Cholesky factor of K, which is not part of any timed step.
/// </summary>
internal static class KinshipEndToEnd
{
    public static int Run(string[] args)
    {
        int n = 2000, snps = 5000, chains = 4, warmup = 1000, draws = 1000;
        ulong seed = 1;
        string? outputFile = null;
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => args[++i];
            switch (args[i])
            {
                case "--n": n = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--snps": snps = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--seed": seed = ulong.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--chains": chains = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--warmup": warmup = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--draws": draws = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--output": outputFile = Next(); break;
                default: Console.Error.WriteLine($"unknown argument '{args[i]}'"); return 1;
            }
        }
        var lines = new List<string>();
        void Say(string s) { Console.WriteLine(s); lines.Add(s); }
        string F(double v) => v.ToString("F2", CultureInfo.InvariantCulture);

        int families = n / 10, unrelated = n - 5 * families;
        var settings = new GenotypeSimulationSettings(families, 3, unrelated, snps, seed);
        Say($"kinship end to end, N = {settings.Individuals}, M = {snps} SNPs, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        Say($"machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.ProcessArchitecture}, {RuntimeInformation.FrameworkDescription}");

        var sw = Stopwatch.StartNew();
        var genotypes = GenotypeSimulator.Simulate(settings);
        Say($"simulate genotypes: {F(sw.Elapsed.TotalSeconds)} s (not part of the fit)");

        sw.Restart();
        var k = GeneticRelationshipMatrix.Compute(genotypes).Matrix;
        double grmSeconds = sw.Elapsed.TotalSeconds;
        Say($"GRM from genotypes (incl. symmetry/PSD validation): {F(grmSeconds)} s");

        sw.Restart();
        var rng = new Random((int)seed);
        var x = new double[n = k.Count];
        for (int i = 0; i < n; i++) x[i] = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        var design = new double[2 * n];
        for (int i = 0; i < n; i++) { design[2 * i] = 1; design[2 * i + 1] = x[i]; }
        var trait = TraitSimulator.Simulate(k, design, 2, [1, 0.5], 1, 1, seed + 1);
        Say($"simulate trait (Cholesky of K): {F(sw.Elapsed.TotalSeconds)} s (not part of the fit)");

        var data = new DataTable([
            new DataColumn("id", k.Ids.ToArray()),
            new DataColumn("x", x.Select(v => v.ToString("R", CultureInfo.InvariantCulture)).ToArray()),
            new DataColumn("y", trait.Y.Select(v => v.ToString("R", CultureInfo.InvariantCulture)).ToArray()),
        ], "simulated");
        var options = new FitOptions
        {
            Chains = chains, Warmup = warmup, Draws = draws, Seed = seed,
            RelationshipMatrices = new Dictionary<string, RelationshipMatrix> { ["K"] = k },
        };
        sw.Restart();
        var fit = Glmm.Fit("y ~ 1 + x + (1 | gr(id, cov = K))", data, options);
        double fitWall = sw.Elapsed.TotalSeconds;
        var model = (FastLmmModel)fit.Model;
        double warm = fit.ChainTimes.Max(t => t.Warmup.TotalSeconds), sampling = fit.ChainTimes.Max(t => t.Sampling.TotalSeconds);
        double minEss = fit.Summary.Rows.Min(r => r.EssBulk);
        Say($"fit ({model.Method}, {chains} chains x ({warmup} warm-up + {draws} draws), chains in parallel): {F(fitWall)} s wall");
        Say($"  set-up: {F(model.SetupTime.TotalSeconds)} s, of which eigendecomposition {F(model.EigendecompositionTime.TotalSeconds)} s ({model.EigenSolver})");
        Say($"  sampling (slowest chain): warm-up {F(warm)} s + draws {F(sampling)} s; {fit.GradientEvaluations} gradients; min bulk ESS {minEss:F0}; divergences {fit.Report.Divergences}");
        var h2 = fit.Summary["h2"];
        Say(string.Create(CultureInfo.InvariantCulture, $"  h2: mean {h2.Mean:F3}, 90% [{h2.Q5:F3}, {h2.Q95:F3}] (truth 0.5)"));
        var reml = RemlGrid.Estimate(model.Density.Data);
        Say(string.Create(CultureInfo.InvariantCulture, $"  REML on the same rotated data: h2 {reml.Heritability:F3} (check of the posterior, not timed)"));
        Say("| N | M | GRM s | eigensolver | eigendecomposition s | set-up s | warm-up s | sampling s | fit wall s | min bulk ESS |");
        Say(string.Create(CultureInfo.InvariantCulture,
            $"| {n} | {snps} | {grmSeconds:F2} | {model.EigenSolver} | {model.EigendecompositionTime.TotalSeconds:F2} | {model.SetupTime.TotalSeconds:F2} | {warm:F2} | {sampling:F2} | {fitWall:F2} | {minEss:F0} |"));
        if (outputFile is not null) File.WriteAllLines(outputFile, lines);
        return 0;
    }
}
