using GpuHbm.Compute;
using GpuHbm.Compute.Cpu;
using GpuHbm.Kernels;
using GpuHbm.Sampling;
using Xunit;

namespace GpuHbm.Tests.Sampling;

public class CpuChainEnsembleTests
{
    private static readonly EnsembleSlot A = new(0), B = new(1), C = new(2);

    private static CpuChainEnsemble Make(int chains = 3, int d = 4) =>
        new(IidNormalDensity.Standard(d), Enumerable.Range(10, chains).Select(i => (uint)i).ToArray(), 3, seed: 77);

    [Fact]
    public void Masked_operations_leave_inactive_chains_untouched()
    {
        using var e = Make();
        for (int c = 0; c < 3; c++)
        {
            e.WriteRow(A, c, [c + 1, c + 2, c + 3, c + 4]);
            e.WriteRow(B, c, [10, 20, 30, 40]);
        }
        bool[] mask = [true, false, true];
        e.Add(C, A, B, mask);
        e.Copy(A, B, mask);
        var row = new double[4];
        e.ReadRow(C, 0, row); Assert.Equal([11, 22, 33, 44], row);
        e.ReadRow(C, 1, row); Assert.Equal([0, 0, 0, 0], row);
        e.ReadRow(A, 1, row); Assert.Equal([2, 3, 4, 5], row);
        e.ReadRow(A, 2, row); Assert.Equal([10, 20, 30, 40], row);

        var lp = new double[] { 7, 7, 7 };
        var kinetic = new double[] { 7, 7, 7 };
        e.Leapfrog(A, B, C, [0.1, 0.1, 0.1], 3, mask, lp, kinetic);
        Assert.Equal(7, lp[1]);
        Assert.Equal(7, kinetic[1]);
        Assert.Equal(0, e.GradientEvaluations(1));
        Assert.Equal(3, e.GradientEvaluations(0));
    }

    [Fact]
    public void Per_chain_combine_multiply_and_divide_are_elementwise_by_hand()
    {
        using var e = Make();
        for (int c = 0; c < 3; c++)
        {
            e.WriteRow(A, c, [c + 1, c + 2, c + 3, c + 4]);
            e.WriteRow(B, c, [10, 20, 30, 40]);
        }
        bool[] mask = [true, false, true];
        e.Combine(C, A, [2.0, 99, -1.0], B, [0.5, 99, 0.25], mask);
        var row = new double[4];
        e.ReadRow(C, 0, row); Assert.Equal([2 * 1 + 5, 2 * 2 + 10, 2 * 3 + 15, 2 * 4 + 20.0], row);
        e.ReadRow(C, 1, row); Assert.Equal([0, 0, 0, 0], row);
        e.ReadRow(C, 2, row); Assert.Equal([-3 + 2.5, -4 + 5, -5 + 7.5, -6 + 10.0], row);
        e.Multiply(A, A, B, mask);
        e.ReadRow(A, 2, row); Assert.Equal([30, 80, 150, 240.0], row);
        e.ReadRow(A, 1, row); Assert.Equal([2, 3, 4, 5.0], row);
        e.Divide(C, A, B, mask);
        e.ReadRow(C, 2, row); Assert.Equal([3, 4, 5, 6.0], row);
        e.ReadRow(C, 1, row); Assert.Equal([0, 0, 0, 0.0], row);
        Assert.Throws<ArgumentException>(() => e.Combine(C, A, [1.0], B, [1.0, 2, 3], mask));
    }

