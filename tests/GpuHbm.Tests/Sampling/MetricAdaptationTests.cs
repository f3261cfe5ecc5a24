using GpuHbm.Kernels;
using GpuHbm.Models;
using GpuHbm.Sampling;
using GpuHbm.Sampling.Metrics;
using Xunit;

namespace GpuHbm.Tests.Sampling;

/// <summary>NUTS with nutpie's metrics (<see cref="MetricKind.Diagonal"/>, <see cref="MetricKind.LowRank"/>) on normal targets with known answers.</summary>
public class MetricAdaptationTests(ITestOutputHelper output)
{
    [Fact]
    public void Draw_gradient_metric_is_exact_for_a_100_d_diagonal_normal_and_samples_it()
    {
        // For N(0, diag σ²) the gradient is −x/σ², so var(x)/var(g) = σ⁴ holds draw by draw: the adapted metric is σ²
        // to rounding error, whatever the draws.
        var density = IidNormalDensity.Spread(100);
        var r = new NutsSampler(GpuHbm.Compute.Cpu.CpuChainEnsemble.Factory).Run(density, new SamplerOptions { Chains = 4, Warmup = 1000, Draws = 1000, Seed = 20240601, Metric = MetricKind.Diagonal });
        foreach (var chain in r.Chains)
        {
            var worst = chain.Adaptation.InverseMetric.Select((v, i) => Math.Abs(Math.Log(v / (density.Scales[i] * density.Scales[i])))).Max();
            output.WriteLine($"chain {chain.Chain}: ε = {chain.Adaptation.StepSize:F3}, max |log ratio| {worst:E2}, accept {chain.Statistics.AcceptStat.Average():F3}");
            Assert.True(worst < 1e-8, $"chain {chain.Chain}: metric off by {worst}");
            Assert.Equal(0, chain.Divergences);
            Assert.InRange(chain.Statistics.AcceptStat.Average(), 0.7, 0.95);
        }
        for (int i = 0; i < 100; i += 9)
        {
            double s2 = density.Scales[i] * density.Scales[i];
            var (mean, meanSe) = McCheck.MeanAndSe(r, x => x[i]);
            var (second, secondSe) = McCheck.MeanAndSe(r, x => x[i] * x[i]);
            Assert.True(Math.Abs(mean) < 5 * meanSe, $"coordinate {i}: mean {mean} ± {meanSe}");
            Assert.True(Math.Abs(second - s2) < 5 * secondSe, $"coordinate {i}: E[x²] {second} ± {secondSe}, σ² {s2}");
        }
    }

    [Fact]
    public void Low_rank_metric_captures_a_strong_correlation()
    {
        // ρ = 0.99: the diagonal metric leaves a condition number of 199, so NUTS needs long trajectories; the low-rank
        // metric finds the two eigen-directions (variances 1.99 and 0.01), after which a few steps suffice.
        var density = new CorrelatedNormal2D(0.99);
        var options = new SamplerOptions { Chains = 4, Warmup = 1000, Draws = 2000, Seed = 3 };
        var lowRank = new NutsSampler(GpuHbm.Compute.Cpu.CpuChainEnsemble.Factory).Run(density, options with { Metric = MetricKind.LowRank });
        var diagonal = new NutsSampler(GpuHbm.Compute.Cpu.CpuChainEnsemble.Factory).Run(density, options with { Metric = MetricKind.Diagonal });
        double stepsLowRank = lowRank.Chains.Average(c => c.Statistics.LeapfrogSteps.Average());
        double stepsDiagonal = diagonal.Chains.Average(c => c.Statistics.LeapfrogSteps.Average());
        output.WriteLine($"leapfrog steps per draw: low-rank {stepsLowRank:F1}, diagonal {stepsDiagonal:F1}; ranks {string.Join(",", lowRank.Chains.Select(c => c.Adaptation.MetricRank))}");
        Assert.All(lowRank.Chains, c => Assert.True(c.Adaptation.MetricRank >= 1));
        Assert.True(stepsLowRank < stepsDiagonal / 3, $"low-rank {stepsLowRank} vs diagonal {stepsDiagonal} steps per draw");
        var checks = new (string Name, Func<ReadOnlySpan<double>, double> F, double Expected)[]
        {
            ("E[x]", x => x[0], 0), ("E[y]", x => x[1], 0), ("E[x²]", x => x[0] * x[0], 1), ("E[y²]", x => x[1] * x[1], 1), ("E[xy]", x => x[0] * x[1], 0.99),
        };
        foreach (var (name, f, expected) in checks)
        {
            var (mean, se) = McCheck.MeanAndSe(lowRank, f);
            output.WriteLine($"{name} = {mean:F4} ± {se:F4} (expected {expected})");
            Assert.True(Math.Abs(mean - expected) < 5 * se, $"{name} = {mean} ± {se}, expected {expected}");
        }
        Assert.All(lowRank.Chains, c => Assert.Equal(0, c.Divergences));
    }

