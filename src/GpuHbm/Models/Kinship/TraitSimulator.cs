using GpuHbm.Kernels;

namespace GpuHbm.Models.Kinship;

/// <summary>A simulated trait: Y = Xβ + G + E, one value per individual of K, in K's order.</summary>
public sealed record SimulatedTrait(IReadOnlyList<string> Ids, double[] Y, double[] G, double[] E);

/// <summary>
/// Simulates a quantitative trait y = Xβ + g + e with g ~ N(0, σg²K) and e ~ N(0, σe²I), the
/// Gaussian kinship model (Yang et al. 2011, AJHG 88:76). g = σg·L z with L the Cholesky factor of
/// K + εI from <see cref="KinshipCholesky"/> (ε ≈ 1e-6·mean diagonal, so Var g is σg²(K + εI)).
/// Standard normals come from <see cref="Philox.Normals"/> with purpose
/// <see cref="RandomPurpose.Simulation"/>, chain word 3 for z and 4 for e, so the trait is
/// deterministic from the seed and independent of the genotype streams.
/// </summary>
public static class TraitSimulator
{
    private const uint GeneticStream = 3, ResidualStream = 4;

    /// <param name="k">The relationship matrix (e.g. the GRM of simulated genotypes).</param>
    /// <param name="x">Design matrix N×P row-major, rows in K's order.</param>
    /// <param name="predictors">P (0 for none).</param>
    /// <param name="beta">Fixed effects, length P.</param>
    /// <param name="sigmaG">Genetic standard deviation σg.</param>
    /// <param name="sigmaE">Residual standard deviation σe.</param>
    /// <param name="seed">Philox key.</param>
    public static SimulatedTrait Simulate(RelationshipMatrix k, ReadOnlySpan<double> x, int predictors, ReadOnlySpan<double> beta,
        double sigmaG, double sigmaE, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(k);
        int n = k.Count;
        if (x.Length != (long)n * predictors || beta.Length != predictors)
            throw new GpuHbmModelException($"the design needs {n}×{predictors} values and {predictors} coefficients");
        if (!(sigmaG >= 0) || !(sigmaE >= 0))
            throw new GpuHbmModelException($"standard deviations must be non-negative, not σg = {sigmaG}, σe = {sigmaE}");
        var z = new double[n];
        Philox.Normals(seed, GeneticStream, 0, RandomPurpose.Simulation, z);
        var g = new double[n];
        KinshipCholesky.Factor(k).Multiply(z, g, 1);
        var e = new double[n];
        Philox.Normals(seed, ResidualStream, 0, RandomPurpose.Simulation, e);
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            g[i] *= sigmaG;
            e[i] *= sigmaE;
            double mean = 0;
            for (int j = 0; j < predictors; j++) mean += x[i * predictors + j] * beta[j];
            y[i] = mean + g[i] + e[i];
        }
        return new SimulatedTrait(k.Ids, y, g, e);
    }
}
