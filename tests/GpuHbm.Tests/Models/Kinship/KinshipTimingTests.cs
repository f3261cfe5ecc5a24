using System.Runtime.CompilerServices;
using System.Diagnostics;
using GpuHbm.Models.Kinship;
using Xunit;

namespace GpuHbm.Tests.Models.Kinship;

/// <summary>A fact that runs only when GPUHBM_KINSHIP_TIMING=1 (it takes tens of seconds).</summary>
public sealed class TimingFactAttribute : FactAttribute
{
    public TimingFactAttribute([CallerFilePath] string? sourceFilePath = null, [CallerLineNumber] int sourceLineNumber = -1)
        : base(sourceFilePath, sourceLineNumber)
    {
        if (Environment.GetEnvironmentVariable("GPUHBM_KINSHIP_TIMING") != "1")
            Skip = "timing report; set GPUHBM_KINSHIP_TIMING=1 to run";
    }
}

/// <summary>Reports (does not assert) timings of the kinship pieces at N = 2000.</summary>
public class KinshipTimingTests(ITestOutputHelper output)
{
    [TimingFact]
    public void Report_timings_at_N_2000()
    {
        var settings = new GenotypeSimulationSettings(Families: 300, ChildrenPerFamily: 3, Unrelated: 500, Snps: 5000, Seed: 7);
        var watch = Stopwatch.StartNew();
        var genotypes = GenotypeSimulator.Simulate(settings);
        output.WriteLine($"simulate N={genotypes.IndividualCount} M={genotypes.SnpCount}: {watch.ElapsedMilliseconds} ms");

        watch.Restart();
        var grm = GeneticRelationshipMatrix.Compute(genotypes, psdTolerance: -1);
        output.WriteLine($"GRM (blocked managed W Wᵀ, {Environment.ProcessorCount} cores): {watch.ElapsedMilliseconds} ms");
        var k = grm.Matrix;

        watch.Restart();
        _ = new RelationshipMatrix(k.Ids, k.Values, "timing", psdTolerance: 1e-3);
        output.WriteLine($"validation (symmetry + Cholesky PSD check): {watch.ElapsedMilliseconds} ms");

        watch.Restart();
        var chol = KinshipCholesky.Factor(k);
        output.WriteLine($"Cholesky of K + εI ({(GpuHbm.Compute.Native.LapackApi.IsAvailable ? "LAPACK dpotrf" : "MathNet managed")}): {watch.ElapsedMilliseconds} ms, ε = {chol.Jitter:G3}");

        var eigen = KinshipEigenSystem.Decompose(k);
        output.WriteLine($"eigendecomposition ({eigen.Solver}): {eigen.DecompositionTime.TotalMilliseconds:F0} ms");

        var x = KinshipTestData.Design(k.Count, 1);
        var trait = TraitSimulator.Simulate(k, x, 2, [1, 0.5], 1, 1, 2);
        watch.Restart();
        var data = new RotatedKinshipData(eigen, x, 2, trait.Y);
        output.WriteLine($"rotation of y and X: {watch.ElapsedMilliseconds} ms");

        watch.Restart();
        var fit = RemlGrid.Estimate(data);
        output.WriteLine($"REML grid + Brent: {watch.ElapsedMilliseconds} ms, ĥ² = {fit.Heritability:F3}");

        var density = new FastLmmDensity(data, FastLmmPriors.Default);
        const int chains = 64, reps = 20;
        var theta = new double[chains * 4];
        var lp = new double[chains];
        var grad = new double[theta.Length];
        density.Evaluate(theta, lp, grad, chains);
        watch.Restart();
        for (int r = 0; r < reps; r++) density.Evaluate(theta, lp, grad, chains);
        output.WriteLine($"FaST-LMM density+gradient: {watch.Elapsed.TotalMicroseconds / (reps * chains):F1} µs per chain evaluation");

        var z = new double[k.Count * chains];
        var u = new double[z.Length];
        watch.Restart();
        chol.Multiply(z, u, chains);
        output.WriteLine($"L·Z for {chains} chains: {watch.ElapsedMilliseconds} ms");
    }
}
