using GpuHbm.Compute;
using GpuHbm.Compute.Cpu;
using GpuHbm.Models;
using GpuHbm.Sampling.Initialization;
using MathNet.Numerics.LinearAlgebra;
using Xunit;

namespace GpuHbm.Tests.Sampling.Initialization;

/// <summary>A normal N(μ, Σ) given by its precision matrix P = Σ⁻¹: log π = −½ (x − μ)ᵀP(x − μ), ∇ = −P(x − μ).</summary>
internal sealed class DenseNormalDensity(double[] mean, Matrix<double> precision) : IBatchedDensity
{
    public double[] Mean { get; } = mean;
    public Matrix<double> Precision { get; } = precision;
    public int Dimension => Mean.Length;

    /// <summary>A D-dimensional normal with variances spread over [0.01, 100] and correlations from a random rotation.</summary>
    public static DenseNormalDensity Random(int d, int seed)
    {
        var rng = new Random(seed);
        var a = Matrix<double>.Build.Dense(d, d, (_, _) => rng.NextDouble() - 0.5);
        var q = a.QR().Q;
        var eigen = Vector<double>.Build.Dense(d, i => Math.Pow(10, -2 + 4.0 * i / (d - 1)));
        var covariance = q * Matrix<double>.Build.DiagonalOfDiagonalVector(eigen) * q.Transpose();
        var mean = Enumerable.Range(0, d).Select(i => 50.0 * (i + 1)).ToArray();
        return new DenseNormalDensity(mean, covariance.Inverse());
    }

    public void Evaluate(ReadOnlySpan<double> positions, Span<double> logDensity, Span<double> gradient, int chains)
    {
        int d = Dimension;
        for (int c = 0; c < chains; c++)
        {
            var r = Vector<double>.Build.Dense(d);
            for (int i = 0; i < d; i++) r[i] = positions[c * d + i] - Mean[i];
            var g = -(Precision * r);
            for (int i = 0; i < d; i++) gradient[c * d + i] = g[i];
            logDensity[c] = 0.5 * r.DotProduct(g);
        }
    }
}

public class EnsembleLbfgsTests
{
    private static readonly EnsembleSlot X = new(0), G = new(1);

    private static (CpuChainEnsemble Ensemble, EnsembleLbfgs Lbfgs, double[] Lp) Start(IBatchedDensity density, int chains, int history,
        Func<int, int, double> start, double[] diagonal)
    {
        var e = new CpuChainEnsemble(density, Enumerable.Range(0, chains).Select(c => (uint)c).ToArray(), 2 + EnsembleLbfgs.ExtraSlots(history) + 3, 11);
        for (int c = 0; c < chains; c++) e.WriteRow(X, c, Enumerable.Range(0, density.Dimension).Select(i => start(c, i)).ToArray());
        var lp = new double[chains];
        e.Evaluate(X, G, Enumerable.Repeat(true, chains).ToArray(), lp);
        return (e, new EnsembleLbfgs(e, X, G, 2, history, diagonal), lp);
    }

    [Fact]
    public void Every_chain_reaches_the_mode_of_an_ill_conditioned_correlated_normal()
    {
        // Variances over four orders of magnitude, rotated; the mode 50..1000 away from the starts (different per chain).
        var density = DenseNormalDensity.Random(12, seed: 3);
        var (e, lbfgs, lp) = Start(density, 5, history: 8, (c, i) => (c - 2) * 3.0 + 0.1 * i, Enumerable.Repeat(1.0, 12).ToArray());
        lbfgs.Maximize(Enumerable.Repeat(true, 5).ToArray(), lp, maxIterations: 1000, relativeTolerance: 1e-14);
        var x = new double[12];
        for (int c = 0; c < 5; c++)
        {
            Assert.NotEqual(LbfgsStop.IterationLimit, lbfgs.Stops[c]);
            e.ReadRow(X, c, x);
            for (int i = 0; i < 12; i++) Assert.Equal(density.Mean[i], x[i], 1e-4 * Math.Max(1, Math.Abs(density.Mean[i])));
            Assert.True(lp[c] > -1e-8, $"chain {c}: log density at the optimum {lp[c]} (0 at the mode)");
            Assert.InRange(lbfgs.Iterations[c], 5, 800);
        }
    }

