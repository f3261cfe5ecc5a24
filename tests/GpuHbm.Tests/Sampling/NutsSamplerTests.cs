using GpuHbm.Compute.Cpu;
using GpuHbm.Models;
using GpuHbm.Sampling;
using Xunit;

namespace GpuHbm.Tests.Sampling;

public class NutsSamplerTests(ITestOutputHelper output)
{
    [Fact]
    public void Recovers_a_100_d_normal_with_scales_spanning_two_orders_of_magnitude()
    {
        var density = IidNormalDensity.Spread(100);
        var options = new SamplerOptions { Chains = 4, Warmup = 1000, Draws = 1000, Seed = 20240601 };
        var r = new NutsSampler(CpuChainEnsemble.Factory).Run(density, options);
        Assert.False(r.Cancelled);
        int totalDraws = r.TotalDraws;
        long gradients = r.Chains.Sum(c => c.GradientEvaluations);
        output.WriteLine($"wall {r.WallTime.TotalSeconds:F2}s, {totalDraws / r.WallTime.TotalSeconds:F0} draws/s (incl. warm-up), " +
            $"{gradients} gradients, sampling {r.Chains.Average(c => c.SamplingTime.TotalSeconds):F2}s/chain");

        int worstMean = 0, worstVar = 0;
        double worstMeanZ = 0, worstVarZ = 0;
        for (int i = 0; i < 100; i++)
        {
            double s2 = density.Scales[i] * density.Scales[i];
            var (mean, meanSe) = McCheck.MeanAndSe(r, x => x[i]);
            var (secondMoment, varSe) = McCheck.MeanAndSe(r, x => x[i] * x[i]);
            double zMean = Math.Abs(mean) / meanSe, zVar = Math.Abs(secondMoment - s2) / varSe;
            if (zMean > worstMeanZ) (worstMeanZ, worstMean) = (zMean, i);
            if (zVar > worstVarZ) (worstVarZ, worstVar) = (zVar, i);
            // Sanity of the error estimates themselves: a few % of σ for the mean, of σ² for the variance.
            Assert.InRange(meanSe / density.Scales[i], 0.005, 0.06);
            Assert.InRange(varSe / s2, 0.005, 0.08);
        }
        output.WriteLine($"worst |mean|/SE {worstMeanZ:F2} (coord {worstMean}), worst |var − σ²|/SE {worstVarZ:F2} (coord {worstVar})");
        Assert.True(worstMeanZ < 5, $"mean of coordinate {worstMean} is {worstMeanZ:F1} SE from 0");
        Assert.True(worstVarZ < 5, $"variance of coordinate {worstVar} is {worstVarZ:F1} SE from σ²");

        foreach (var chain in r.Chains)
        {
            Assert.Equal(1000, chain.DrawCount);
            Assert.Equal(1000 * 100, chain.Draws.Length);
            Assert.Equal(0, chain.Divergences);
            double accept = chain.Statistics.AcceptStat.Average();
            double eps = chain.Adaptation.StepSize;
            var logRatio = chain.Adaptation.InverseMetric.Select((v, i) => Math.Log(v / (density.Scales[i] * density.Scales[i]))).ToArray();
            double meanAbsLogRatio = logRatio.Average(Math.Abs), maxAbsLogRatio = logRatio.Max(Math.Abs);
            output.WriteLine($"chain {chain.Chain}: ε = {eps:F3}, accept {accept:F3}, depth {chain.Statistics.TreeDepth.Average():F2}, " +
                $"leapfrog {chain.Statistics.LeapfrogSteps.Average():F1}, metric |log ratio| mean {meanAbsLogRatio:F3} max {maxAbsLogRatio:F3}, " +
                $"warm-up divergences {chain.WarmupDivergences}");
            Assert.InRange(accept, 0.7, 0.95);
            // With M⁻¹ ≈ Σ the target is a standard normal in 100-d, for which ε ≈ 0.4–0.7 gives accept ≈ 0.8.
            Assert.InRange(eps, 0.25, 1.0);
            // The metric is the variance of the last window's 500 draws, whose relative error is about
            // √(2/ESS) ≈ 0.1: the typical coordinate is within 20%, the worst of 100 within ~3.5 SE, and there is no bias.
            Assert.True(meanAbsLogRatio < Math.Log(1.2), $"chain {chain.Chain} metric mean |log ratio| {meanAbsLogRatio}");
            Assert.True(maxAbsLogRatio < Math.Log(1.6), $"chain {chain.Chain} metric max |log ratio| {maxAbsLogRatio}");
            Assert.True(Math.Abs(logRatio.Average()) < 0.05, $"chain {chain.Chain} metric mean log ratio {logRatio.Average()}");
            Assert.Equal(chain.Statistics.LogDensity[^1], -0.5 * Enumerable.Range(0, 100).Sum(i => Math.Pow(chain.Draw(999)[i] / density.Scales[i], 2)), 1e-9);
        }
    }

