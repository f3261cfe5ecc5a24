using GpuHbm.Compute.Cpu;
using GpuHbm.Sampling;
using GpuHbm.Sampling.Chees;
using Xunit;

namespace GpuHbm.Tests.Sampling;

public class CheesSamplerTests(ITestOutputHelper output)
{
    [Fact]
    public void Halton_sequence_is_the_base_2_radical_inverse_of_i_plus_1()
    {
        Assert.Equal([0.5, 0.25, 0.75, 0.125, 0.625, 0.375, 0.875], Enumerable.Range(0, 7).Select(i => HaltonSequence.At(i)).ToArray());
    }

    [Fact]
    public void Adam_with_beta1_zero_is_TFPs_bias_corrected_RMSProp_step()
    {
        // By hand (β₂ = 0.95, α = 0.025): g = 2: v = 0.2, v̂ = 4, step = 0.025·2/2 = 0.025;
        // g = −1: v = 0.24, v̂ = 0.24/0.0975, step = −0.025/√v̂.
        var adam = new Adam();
        Assert.Equal(0.025, adam.Step(2.0), 1e-15);
        Assert.Equal(-0.015934435979977, adam.Step(-1.0), 1e-14);
        Assert.Equal(0.009626098500912634, adam.Step(0.5), 1e-14);
    }

    [Fact]
    public void Recovers_a_scaled_100_d_normal_with_64_chains_in_one_ensemble()
    {
        var density = IidNormalDensity.Spread(100);
        var options = new SamplerOptions { Chains = 64, Warmup = 500, Draws = 200, Seed = 31 };
        var r = new CheesSampler(CpuChainEnsemble.Factory).Run(density, options);
        var chain0 = r.Chains[0];
        double eps = chain0.Adaptation.StepSize, length = chain0.Adaptation.TrajectoryLength!.Value;
        var accept = r.Chains.SelectMany(c => c.Statistics.AcceptStat).ToArray();
        double harmonic = accept.Length / accept.Sum(a => 1 / Math.Max(a, 1e-300));
        var logRatio = chain0.Adaptation.InverseMetric.Select((v, i) => Math.Log(v / (density.Scales[i] * density.Scales[i]))).ToArray();
        output.WriteLine($"wall {r.WallTime.TotalSeconds:F2}s, ε = {eps:F3}, T = {length:F3}, mean L = {chain0.Statistics.LeapfrogSteps.Average():F1}, " +
            $"harmonic-mean acceptance {harmonic:F3}, metric |log ratio| mean {logRatio.Average(Math.Abs):F3} max {logRatio.Max(Math.Abs):F3}, " +
            $"gradients {r.Chains.Sum(c => c.GradientEvaluations)}");
        Assert.All(r.Chains, c => Assert.Equal(eps, c.Adaptation.StepSize));
        Assert.InRange(harmonic, 0.45, 0.85);
        Assert.InRange(eps, 0.2, 1.5);
        // With M⁻¹ ≈ Σ every coordinate oscillates with period 2π; ChEES settles on a fraction of that.
        Assert.InRange(length, 0.5, 6.3);
        Assert.True(logRatio.Average(Math.Abs) < 0.1, "metric from pooled cross-chain variance");
        Assert.True(logRatio.Max(Math.Abs) < Math.Log(1.3), "metric from pooled cross-chain variance");
        Assert.Equal(0, r.Chains.Sum(c => c.Divergences));

        double worstMean = 0, worstVar = 0;
        for (int i = 0; i < 100; i++)
        {
            double s2 = density.Scales[i] * density.Scales[i];
            var (mean, meanSe) = McCheck.MeanAndSe(r, x => x[i]);
            var (second, varSe) = McCheck.MeanAndSe(r, x => x[i] * x[i]);
            worstMean = Math.Max(worstMean, Math.Abs(mean) / meanSe);
            worstVar = Math.Max(worstVar, Math.Abs(second - s2) / varSe);
            Assert.InRange(meanSe / density.Scales[i], 0.003, 0.05);
        }
        output.WriteLine($"worst |mean|/SE {worstMean:F2}, worst |var − σ²|/SE {worstVar:F2}");
        Assert.True(worstMean < 5);
        Assert.True(worstVar < 5);
    }