    [Fact]
    public void Symmetric_accept_stat_of_a_one_step_trajectory()
    {
        // One leapfrog step (max depth 1, so the tree has one new state): accept_stat a = min(1, e^d) with d = H0 − H1 and
        // the symmetric statistic 2/(1 + e^|d|), which is 2a/(1 + a) whenever a < 1.
        var density = IidNormalDensity.Spread(4);
        var ensemble = new GpuHbm.Compute.Cpu.CpuChainEnsemble(density, [0u], new NutsLayout(1).SlotCount, 5);
        var layout = new NutsLayout(1);
        var nuts = new Nuts(ensemble, layout, maxDepth: 1);
        var state = new NutsState(1);
        ensemble.WriteRow(layout.Position, 0, [1.0, -2.0, 0.5, 3.0]);
        ensemble.Evaluate(layout.Position, layout.Gradient, [true], state.LogDensity);
        var reports = new NutsTransition[1];
        int checkedSteps = 0;
        for (uint t = 0; t < 200; t++)
        {
            nuts.Transition(t, [1.3], [true], state, reports);
            var r = reports[0];
            Assert.True(r.SymmetricAcceptStat <= r.AcceptStat + 1e-15);
            if (r.AcceptStat < 1)
            {
                Assert.Equal(2 * r.AcceptStat / (1 + r.AcceptStat), r.SymmetricAcceptStat, 1e-12);
                checkedSteps++;
            }
        }
        Assert.True(checkedSteps > 20, $"only {checkedSteps} rejections-prone steps");
    }

    [Fact]
    public void Seeds_reproduce_the_draws_with_every_metric()
    {
        var density = IidNormalDensity.Spread(5);
        foreach (var kind in Enum.GetValues<MetricKind>())
        {
            var options = new SamplerOptions { Chains = 2, Warmup = 200, Draws = 50, Seed = 9, Metric = kind };
            var a = new NutsSampler(GpuHbm.Compute.Cpu.CpuChainEnsemble.Factory).Run(density, options);
            var b = new NutsSampler(GpuHbm.Compute.Cpu.CpuChainEnsemble.Factory).Run(density, options with { MaxParallelism = 1 });
            Assert.Equal(a.Chains[1].Draws, b.Chains[1].Draws);
        }
    }

    [Fact]
    public void A_backend_without_low_rank_metrics_refuses_the_low_rank_warmup()
    {
        GpuHbm.Compute.ChainEnsembleFactory diagonalOnly = (density, ids, slots, seed) => new DiagonalOnlyEnsemble(new GpuHbm.Compute.Cpu.CpuChainEnsemble(density, ids, slots, seed));
        var e = Assert.Throws<GpuHbmSamplingException>(() => new NutsSampler(diagonalOnly).Run(IidNormalDensity.Standard(2),
            new SamplerOptions { Chains = 1, Warmup = 50, Draws = 10, Metric = MetricKind.LowRank }));
        Assert.Contains("--metric diag", e.Message);
    }

