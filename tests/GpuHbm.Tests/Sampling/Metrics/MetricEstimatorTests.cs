using GpuHbm.Kernels;
using GpuHbm.Sampling.Metrics;
using MathNet.Numerics.LinearAlgebra;
using Xunit;

namespace GpuHbm.Tests.Sampling.Metrics;

/// <summary>
/// The estimators against closed forms: for a normal target N(μ, Σ) the gradient is −Σ⁻¹(x − μ), so the draws and
/// gradients of any sample determine Σ exactly (the Fisher-divergence minimiser); Stan's estimator against the
/// regularised sample variance.
/// </summary>
public class MetricEstimatorTests
{
    private static double[][] Normals(int n, int d, ulong seed)
    {
        var z = new double[n][];
        for (int t = 0; t < n; t++)
        {
            z[t] = new double[d];
            GpuHbm.Kernels.Philox.Normals(seed, 0, (uint)t, GpuHbm.Kernels.RandomPurpose.Momentum, z[t]);
        }
        return z;
    }

    [Fact]
    public void Draw_gradient_diagonal_is_exact_for_a_diagonal_normal()
    {
        double[] sigma = [0.01, 1, 30, 5];
        double[] mu = [1, -2, 100, 0];
        var estimator = new DrawGradientDiagonalEstimator(4);
        foreach (var z in Normals(5, 4, 1))
        {
            var x = z.Select((v, i) => mu[i] + sigma[i] * v).ToArray();
            var g = x.Select((v, i) => -(v - mu[i]) / (sigma[i] * sigma[i])).ToArray();
            estimator.Add(x, g);
        }
        var m = estimator.Estimate(InverseMetric.Unit(4))!;
        for (int i = 0; i < 4; i++) Assert.Equal(sigma[i] * sigma[i], m.Diagonal[i], 1e-9 * sigma[i] * sigma[i]);
        Assert.Equal(0, m.Rank);
    }

    [Fact]
    public void Draw_gradient_diagonal_needs_three_draws_and_keeps_uninformed_coordinates()
    {
        var estimator = new DrawGradientDiagonalEstimator(2);
        estimator.Add([1.0, 5.0], [-1.0, 0.0]);
        estimator.Add([2.0, 5.0], [-2.0, 0.0]);
        Assert.Null(estimator.Estimate(InverseMetric.Unit(2)));
        estimator.Add([3.0, 5.0], [-3.0, 0.0]);
        var m = estimator.Estimate(new InverseMetric([7.0, 7.0]))!;
        Assert.Equal(1.0, m.Diagonal[0], 12);
        Assert.Equal(7.0, m.Diagonal[1]); // 0/0: no information, the previous value stays
    }

    [Fact]
    public void Stan_estimator_is_the_regularised_sample_variance()
    {
        var estimator = new StanVarianceEstimator(1);
        foreach (double x in new[] { 1.0, 2.0, 4.0, 7.0 }) estimator.Add([x], default);
        // var = 7 (mean 3.5, squares 6.25 + 2.25 + 0.25 + 12.25 = 21, /3); n = 4: (4/9)·7 + 1e-3·5/9.
        Assert.Equal(4.0 / 9 * 7 + 1e-3 * 5 / 9, estimator.Estimate(InverseMetric.Unit(1))!.Diagonal[0], 14);
    }

    [Fact]
    public void Spd_mean_of_diagonal_matrices_is_the_geometric_mean()
    {
        // nuts-rs test_spd_mean: A = diag(1, 4, 8), B = diag(1, 1, 0.5) → A # B⁻¹ = diag(1, 2, 4).
        var a = Matrix<double>.Build.DenseOfDiagonalArray([1, 4, 8]);
        var b = Matrix<double>.Build.DenseOfDiagonalArray([1, 1, 0.5]);
        var mean = LowRankEstimator.SpdMean(a, b)!;
        var expected = Matrix<double>.Build.DenseOfDiagonalArray([1, 2, 4]);
        Assert.True((mean - expected).FrobeniusNorm() < 1e-10, mean.ToString());
    }