    [Fact]
    public void The_auto_warm_up_stops_when_the_superchains_agree_and_sampling_stops_at_the_target_ESS()
    {
        // 100-d normal with variances over 10⁴, 128 chains in 8 superchains, default (L-BFGS + Laplace) starts.
        var density = IidNormalDensity.Spread(100);
        var options = new SamplerOptions { Chains = 128, Warmup = 600, AutoWarmup = true, Superchains = 8, Draws = 400, TargetEss = 2000, Seed = 8 };
        var r = new CheesSampler(CpuChainEnsemble.Factory).Run(density, options);
        var e = r.Ensemble!;
        output.WriteLine(e.Describe());
        Assert.Equal("laplace", e.Initialization.Method);
        Assert.Equal(8, e.Initialization.Starts);
        Assert.True(e.Initialization.GradientEvaluations > 0);
        Assert.True(e.WarmupConverged, e.NotConvergedReason);
        int round = new CheesOptions().RoundLength;
        Assert.InRange(e.WarmupIterations, round, 300);
        Assert.Equal(e.WarmupIterations, r.Chains[0].WarmupIterations);
        Assert.True(e.Checks[^1].NestedRhat < 1.01);
        Assert.Equal(e.WarmupIterations / round, e.Checks.Count);
        // The step size reaches its target: ChEES's statistic over the sampling iterations near 0.651.
        Assert.InRange(e.SamplingHarmonicMeanAcceptance, 0.5, 0.85);
        // The metric is the posterior variance.
        var logRatio = r.Chains[0].Adaptation.InverseMetric.Select((v, i) => Math.Log(v / (density.Scales[i] * density.Scales[i]))).ToArray();
        Assert.True(logRatio.Max(Math.Abs) < Math.Log(1.5), $"metric off by a factor {Math.Exp(logRatio.Max(Math.Abs)):F2}");

        // Sampling stopped once the smallest bulk ESS passed the target, before the cap; recompute it from the draws.
        Assert.True(e.TargetEssReached);
        int kept = r.Chains[0].DrawCount;
        Assert.InRange(kept, 4, 399);
        Assert.Equal(0, kept % 10);
        double smallest = double.PositiveInfinity;
        for (int i = 0; i < 100; i++)
        {
            var chains = r.Chains.Select(c => Enumerable.Range(0, kept).Select(k => c.Draw(k)[i]).ToArray()).ToArray();
            smallest = Math.Min(smallest, GpuHbm.Diagnostics.EffectiveSampleSize.Bulk(chains));
        }
        Assert.True(smallest >= 2000, $"bulk ESS {smallest} at the stop");
        Assert.True(e.EssAtStop <= smallest + 1e-9);   // log π is among the quantities checked
        Assert.False(r.Cancelled);
    }

    [Fact]
    public void A_warm_up_cut_short_is_reported_as_not_converged()
    {
        // Chains started 100 scales away and a cap of one round: the rule cannot be met.
        var density = IidNormalDensity.Spread(20);
        var far = Enumerable.Range(0, 32).Select(c => Enumerable.Range(0, 20).Select(i => (c / 8 % 2 == 0 ? 100 : -100) * density.Scales[i]).ToArray()).ToArray();
        var options = new SamplerOptions
        {
            Chains = 32, Warmup = 50, AutoWarmup = true, Superchains = 4, Draws = 20, Seed = 2, InitialPositions = far,
            Initialization = GpuHbm.Sampling.Initialization.InitializationMethod.Given,
        };
        var e = new CheesSampler(CpuChainEnsemble.Factory).Run(density, options).Ensemble!;
        output.WriteLine(e.Describe());
        Assert.Equal("given", e.Initialization.Method);
        Assert.False(e.WarmupConverged);
        Assert.Equal(50, e.WarmupIterations);
        Assert.Contains("nested R-hat", e.NotConvergedReason);
        Assert.Contains("NOT converged", e.Describe());
    }

    [Fact]
    public void The_trajectory_length_stays_between_one_step_and_the_step_cap()
    {
        // BlackJAX clips T to [ε, ε·maxLeapfrogSteps] after every update: a T below one step would make every transition a
        // single leapfrog step (MALA) while the ChEES gradient, taken at t = u·T, could keep pushing it down.
        var adaptation = new CheesAdaptation(1e-4, initialTrajectoryLength: 1e-9);
        Assert.Equal(1e-4, adaptation.TrajectoryLength, 1e-15);
        for (int t = 0; t < 25; t++) adaptation.Update(0.651, -1.0);
        Assert.True(adaptation.TrajectoryLength >= adaptation.StepSize);
        var capped = new CheesAdaptation(0.1, maxLeapfrogSteps: 10, initialTrajectoryLength: 50);
        Assert.Equal(1.0, capped.TrajectoryLength, 1e-12);
        Assert.Equal(2.2467, CheesAdaptation.StandardNormalOptimum, 1e-4);
        // tan(2T) = 2T at the optimum of 1 − sin(2T)/(2T).
        Assert.Equal(2 * CheesAdaptation.StandardNormalOptimum, Math.Tan(2 * CheesAdaptation.StandardNormalOptimum), 1e-2);
    }

