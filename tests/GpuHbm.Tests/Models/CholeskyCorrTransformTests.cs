using GpuHbm.Models;
using MathNet.Numerics.LinearAlgebra;
using Xunit;

namespace GpuHbm.Tests.Models;

public class CholeskyCorrTransformTests
{
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    public void Factor_gives_unit_diagonal_positive_definite_correlation(int k)
    {
        var rng = new Random(k);
        for (int rep = 0; rep < 20; rep++)
        {
            var y = Enumerable.Range(0, CholeskyCorrTransform.FreeCount(k)).Select(_ => 3 * (2 * rng.NextDouble() - 1)).ToArray();
            var l = new double[k * k];
            CholeskyCorrTransform.Constrain(y, k, l);
            var L = Matrix<double>.Build.Dense(k, k, (i, j) => l[i * k + j]);
            var omega = L * L.Transpose();
            for (int i = 0; i < k; i++)
            {
                Assert.Equal(1.0, omega[i, i], 12);
                for (int j = i + 1; j < k; j++) Assert.Equal(0.0, L[i, j]);
            }
            Assert.True(omega.Evd().EigenValues.All(e => e.Real > 0), "Ω must be positive definite");
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void Log_jacobian_matches_finite_difference_determinant(int k)
    {
        var rng = new Random(100 + k);
        int m = CholeskyCorrTransform.FreeCount(k);
        for (int rep = 0; rep < 5; rep++)
        {
            var y = Enumerable.Range(0, m).Select(_ => 2 * (2 * rng.NextDouble() - 1)).ToArray();
            var l = new double[k * k];
            double logJ = CholeskyCorrTransform.Constrain(y, k, l);

            // Jacobian of y ↦ strict lower triangle of L (row-wise), by central differences.
            var jac = Matrix<double>.Build.Dense(m, m);
            const double h = 1e-6;
            for (int c = 0; c < m; c++)
            {
                var up = (double[])y.Clone(); up[c] += h;
                var dn = (double[])y.Clone(); dn[c] -= h;
                var lu = new double[k * k]; var ld = new double[k * k];
                CholeskyCorrTransform.Constrain(up, k, lu);
                CholeskyCorrTransform.Constrain(dn, k, ld);
                int r = 0;
                for (int i = 1; i < k; i++)
                    for (int j = 0; j < i; j++, r++) jac[r, c] = (lu[i * k + j] - ld[i * k + j]) / (2 * h);
            }
            Assert.Equal(Math.Log(Math.Abs(jac.Determinant())), logJ, 7);
        }
    }

    [Fact]
    public void Zero_maps_to_identity()
    {
        var l = new double[9];
        Assert.Equal(0.0, CholeskyCorrTransform.Constrain(new double[3], 3, l), 14);
        Assert.Equal(new double[] { 1, 0, 0, 0, 1, 0, 0, 0, 1 }, l);
    }

    [Fact]
    public void Stable_log_one_minus_tanh_squared()
    {
        foreach (var y in new[] { -3.0, -0.2, 0, 0.7, 5 })
            Assert.Equal(Math.Log(1 - Math.Tanh(y) * Math.Tanh(y)), GpuHbm.Kernels.CholeskyCorr.LogOneMinusTanhSquared(y), 10);
        Assert.True(double.IsFinite(GpuHbm.Kernels.CholeskyCorr.LogOneMinusTanhSquared(40)));
    }
}