    [Fact]
    public void Low_rank_recovers_a_correlated_normal()
    {
        // Σ = D^½ R D^½ with strong correlations; with all eigenvalues kept (cutoff just above 1) and n > D draws,
        // S(I + U(Λ − I)Uᵀ)S is the SPD mean of the sample covariance and Σ Σ̂⁻¹ Σ, which is Σ itself, up to the
        // γ-regularisation.
        int d = 6;
        var sd = new[] { 0.1, 1, 3, 10, 0.5, 2 };
        var r = Matrix<double>.Build.Dense(d, d, (i, j) => i == j ? 1 : Math.Pow(0.8, Math.Abs(i - j)) * (((i + j) % 3 == 0) ? -1 : 1));
        r = r * r.Transpose(); // SPD
        var rd = Matrix<double>.Build.DenseOfDiagonalArray(r.Diagonal().Select(v => 1 / Math.Sqrt(v)).ToArray());
        r = rd * r * rd;
        var sdm = Matrix<double>.Build.DenseOfDiagonalArray(sd);
        var sigma = sdm * r * sdm;
        var chol = sigma.Cholesky().Factor;
        var precision = sigma.Inverse();
        var estimator = new LowRankEstimator(d, gamma: 1e-9, cutoff: 1.000001);
        foreach (var z in Normals(40, d, 7))
        {
            var x = chol * Vector<double>.Build.DenseOfArray(z);
            var g = -(precision * x);
            estimator.Add(x.ToArray(), g.ToArray());
        }
        var m = estimator.Estimate(InverseMetric.Unit(d))!;
        var dense = Matrix<double>.Build.Dense(d, d);
        for (int j = 0; j < d; j++)
        {
            var e = new double[d];
            e[j] = 1;
            var col = new double[d];
            m.Multiply(e, col);
            dense.SetColumn(j, col);
        }
        for (int i = 0; i < d; i++)
            for (int j = 0; j < d; j++)
                Assert.True(Math.Abs(dense[i, j] - sigma[i, j]) < 1e-4 * sd[i] * sd[j], $"M⁻¹[{i},{j}] = {dense[i, j]}, Σ = {sigma[i, j]}");
    }

    [Fact]
    public void Low_rank_keeps_only_directions_beyond_the_cutoff()
    {
        // Independent standard normals: every eigenvalue is 1 up to the noise of 30 draws, nothing passes a cutoff of 100.
        var estimator = new LowRankEstimator(8, cutoff: 100);
        foreach (var z in Normals(30, 8, 3)) estimator.Add(z, z.Select(v => -v).ToArray());
        var m = estimator.Estimate(InverseMetric.Unit(8))!;
        Assert.Equal(0, m.Rank);
        for (int i = 0; i < 8; i++) Assert.Equal(1.0, m.Diagonal[i], 10);
    }

    [Fact]
    public void Low_rank_in_more_dimensions_than_draws_finds_the_strong_direction()
    {
        // D = 50 > 2n = 40: the subspace branch. x = 100·a·w + z with a fixed unit direction a (variance 10001 along a,
        // 1 across) and the exact gradient; the leading eigenvalue is large and its eigenvector is ±a.
        int d = 50, n = 20;
        var a = Enumerable.Range(0, d).Select(i => Math.Sin(i + 1.0)).ToArray();
        double norm = Math.Sqrt(a.Sum(v => v * v));
        for (int i = 0; i < d; i++) a[i] /= norm;
        var estimator = new LowRankEstimator(d);
        var z = Normals(n, d + 1, 11);
        foreach (var row in z)
        {
            double w = row[d];
            var x = new double[d];
            for (int i = 0; i < d; i++) x[i] = 100 * a[i] * w + row[i];
            // Σ = I + 10⁴ a aᵀ, Σ⁻¹ = I − (10⁴/10001) a aᵀ.
            double ax = x.Zip(a, (p, q) => p * q).Sum();
            var g = x.Select((v, i) => -(v - 1e4 / 10001 * ax * a[i])).ToArray();
            estimator.Add(x, g);
        }
        var m = estimator.Estimate(InverseMetric.Unit(d))!;
        Assert.True(m.Rank >= 1, "no low-rank direction found");
        int top = Enumerable.Range(0, m.Rank).MaxBy(j => m.Values[j]);
        double alignment = Math.Abs(m.Vector(top).ToArray().Zip(a, (p, q) => p * q).Sum());
        Assert.True(alignment > 0.9, $"leading eigenvector · a = {alignment}");
        // The implied variance along a: aᵀM⁻¹a should be of the order of 10001 (within the noise of 20 draws).
        var va = new double[d];
        m.Multiply(a, va);
        double along = va.Zip(a, (p, q) => p * q).Sum();
        Assert.InRange(along, 3000, 30000);
    }
}
