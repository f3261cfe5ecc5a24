using GpuHbm.Sampling;
using Xunit;

namespace GpuHbm.Tests.Sampling;

public class AdaptationTests
{
    // Stan's window ends (0-based iterations after which the metric is updated), worked out by hand from
    // windowed_adaptation.hpp: for 1000, windows of 25, 50, 100, 200 and 500 (stretched) draws, i.e. metric
    // updates after 100, 150, 250, 450 and 950 iterations.
    [Theory]
    [InlineData(1000, new[] { 75, 100, 150, 250, 450 }, new[] { 99, 149, 249, 449, 949 })]
    [InlineData(2000, new[] { 75, 100, 150, 250, 450, 850 }, new[] { 99, 149, 249, 449, 849, 1949 })]
    [InlineData(500, new[] { 75, 100, 150, 250 }, new[] { 99, 149, 249, 449 })]
    [InlineData(200, new[] { 75 , 100 }, new[] { 99, 149 })]
    [InlineData(150, new[] { 75 }, new[] { 99 })]
    // Below init + window + term = 150: 15% / 75% / 10%, truncated as unsigned ints.
    [InlineData(100, new[] { 15 }, new[] { 89 })]
    [InlineData(149, new[] { 22 }, new[] { 134 })]
    [InlineData(20, new[] { 3 }, new[] { 17 })]
    [InlineData(19, new int[0], new int[0])]
    [InlineData(0, new int[0], new int[0])]
    public void Windowed_schedule_matches_Stan(int warmup, int[] starts, int[] ends)
    {
        var schedule = new WindowedAdaptationSchedule(warmup);
        Assert.Equal(starts, schedule.Windows.Select(w => w.Start).ToArray());
        Assert.Equal(ends, schedule.Windows.Select(w => w.End).ToArray());
        for (int t = 0; t < warmup; t++)
        {
            Assert.Equal(ends.Contains(t), schedule.IsWindowEnd(t));
            bool inWindow = starts.Length > 0 && t >= starts[0] && t <= ends[^1];
            Assert.Equal(inWindow, schedule.InSlowWindow(t));
        }
    }

    [Fact]
    public void Dual_averaging_follows_the_hand_computed_sequence()
    {
        // μ = log(10), δ = 0.8, γ = 0.05, t0 = 10, κ = 0.75; accept stats 0.5, 0.9, 1.3 (clipped to 1), 0.2.
        // By hand: t=1: s̄ = 0.3/11, x = log 10 − s̄/0.05 = 1.757131…; t=3: s̄ = 0 so x = μ exactly.
        var da = new DualAveraging(0.8) { Mu = Math.Log(10) };
        double[] acceptStats = [0.5, 0.9, 1.3, 0.2];
        double[] expectedStep = [5.795782787848097, 6.24125055778261, 10.0, 1.8009231214795232];
        double[] expectedFinal = [5.795782787848097, 6.056674915231589, 7.546858479093265, 4.547368748077359];
        for (int i = 0; i < acceptStats.Length; i++)
        {
            Assert.Equal(expectedStep[i], da.Learn(acceptStats[i]), 1e-12);
            Assert.Equal(expectedFinal[i], da.FinalStepSize, 1e-12);
        }
        da.Restart();
        Assert.Equal(0, da.Count);
        Assert.Equal(5.795782787848097, da.Learn(0.5), 1e-12);
    }

    [Fact]
    public void Welford_matches_the_two_pass_variance()
    {
        var w = new WelfordVariance(2);
        double[][] xs = [[1, 10], [2, 20], [4, 10], [7, 40], [1e8 + 1, 0]];
        foreach (var x in xs) w.Add(x);
        var v = new double[2];
        w.SampleVariance(v);
        for (int j = 0; j < 2; j++)
        {
            double mean = xs.Average(x => x[j]);
            double expected = xs.Sum(x => (x[j] - mean) * (x[j] - mean)) / (xs.Length - 1);
            Assert.Equal(expected, v[j], expected * 1e-12);
            Assert.Equal(mean, w.Mean[j], Math.Abs(mean) * 1e-14);
        }
        w.Restart();
        Assert.Equal(0, w.Count);
    }

    [Fact]
    public void Metric_regularization_is_Stans()
    {
        double[] v = [2.0, 0.5];
        DiagonalMetric.Regularize(v, 100);
        Assert.Equal(100.0 / 105 * 2 + 1e-3 * 5 / 105, v[0], 1e-15);
        Assert.Equal(100.0 / 105 * 0.5 + 1e-3 * 5 / 105, v[1], 1e-15);
    }
}