    [Fact]
    public void Recovers_a_correlated_2_d_normal()
    {
        var r = new NutsSampler(CpuChainEnsemble.Factory).Run(new CorrelatedNormal2D(0.9), new SamplerOptions { Chains = 4, Warmup = 500, Draws = 2000, Seed = 5 });
        var checks = new (string Name, Func<ReadOnlySpan<double>, double> F, double Expected)[]
        {
            ("E[x]", x => x[0], 0), ("E[y]", x => x[1], 0),
            ("E[x²]", x => x[0] * x[0], 1), ("E[y²]", x => x[1] * x[1], 1), ("E[xy]", x => x[0] * x[1], 0.9),
        };
        foreach (var (name, f, expected) in checks)
        {
            var (mean, se) = McCheck.MeanAndSe(r, f);
            output.WriteLine($"{name} = {mean:F4} ± {se:F4} (expected {expected})");
            Assert.True(Math.Abs(mean - expected) < 5 * se, $"{name} = {mean} ± {se}, expected {expected}");
            Assert.True(se < 0.05, $"{name} SE {se}");
        }
        Assert.All(r.Chains, c => Assert.Equal(0, c.Divergences));
    }

    [Fact]
    public void Same_seed_gives_bit_identical_draws_whatever_the_parallelism_and_ensemble_size()
    {
        var density = IidNormalDensity.Spread(10);
        var options = new SamplerOptions { Chains = 4, Warmup = 200, Draws = 100, Seed = 99 };
        var one = new NutsSampler(CpuChainEnsemble.Factory).Run(density, options with { MaxParallelism = 1 });
        var two = new NutsSampler(CpuChainEnsemble.Factory).Run(density, options with { MaxParallelism = 2 });
        var lockstep = new NutsSampler(CpuChainEnsemble.Factory, chainsPerEnsemble: 4).Run(density, options);
        var other = new NutsSampler(CpuChainEnsemble.Factory).Run(density, options with { Seed = 100 });
        for (int c = 0; c < 4; c++)
        {
            Assert.Equal(one.Draws(c), two.Draws(c));
            Assert.Equal(one.Draws(c), lockstep.Draws(c));
            Assert.Equal(one.Chains[c].Statistics.Energy, two.Chains[c].Statistics.Energy);
            Assert.Equal(one.Chains[c].Adaptation.InverseMetric, lockstep.Chains[c].Adaptation.InverseMetric);
            Assert.NotEqual(one.Draws(c), other.Draws(c));
        }
        Assert.NotEqual(one.Draws(0), one.Draws(1));
    }

