using GpuHbm.Sampling;
using Xunit;

namespace GpuHbm.Tests.Sampling;

public class LeapfrogIntegratorTests
{
    [Fact]
    public void One_step_on_a_standard_normal_matches_the_hand_computed_update()
    {
        // log π = −½(q₁² + q₂²), M⁻¹ = diag(1, 2), ε = 0.1, q = (0.5, −1), p = (1, 0.5).
        // Coordinate 1: p½ = 1 + 0.05·(−0.5) = 0.975; q' = 0.5 + 0.1·1·0.975 = 0.5975; p' = 0.975 + 0.05·(−0.5975) = 0.945125.
        // Coordinate 2: p½ = 0.5 + 0.05·1 = 0.55; q' = −1 + 0.1·2·0.55 = −0.89; p' = 0.55 + 0.05·0.89 = 0.5945.
        var density = IidNormalDensity.Standard(2);
        double[] q = [0.5, -1.0], p = [1.0, 0.5], g = [-0.5, 1.0], inverseMetric = [1.0, 2.0];
        double lp = LeapfrogIntegrator.Step(density, q, p, g, inverseMetric, 0.1);
        Assert.Equal(0.5975, q[0], 1e-14);
        Assert.Equal(-0.89, q[1], 1e-14);
        Assert.Equal(0.945125, p[0], 1e-14);
        Assert.Equal(0.5945, p[1], 1e-14);
        Assert.Equal(-0.5975, g[0], 1e-14);
        Assert.Equal(0.89, g[1], 1e-14);
        Assert.Equal(-0.5 * (0.5975 * 0.5975 + 0.89 * 0.89), lp, 1e-14);
    }

    [Fact]
    public void Energy_is_conserved_for_small_steps_and_time_reversible()
    {
        var density = IidNormalDensity.Spread(5);
        double[] q = [0.3, -1.2, 0.8, 2.0, -0.4], p = [1.0, 0.2, -0.7, 0.1, 0.9];
        double[] inverseMetric = density.Scales.Select(s => s * s).ToArray();
        double[] g = new double[5], lp = new double[1];
        density.Evaluate(q, lp, g, 1);
        double h0 = -lp[0] + DiagonalMetric.KineticEnergy(p, inverseMetric);
        double[] q0 = (double[])q.Clone(), p0 = (double[])p.Clone();
        double maxError = 0, l = 0;
        for (int i = 0; i < 1000; i++)
        {
            l = LeapfrogIntegrator.Step(density, q, p, g, inverseMetric, 0.01);
            maxError = Math.Max(maxError, Math.Abs(-l + DiagonalMetric.KineticEnergy(p, inverseMetric) - h0));
        }
        // With M⁻¹ = Σ every coordinate is a unit oscillator; leapfrog's energy error is O(ε²) ≈ 1e-4·H.
        Assert.True(maxError < 1e-4 * h0, $"max energy error {maxError}");
        // Reversibility: negate p, integrate back.
        for (int i = 0; i < 5; i++) p[i] = -p[i];
        for (int i = 0; i < 1000; i++) LeapfrogIntegrator.Step(density, q, p, g, inverseMetric, 0.01);
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(q0[i], q[i], 1e-10);
            Assert.Equal(p0[i], -p[i], 1e-10);
        }
    }
}