    [Fact]
    public void Chains_started_where_the_scale_is_tiny_all_reach_the_posterior()
    {
        // y ~ N(μ, e^s), n = 180, ȳ = 250, sd 30 (sleepstudy's scale). From Stan's uniform(−2, 2) inits the likelihood is
        // ~10⁷ times too sharp, and how sharp differs by orders of magnitude between chains: the step-size search at the
        // inits spans ~1e-5 … 0.05. With divergent chains left out of the harmonic-mean acceptance, ε followed the
        // chains that could move and the others diverged at every iteration, stuck at their inits.
        var density = new NormalLocationScaleDensity(180, 250, 30);
        var options = new SamplerOptions { Chains = 32, Warmup = 400, Draws = 100, Seed = 20261122 };
        var r = new CheesSampler(CpuChainEnsemble.Factory).Run(density, options);
        double muSd = 30 / Math.Sqrt(180), sSd = 1 / Math.Sqrt(2 * 180.0);
        double worstMu = 0, worstS = 0;
        foreach (var chain in r.Chains)
        {
            var x = r.Draws(chain.Chain);
            double mu = Enumerable.Range(0, chain.DrawCount).Average(k => x[2 * k]);
            double s = Enumerable.Range(0, chain.DrawCount).Average(k => x[2 * k + 1]);
            worstMu = Math.Max(worstMu, Math.Abs(mu - 250) / muSd);
            worstS = Math.Max(worstS, Math.Abs(s - Math.Log(30)) / sSd);
        }
        output.WriteLine($"worst chain mean: μ {worstMu:F2} sd, s {worstS:F2} sd from the posterior mean; divergences {r.Chains.Sum(c => c.Divergences)}");
        Assert.True(worstMu < 1.5 && worstS < 1.5, "a chain did not reach the posterior");
        Assert.Equal(0, r.Chains.Sum(c => c.Statistics.Divergent.Count(d => d)));
    }

    /// <summary>log p(μ, s | y) for y ~ N(μ, e^s) with flat priors, from the sufficient statistics n, ȳ, Σ(y − ȳ)².</summary>
    private sealed class NormalLocationScaleDensity(int n, double mean, double sd) : GpuHbm.Models.IBatchedDensity
    {
        public int Dimension => 2;

        public void Evaluate(ReadOnlySpan<double> positions, Span<double> logDensity, Span<double> gradient, int chains)
        {
            double squares = n * sd * sd;
            for (int c = 0; c < chains; c++)
            {
                double mu = positions[2 * c], s = positions[2 * c + 1], precision = Math.Exp(-2 * s);
                double q = squares + n * (mean - mu) * (mean - mu);
                logDensity[c] = -n * s - 0.5 * q * precision;
                gradient[2 * c] = n * (mean - mu) * precision;
                gradient[2 * c + 1] = -n + q * precision;
                if (!double.IsFinite(logDensity[c]) || !double.IsFinite(gradient[2 * c]) || !double.IsFinite(gradient[2 * c + 1]))
                    logDensity[c] = double.NegativeInfinity;
            }
        }
    }

    [Fact]
    public void Same_seed_gives_identical_draws_and_cancellation_keeps_draws()
    {
        var density = IidNormalDensity.Spread(5);
        var options = new SamplerOptions { Chains = 8, Warmup = 150, Draws = 50, Seed = 4 };
        var a = new CheesSampler(CpuChainEnsemble.Factory).Run(density, options);
        var b = new CheesSampler(CpuChainEnsemble.Factory).Run(density, options);
        var other = new CheesSampler(CpuChainEnsemble.Factory).Run(density, options with { Seed = 5 });
        for (int c = 0; c < 8; c++)
        {
            Assert.Equal(a.Draws(c), b.Draws(c));
            Assert.NotEqual(a.Draws(c), other.Draws(c));
        }

        using var cts = new CancellationTokenSource();
        var progress = new CallbackProgress(p => { if (p.Phase == SamplerPhase.Sampling && p.Iteration >= 150 + 20) cts.Cancel(); });
        var cancelled = new CheesSampler(CpuChainEnsemble.Factory).Run(density, options with { Draws = 100_000, ProgressInterval = 10 }, progress, cts.Token);
        Assert.True(cancelled.Cancelled);
        Assert.All(cancelled.Chains, c => Assert.InRange(c.DrawCount, 20, 99_999));
        Assert.Equal(a.Draws(3).AsSpan(0, 5 * 20).ToArray(), cancelled.Draws(3).AsSpan(0, 5 * 20).ToArray());
    }

    private sealed class CallbackProgress(Action<ChainProgress> action) : IProgress<ChainProgress>
    {
        public void Report(ChainProgress value) => action(value);
    }
}