    private sealed class DiagonalOnlyEnsemble(GpuHbm.Compute.IChainEnsemble inner) : GpuHbm.Compute.IChainEnsemble
    {
        public int Chains => inner.Chains;
        public int Dimension => inner.Dimension;
        public int SlotCount => inner.SlotCount;
        public ulong Seed => inner.Seed;
        public int MaxMetricRank => 0;
        public uint ChainId(int chain) => inner.ChainId(chain);
        public long GradientEvaluations(int chain) => inner.GradientEvaluations(chain);
        public void SetInverseMetric(int chain, ReadOnlySpan<double> m) => inner.SetInverseMetric(chain, m);
        public void SetInverseMetric(int chain, ReadOnlySpan<double> m, ReadOnlySpan<double> u, ReadOnlySpan<double> l) => throw new NotSupportedException();
        public void WriteRow(GpuHbm.Compute.EnsembleSlot slot, int chain, ReadOnlySpan<double> values) => inner.WriteRow(slot, chain, values);
        public void ReadRow(GpuHbm.Compute.EnsembleSlot slot, int chain, Span<double> values) => inner.ReadRow(slot, chain, values);
        public void Evaluate(GpuHbm.Compute.EnsembleSlot q, GpuHbm.Compute.EnsembleSlot g, ReadOnlySpan<bool> active, Span<double> lp) => inner.Evaluate(q, g, active, lp);
        public void Leapfrog(GpuHbm.Compute.EnsembleSlot q, GpuHbm.Compute.EnsembleSlot p, GpuHbm.Compute.EnsembleSlot g, ReadOnlySpan<double> eps, int steps,
            ReadOnlySpan<bool> active, Span<double> lp, Span<double> kinetic) => inner.Leapfrog(q, p, g, eps, steps, active, lp, kinetic);
        public void DrawMomentum(GpuHbm.Compute.EnsembleSlot p, RandomPurpose purpose, uint counter, ReadOnlySpan<bool> active, Span<double> kinetic) =>
            inner.DrawMomentum(p, purpose, counter, active, kinetic);
        public void Copy(GpuHbm.Compute.EnsembleSlot d, GpuHbm.Compute.EnsembleSlot s, ReadOnlySpan<bool> active) => inner.Copy(d, s, active);
        public void Add(GpuHbm.Compute.EnsembleSlot d, GpuHbm.Compute.EnsembleSlot a, GpuHbm.Compute.EnsembleSlot b, ReadOnlySpan<bool> active) => inner.Add(d, a, b, active);
        public void Combine(GpuHbm.Compute.EnsembleSlot d, GpuHbm.Compute.EnsembleSlot a, double alpha, GpuHbm.Compute.EnsembleSlot b, double beta, ReadOnlySpan<bool> active) =>
            inner.Combine(d, a, alpha, b, beta, active);
        public void Combine(GpuHbm.Compute.EnsembleSlot d, GpuHbm.Compute.EnsembleSlot a, ReadOnlySpan<double> alpha, GpuHbm.Compute.EnsembleSlot b,
            ReadOnlySpan<double> beta, ReadOnlySpan<bool> active) => inner.Combine(d, a, alpha, b, beta, active);
        public void Multiply(GpuHbm.Compute.EnsembleSlot d, GpuHbm.Compute.EnsembleSlot a, GpuHbm.Compute.EnsembleSlot b, ReadOnlySpan<bool> active) =>
            inner.Multiply(d, a, b, active);
        public void Divide(GpuHbm.Compute.EnsembleSlot d, GpuHbm.Compute.EnsembleSlot a, GpuHbm.Compute.EnsembleSlot b, ReadOnlySpan<bool> active) =>
            inner.Divide(d, a, b, active);
        public void Broadcast(GpuHbm.Compute.EnsembleSlot d, ReadOnlySpan<double> row, ReadOnlySpan<bool> active) => inner.Broadcast(d, row, active);
        public double CrossChainMoments(GpuHbm.Compute.EnsembleSlot slot, ReadOnlySpan<double> w, ReadOnlySpan<bool> active, Span<double> mean, Span<double> meanOfSquares) =>
            inner.CrossChainMoments(slot, w, active, mean, meanOfSquares);
        public void Dots(ReadOnlySpan<GpuHbm.Compute.SlotPair> pairs, ReadOnlySpan<bool> active, Span<double> results) => inner.Dots(pairs, active, results);
        public void Dispose() => inner.Dispose();
    }
}