    [Fact]
    public void Cancellation_mid_sampling_returns_the_draws_made_so_far()
    {
        using var cts = new CancellationTokenSource();
        var progress = new SynchronousProgress(p =>
        {
            // Cancel once chain 0 has made at least 50 draws. Whether chain 1 runs beside it or after it
            // depends on the thread pool (2 busy cores), so chain 1 may hold anything from 0 draws up.
            if (p.Chain == 0 && p.Phase == SamplerPhase.Sampling && p.Iteration - 300 >= 50) cts.Cancel();
        });
        var options = new SamplerOptions { Chains = 2, Warmup = 300, Draws = 100_000, Seed = 1, MaxParallelism = 2, ProgressInterval = 10 };
        var r = new NutsSampler(CpuChainEnsemble.Factory).Run(IidNormalDensity.Standard(5), options, progress, cts.Token);
        Assert.True(r.Cancelled);
        Assert.InRange(r.DrawCount(0), 50, 99_999);
        Assert.Equal(300, r.Chains[0].WarmupIterations);
        for (int c = 0; c < 2; c++)
        {
            Assert.InRange(r.DrawCount(c), 0, 99_999);
            Assert.Equal(r.DrawCount(c) * 5, r.Draws(c).Length);
            Assert.Equal(r.DrawCount(c), r.Chains[c].Statistics.Count);
            Assert.All(r.Draws(c), x => Assert.True(double.IsFinite(x)));
        }
        Assert.True(progress.Reports.Count > 0);
    }

    [Fact]
    public void Cancellation_before_start_returns_an_empty_cancelled_result()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var r = new NutsSampler(CpuChainEnsemble.Factory).Run(IidNormalDensity.Standard(3), new SamplerOptions { Chains = 2, Warmup = 100, Draws = 100 }, null, cts.Token);
        Assert.True(r.Cancelled);
        Assert.Equal(0, r.TotalDraws);
    }

    [Fact]
    public void Forced_large_step_on_a_narrow_gaussian_reports_divergences()
    {
        var options = new SamplerOptions { Chains = 1, Warmup = 0, Draws = 50, InitialStepSize = 1.0, Seed = 2 };
        var r = new NutsSampler(CpuChainEnsemble.Factory).Run(new IidNormalDensity([0.01, 0.01]), options);
        Assert.Equal(50, r.Chains[0].Divergences);
        Assert.All(r.Chains[0].Statistics.StepSize, s => Assert.Equal(1.0, s));
    }

    [Fact]
    public void Nowhere_finite_density_fails_initialization_clearly()
    {
        var ex = Assert.Throws<GpuHbmSamplingException>(() =>
            new NutsSampler(CpuChainEnsemble.Factory).Run(new NowhereFiniteDensity(3), new SamplerOptions { Chains = 2, Warmup = 10, Draws = 10 }));
        Assert.Contains("initial", ex.Message);
    }

    [Fact]
    public void Given_initial_positions_thinning_and_progress_are_honoured()
    {
        var progress = new SynchronousProgress(_ => { });
        var options = new SamplerOptions
        {
            Chains = 2, Warmup = 50, Draws = 25, Thin = 4, Seed = 8,
            InitialPositions = [new double[] { 0.1, 0.2 }, new double[] { -0.1, 0.3 }],
        };
        var r = new NutsSampler(CpuChainEnsemble.Factory).Run(IidNormalDensity.Standard(2), options, progress);
        Assert.Equal(7, r.DrawCount(0)); // iterations 0, 4, …, 24
        Assert.Equal(25, r.Chains[1].SamplingIterations);
        Assert.Contains(progress.Reports, p => p.Chain == 1 && p.Iteration == 75 && p.Phase == SamplerPhase.Sampling);
        Assert.Contains(progress.Reports, p => p.Chain == 0 && p.Phase == SamplerPhase.Warmup);
        Assert.Throws<ArgumentException>(() => new NutsSampler(CpuChainEnsemble.Factory).Run(IidNormalDensity.Standard(3), options));
    }

    private sealed class SynchronousProgress(Action<ChainProgress> onReport) : IProgress<ChainProgress>
    {
        public List<ChainProgress> Reports { get; } = [];

        public void Report(ChainProgress value)
        {
            lock (Reports) Reports.Add(value);
            onReport(value);
        }
    }
}
