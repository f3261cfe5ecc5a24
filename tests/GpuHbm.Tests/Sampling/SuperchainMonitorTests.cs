using GpuHbm.Compute;
using GpuHbm.Compute.Cpu;
using GpuHbm.Diagnostics;
using GpuHbm.Sampling.Chees;
using Xunit;

namespace GpuHbm.Tests.Sampling;

/// <summary>
/// The warm-up's convergence statistics: nested R-hat from running sums kept on the ensemble must equal nested R-hat
/// computed from the draws themselves (the posterior package's rhat_nested formula, <see cref="NestedRhat.Compute"/>), and
/// the moving averages of the metric follow TFP's SNAPER update.
/// </summary>
public class SuperchainMonitorTests
{
    [Fact]
    public void Nested_rhat_from_running_sums_equals_nested_rhat_from_the_draws()
    {
        const int chains = 12, superchains = 3, d = 4, n = 9;
        var rng = new Random(7);
        // Superchain k shifted by k·0.4 in coordinate 1 only; chains differ; log densities random.
        var draws = new double[chains][][];   // [chain][iteration][coordinate]
        var lp = new double[chains][];
        for (int c = 0; c < chains; c++)
        {
            draws[c] = new double[n][];
            lp[c] = new double[n];
            for (int t = 0; t < n; t++)
            {
                draws[c][t] = Enumerable.Range(0, d).Select(i => rng.NextDouble() + (i == 1 ? 0.4 * (c / 4) : 0) + 0.05 * c).ToArray();
                lp[c][t] = -10 * rng.NextDouble();
            }
        }
        using var e = new CpuChainEnsemble(IidNormalDensity.Standard(d), Enumerable.Range(0, chains).Select(c => (uint)c).ToArray(), 4, 1);
        var monitor = new SuperchainMonitor(e, new(0), new(1), new(2), new(3), superchains);
        monitor.Reset();
        for (int t = 0; t < n; t++)
        {
            for (int c = 0; c < chains; c++) e.WriteRow(new EnsembleSlot(0), c, draws[c][t]);
            monitor.Add(Enumerable.Range(0, chains).Select(c => lp[c][t]).ToArray(), 0.5 + 0.01 * t);
        }
        var (rhat, worst) = monitor.Check();

        double expected = NestedRhat.Compute(lp, superchains);
        int expectedWorst = -1;
        for (int i = 0; i < d; i++)
        {
            double r = NestedRhat.Compute(draws.Select(ch => ch.Select(x => x[i]).ToArray()).ToArray(), superchains);
            if (r > expected) { expected = r; expectedWorst = i; }
        }
        Assert.Equal(expected, rhat, 1e-12);
        Assert.Equal(expectedWorst, worst);
        Assert.Equal(1, worst);   // the shifted coordinate
        Assert.Equal(0.54, monitor.MeanAcceptance, 1e-12);
    }

    [Fact]
    public void Nested_rhat_from_chain_moments_matches_the_draws_formula()
    {
        var rng = new Random(3);
        var chains = Enumerable.Range(0, 8).Select(c => Enumerable.Range(0, 5).Select(_ => rng.NextDouble() + c % 3).ToArray()).ToArray();
        var means = chains.Select(ch => SampleStatistics.Mean(ch)).ToArray();
        var variances = chains.Select(ch => SampleStatistics.Variance(ch)).ToArray();
        Assert.Equal(NestedRhat.Compute(chains, 4), NestedRhat.FromChainMoments(means, variances, 4), 1e-14);
        Assert.Equal(NestedRhat.Compute(chains, 2), NestedRhat.FromChainMoments(means, variances, 2), 1e-14);
    }

    [Fact]
    public void Moving_averages_follow_the_SNAPER_update_with_the_point_count_clamped_to_t_over_8()
    {
        // One coordinate, cross-chain means mₜ and variances vₜ given; n starts at 1 and grows to min(n + 1, max(1, ⌊t/8⌋)):
        // w = 1/(n + 1); mean += w·δ; var += w·(v − var + (1 − w)·δ²).
        var ema = new CrossChainVariance(1);
        double[] m = [1, 3, 2, 5, 4, 4, 6, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
        double[] v = [1, 2, 1, 3, 2, 1, 2, 3, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2];
        double mean = m[0], variance = v[0];
        int points = 1;
        ema.Add([m[0]], [v[0] + m[0] * m[0]], [0.0], [1.0], 0);
        for (int t = 1; t < m.Length; t++)
        {
            ema.Add([m[t]], [v[t] + m[t] * m[t]], [0.0], [1.0], t);
            double w = 1.0 / (points + 1), delta = m[t] - mean;
            mean += w * delta;
            variance += w * (v[t] - variance + (1 - w) * delta * delta);
            points = Math.Min(points + 1, Math.Max(1, t / 8));
            Assert.Equal(points, ema.Points);
        }
        // Stan's regularisation with n = 10⁹ is negligible.
        Assert.Equal(variance, ema.Estimate(1_000_000_000, [1.0])[0], 1e-6);
    }
}
