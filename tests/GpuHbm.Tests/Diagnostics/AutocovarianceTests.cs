using GpuHbm.Diagnostics;
using GpuHbm.Kernels;
using GpuHbm.Sampling;
using Xunit;

namespace GpuHbm.Tests.Diagnostics;

public class AutocovarianceTests
{
    [Fact]
    public void Hand_computed_biased_autocovariance()
    {
        // x = 1..4: centered −1.5, −0.5, 0.5, 1.5; lag sums 5, 1.25, −1.5, −2.25, each divided by N = 4.
        double[] expected = [1.25, 0.3125, -0.375, -0.5625];
        var fft = Autocovariance.Compute([1, 2, 3, 4]);
        var direct = Autocovariance.ComputeDirect([1, 2, 3, 4]);
        for (int t = 0; t < 4; t++)
        {
            Assert.Equal(expected[t], fft[t], 14);
            Assert.Equal(expected[t], direct[t], 14);
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(25)]
    [InlineData(100)]
    [InlineData(388)]
    [InlineData(1000)]
    [InlineData(1025)]
    public void Fft_agrees_with_direct_summation(int n)
    {
        var x = new double[n];
        Philox.Normals(7, (uint)n, 0, RandomPurpose.Simulation, x);
        // AR(1) with φ = 0.8 so that many lags are far from zero.
        for (int i = 1; i < n; i++) x[i] += 0.8 * x[i - 1];
        var fft = Autocovariance.Compute(x);
        var direct = Autocovariance.ComputeDirect(x);
        for (int t = 0; t < n; t++)
            Assert.True(Math.Abs(fft[t] - direct[t]) <= 1e-9 * direct[0], $"lag {t}: fft {fft[t]:R} direct {direct[t]:R}");
    }

    [Fact]
    public void Chains_transformed_in_pairs_agree_with_direct_summation()
    {
        // Three chains (one unpaired) of which one is constant.
        var chains = new double[3][];
        for (int c = 0; c < 3; c++)
        {
            chains[c] = new double[301];
            Philox.Normals(11, (uint)c, 0, RandomPurpose.Simulation, chains[c]);
            for (int i = 1; i < 301; i++) chains[c][i] += 0.5 * chains[c][i - 1];
        }
        Array.Fill(chains[1], 3.0);
        var many = Autocovariance.ComputeMany(chains);
        for (int c = 0; c < 3; c++)
        {
            var direct = Autocovariance.ComputeDirect(chains[c]);
            for (int t = 0; t < 301; t++)
                Assert.True(Math.Abs(many[c][t] - direct[t]) <= 1e-9 * Math.Max(direct[0], 1e-300) || (direct[0] == 0 && many[c][t] == 0),
                    $"chain {c} lag {t}: {many[c][t]:R} vs {direct[t]:R}");
        }
    }

    [Fact]
    public void Constant_sequence_has_zero_autocovariance()
    {
        Assert.All(Autocovariance.Compute([2, 2, 2, 2, 2]), v => Assert.Equal(0.0, v));
    }
}
