using GpuHbm.Compute;
using GpuHbm.Compute.Cpu;
using GpuHbm.Sampling.Chees;
using Xunit;

namespace GpuHbm.Tests.Sampling;

/// <summary>
/// The stuck-chain part of ChEES's warm-up check (<see cref="WarmupRule"/>) by itself: 256 chains in 16 superchains of 16,
/// 50 iterations; every chain draws independent N(0, 1) positions except one, which sits at 2.5 in every coordinate (a
/// chain that rejects every proposal), as chain 961 of radon's 1,024 did (notes of issue 8). Its disagreement lands in its
/// superchain's within variance, so nested R-hat (computed by <see cref="SuperchainMonitor"/> from the ensemble) stays
/// below 1.01 and the other conditions pass; only the chain's own acceptance flags it.
/// </summary>
public class WarmupRuleTests
{
    private const int Chains = 256, Superchains = 16, Dimension = 3, Round = 50, StuckChain = 137;

    private static (double NestedRhat, int Worst, int Count) NestedRhatWithOneStuckChain()
    {
        var rng = new Random(20261130);
        using var e = new CpuChainEnsemble(IidNormalDensity.Standard(Dimension), Enumerable.Range(0, Chains).Select(c => (uint)c).ToArray(), 4, 1);
        var monitor = new SuperchainMonitor(e, new(0), new(1), new(2), new(3), Superchains);
        monitor.Reset();
        var lp = new double[Chains];
        var x = new double[Dimension];
        for (int t = 0; t < Round; t++)
        {
            for (int c = 0; c < Chains; c++)
            {
                for (int i = 0; i < Dimension; i++) x[i] = c == StuckChain ? 2.5 : Normal(rng);
                e.WriteRow(new EnsembleSlot(0), c, x);
                lp[c] = -0.5 * x.Sum(v => v * v);
            }
            monitor.Add(lp, 0.65);
        }
        var (rhat, worst) = monitor.Check();
        return (rhat, worst, monitor.Count);
    }

    private static double Normal(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    private static double[] AcceptanceSums(double stuckMean)
    {
        var sums = Enumerable.Repeat(0.65 * Round, Chains).ToArray();
        sums[StuckChain] = stuckMean * Round;
        return sums;
    }

    [Fact]
    public void A_stuck_chain_fails_the_check_that_nested_rhat_alone_passes_and_is_named()
    {
        var options = new CheesOptions();
        var (rhat, worst, count) = NestedRhatWithOneStuckChain();
        Assert.True(rhat < options.NestedRhatThreshold, $"the construction must pass nested R-hat alone: {rhat}");

        // Without the stuck-chain condition the check passes (nested R-hat, metric and step size all fine) ...
        Assert.Null(WarmupRule.Verdict(options with { StuckChainAcceptance = 0 }, rhat, worst, 0.05, 0.65, count, AcceptanceSums(0.02), Round));
        // ... and a healthy ensemble passes with it.
        Assert.Null(WarmupRule.Verdict(options, rhat, worst, 0.05, 0.65, count, AcceptanceSums(0.65), Round));

        // With it, the chain whose acceptance averaged 0.02 < 0.1 makes the verdict "not converged", naming the chain (1-based).
        var verdict = WarmupRule.Verdict(options, rhat, worst, 0.05, 0.65, count, AcceptanceSums(0.02), Round);
        Assert.NotNull(verdict);
        Assert.Contains($"chain {StuckChain + 1} is stuck", verdict);
        Assert.Contains("mean acceptance 0.020 over the last 50 iterations, below 0.1", verdict);

        // At the threshold the chain counts as moving.
        Assert.Null(WarmupRule.Verdict(options, rhat, worst, 0.05, 0.65, count, AcceptanceSums(options.StuckChainAcceptance), Round));
    }

    [Fact]
    public void The_other_conditions_are_reported_before_a_stuck_chain()
    {
        var options = new CheesOptions();
        var stuck = AcceptanceSums(0.0);
        Assert.StartsWith("nested R-hat 1.0500 (theta[2])", WarmupRule.Verdict(options, 1.05, 2, 0.05, 0.65, Round, stuck, Round));
        Assert.StartsWith("the metric is still changing", WarmupRule.Verdict(options, 1.001, 2, Math.Log(2), 0.65, Round, stuck, Round));
        Assert.StartsWith("the harmonic-mean acceptance 0.30", WarmupRule.Verdict(options, 1.001, 2, 0.05, 0.30, Round, stuck, Round));
    }
}