    [Fact]
    public void Momentum_is_Philox_normals_scaled_by_the_metric_and_dots_are_weighted()
    {
        using var e = Make(chains: 2, d: 3);
        e.SetInverseMetric(1, [4.0, 1.0, 0.25]);
        var kinetic = new double[2];
        e.DrawMomentum(A, RandomPurpose.Momentum, 5, [true, true], kinetic);
        var z = new double[3];
        var p = new double[3];
        Philox.Normals(77, 11, 5, RandomPurpose.Momentum, z);
        e.ReadRow(A, 1, p);
        Assert.Equal(z[0] / 2, p[0]);
        Assert.Equal(z[1], p[1]);
        Assert.Equal(z[2] * 2, p[2]);
        Assert.Equal(0.5 * (z[0] * z[0] + z[1] * z[1] + z[2] * z[2]), kinetic[1], 1e-14);

        e.WriteRow(B, 1, [1, 2, 3]);
        var dots = new double[4];
        e.Dots([new SlotPair(A, B), new SlotPair(A, B, DotWeight.None)], [false, true], dots);
        Assert.Equal(p[0] * 4 * 1 + p[1] * 2 + p[2] * 0.25 * 3, dots[1], 1e-14);
        Assert.Equal(p[0] + p[1] * 2 + p[2] * 3, dots[3], 1e-14);
        Assert.Equal(0, dots[0]);
    }

    [Fact]
    public void Low_rank_metric_drives_momentum_dots_and_leapfrog()
    {
        // Chain 1 gets M⁻¹ = S(I + u(λ − 1)uᵀ)S; every metric operation must agree with InverseMetric's kernels, and a
        // leapfrog step must move q by ε·M⁻¹p (the standard-normal density's gradient is −q).
        using var e = Make(chains: 2, d: 3);
        double r = 1 / Math.Sqrt(2);
        var metric = new GpuHbm.Kernels.InverseMetric([2.0, 0.5, 1.0], [r, r, 0], [9.0]);
        e.SetInverseMetric(1, metric.Diagonal, metric.Vectors, metric.Values);
        Assert.Equal(3, e.MaxMetricRank);
        var kinetic = new double[2];
        e.DrawMomentum(A, RandomPurpose.Momentum, 5, [true, true], kinetic);
        var p = new double[3];
        Philox.Normals(77, 11, 5, RandomPurpose.Momentum, p);
        metric.MomentumFromNormals(p);
        var row = new double[3];
        e.ReadRow(A, 1, row);
        Assert.Equal(p, row);
        var scratch = new double[3];
        Assert.Equal(metric.KineticEnergy(p, scratch), kinetic[1], 1e-14);

        e.WriteRow(B, 1, [1, 2, 3]);
        var dots = new double[2];
        e.Dots([new SlotPair(A, B)], [true, true], dots);
        Assert.Equal(metric.WeightedDot(p, [1, 2, 3], scratch), dots[1], 1e-14);

        // q = (1, 2, 3), g = −q; after one step of ε = 0.1: p½ = p − 0.05·q, q′ = q + 0.1·M⁻¹p½.
        e.Copy(C, B, [false, true]);
        var lp = new double[2];
        e.Evaluate(B, C, [false, true], lp);
        var half = p.Select((v, i) => v - 0.05 * (i + 1)).ToArray();
        var velocity = new double[3];
        metric.Multiply(half, velocity);
        e.Leapfrog(B, A, C, [0.1, 0.1], 1, [false, true], lp, kinetic);
        e.ReadRow(B, 1, row);
        for (int i = 0; i < 3; i++) Assert.Equal(i + 1 + 0.1 * velocity[i], row[i], 1e-14);
        e.ReadRow(A, 1, row);
        for (int i = 0; i < 3; i++) Assert.Equal(half[i] - 0.05 * (i + 1 + 0.1 * velocity[i]), row[i], 1e-14);
        Assert.Equal(metric.KineticEnergy(row, scratch), kinetic[1], 1e-14);
    }

    [Fact]
    public void Non_finite_gradient_reports_minus_infinity()
    {
        using var e = new CpuChainEnsemble(new NowhereFiniteDensity(2), [0u], 2, 1);
        var lp = new double[1];
        e.Evaluate(A, B, [true], lp);
        Assert.Equal(double.NegativeInfinity, lp[0]);
    }
}
