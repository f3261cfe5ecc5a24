using GpuHbm.Kernels;
using GpuHbm.Sampling.Metrics;
using MathNet.Numerics.LinearAlgebra;
using Xunit;

namespace GpuHbm.Tests.Sampling.Metrics;

/// <summary>The low-rank metric's per-row kernels against the dense matrix S(I + U(Λ − I)Uᵀ)S built with MathNet.</summary>
public class InverseMetricTests
{
    /// <summary>A rank-2 metric in 5-d: U from a QR of fixed numbers, λ = (40, 0.05).</summary>
    private static InverseMetric Example()
    {
        var raw = Matrix<double>.Build.DenseOfArray(new double[,] { { 1, 0.3 }, { -2, 1 }, { 0.5, 0.5 }, { 0.1, -1.5 }, { 0.7, 0.2 } });
        var q = raw.QR().Q.SubMatrix(0, 5, 0, 2);
        var vectors = new double[10];
        for (int j = 0; j < 2; j++)
            for (int i = 0; i < 5; i++) vectors[j * 5 + i] = q[i, j];
        return new InverseMetric([0.5, 2, 1, 4, 0.01], vectors, [40, 0.05]);
    }

    private static Matrix<double> Dense(InverseMetric m)
    {
        int d = m.Dimension;
        var u = Matrix<double>.Build.Dense(d, m.Rank, (i, j) => m.Vector(j)[i]);
        var inner = Matrix<double>.Build.DenseIdentity(d) + u * Matrix<double>.Build.DenseOfDiagonalArray(m.Values.ToArray().Select(l => l - 1).ToArray()) * u.Transpose();
        var s = Matrix<double>.Build.DenseOfDiagonalArray(m.Diagonal.ToArray().Select(Math.Sqrt).ToArray());
        return s * inner * s;
    }

    [Fact]
    public void Multiply_dot_and_kinetic_energy_match_the_dense_matrix()
    {
        var m = Example();
        var dense = Dense(m);
        double[] p = [0.3, -1.2, 2.0, 0.7, -0.4], q = [1, 2, -1, 0.5, 3];
        var result = new double[5];
        m.Multiply(p, result);
        var expected = dense * Vector<double>.Build.DenseOfArray(p);
        for (int i = 0; i < 5; i++) Assert.Equal(expected[i], result[i], 1e-12);
        var scratch = new double[5];
        Assert.Equal(Vector<double>.Build.DenseOfArray(q) * expected, m.WeightedDot(q, p, scratch), 1e-12);
        Assert.Equal(0.5 * (Vector<double>.Build.DenseOfArray(p) * expected), m.KineticEnergy(p, scratch), 1e-12);
        var diagonal = m.MatrixDiagonal();
        for (int i = 0; i < 5; i++) Assert.Equal(dense[i, i], diagonal[i], 1e-12);
    }

    [Fact]
    public void Momentum_from_normals_has_covariance_M()
    {
        // p = L z is linear in z; its covariance L Lᵀ must be M = (M⁻¹)⁻¹.
        var m = Example();
        var l = Matrix<double>.Build.Dense(5, 5);
        for (int j = 0; j < 5; j++)
        {
            var z = new double[5];
            z[j] = 1;
            m.MomentumFromNormals(z);
            l.SetColumn(j, z);
        }
        var product = l * l.Transpose() * Dense(m);
        for (int i = 0; i < 5; i++)
            for (int j = 0; j < 5; j++) Assert.Equal(i == j ? 1 : 0, product[i, j], 1e-10);
    }

    [Fact]
    public void Rank_zero_is_Stans_diagonal_metric()
    {
        var m = new InverseMetric([4.0, 0.25]);
        double[] z = [1.0, 1.0];
        m.MomentumFromNormals(z);
        Assert.Equal([0.5, 2.0], z);
        Assert.Equal(0.5 * (0.25 * 4 + 4 * 0.25), m.KineticEnergy(z, new double[2]), 15);
    }

    [Fact]
    public void From_gradient_is_the_reciprocal_absolute_gradient_clamped()
    {
        var m = InverseMetric.FromGradient([-4.0, 0.0, double.NaN, 1e30]);
        Assert.Equal(0.25, m.Diagonal[0]);
        Assert.Equal(InverseMetric.MaxVariance, m.Diagonal[1]);
        Assert.Equal(1.0, m.Diagonal[2]);
        Assert.Equal(InverseMetric.MinVariance, m.Diagonal[3]);
    }

    [Fact]
    public void Bad_parts_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new InverseMetric([1.0, -1.0]));
        Assert.Throws<ArgumentException>(() => new InverseMetric([1.0, 1.0], [1.0], [2.0]));
        Assert.Throws<ArgumentException>(() => new InverseMetric([1.0, 1.0], [1.0, 0.0], [0.0]));
    }
}