    [Fact]
    public void The_first_pathfinder_diagonal_update_is_Algorithm_3_of_Zhang_et_al()
    {
        // After one accepted step from α₀ = D: 1/α₁ = (a/b)/α₀ + y²/b − a/(b·c)·(s/α₀)², a = yᵀdiag(α₀)y, b = yᵀs, c = sᵀdiag(1/α₀)s.
        var density = DenseNormalDensity.Random(6, seed: 5);
        var diagonal = new[] { 4.0, 0.5, 2.0, 1.0, 9.0, 0.25 };
        var (_, lbfgs, lp) = Start(density, 1, history: 4, (_, i) => 10 + i, diagonal);
        lbfgs.Maximize([true], lp, maxIterations: 1);
        var (s, y, rho) = Assert.Single(lbfgs.StoredPairs(0));
        double a = 0, b = 0, cc = 0;
        for (int i = 0; i < 6; i++) { a += y[i] * diagonal[i] * y[i]; b += y[i] * s[i]; cc += s[i] * s[i] / diagonal[i]; }
        Assert.Equal(1 / b, rho, 1e-12 / b);
        var alpha = lbfgs.PathfinderDiagonal(0);
        for (int i = 0; i < 6; i++)
        {
            double inverse = a / (b * diagonal[i]) + y[i] * y[i] / b - a * s[i] * s[i] / (b * cc * diagonal[i] * diagonal[i]);
            Assert.Equal(1 / inverse, alpha[i], 1e-10 * Math.Abs(1 / inverse));
        }
    }

    [Fact]
    public void Draws_around_the_optimum_have_the_covariance_of_the_LBFGS_inverse_Hessian()
    {
        // All chains run the same optimisation (same start), so they share α and the pairs; the empirical covariance of
        // 4000 draws must match H = Vₘᵀ…(V₁ᵀ diag(α) V₁ + ρ₁s₁s₁ᵀ)…Vₘ + ρₘsₘsₘᵀ built here by dense algebra.
        const int chains = 4000, d = 4;
        var density = DenseNormalDensity.Random(d, seed: 9);
        var (e, lbfgs, lp) = Start(density, chains, history: 3, (_, i) => density.Mean[i] + 2 + i, [1.0, 2.0, 0.5, 1.0]);
        var all = Enumerable.Repeat(true, chains).ToArray();
        lbfgs.Maximize(all, lp, maxIterations: 3);
        var draw = new EnsembleSlot(2 + EnsembleLbfgs.ExtraSlots(3));
        var scratch = new EnsembleSlot(draw.Index + 1);
        lbfgs.DrawAroundOptimum(draw, scratch, counter: 0, all);

        var h = Matrix<double>.Build.DiagonalOfDiagonalArray(lbfgs.PathfinderDiagonal(0));
        var pairs = lbfgs.StoredPairs(0);
        Assert.Equal(3, pairs.Count);
        foreach (var (sArr, yArr, rho) in pairs)
        {
            var s = Vector<double>.Build.DenseOfArray(sArr);
            var y = Vector<double>.Build.DenseOfArray(yArr);
            var v = Matrix<double>.Build.DenseIdentity(d) - rho * y.OuterProduct(s);
            h = v.Transpose() * h * v + rho * s.OuterProduct(s);
        }
        var optimum = new double[d];
        e.ReadRow(X, 0, optimum);
        var rows = new double[chains][];
        for (int c = 0; c < chains; c++) { rows[c] = new double[d]; e.ReadRow(draw, c, rows[c]); }
        for (int i = 0; i < d; i++)
        {
            double meanI = rows.Average(r => r[i]);
            Assert.True(Math.Abs(meanI - optimum[i]) < 5 * Math.Sqrt(h[i, i] / chains), $"mean of coordinate {i}");
            for (int j = 0; j <= i; j++)
            {
                double meanJ = rows.Average(r => r[j]);
                double cov = rows.Sum(r => (r[i] - meanI) * (r[j] - meanJ)) / (chains - 1);
                // sd of a sample covariance ≈ √((h_ii h_jj + h_ij²)/n).
                double se = Math.Sqrt((h[i, i] * h[j, j] + h[i, j] * h[i, j]) / chains);
                Assert.True(Math.Abs(cov - h[i, j]) < 5 * se, $"cov[{i},{j}] = {cov} vs {h[i, j]} (se {se})");
            }
        }
    }
}
