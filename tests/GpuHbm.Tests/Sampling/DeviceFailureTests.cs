using GpuHbm.Compute;
using GpuHbm.Compute.Cpu;
using GpuHbm.Kernels;
using GpuHbm.Sampling;
using Xunit;

namespace GpuHbm.Tests.Sampling;

/// <summary>A device that fails in the middle of sampling: the run stops and the draws made before are kept.</summary>
public class DeviceFailureTests
{
    [Fact]
    public void Nuts_keeps_the_draws_made_before_a_device_failure()
    {
        var density = new IidNormalDensity([1.0, 2.0, 0.5]);
        int leapfrogCalls = 0;
        const int failAt = 4000; // after warm-up (200 iterations of a few steps each), long before 100,000 draws end
        ChainEnsembleFactory factory = (d, ids, slots, seed) =>
            new FailingEnsemble(new CpuChainEnsemble(d, ids, slots, seed), () => ++leapfrogCalls == failAt);
        var result = new NutsSampler(factory).Run(density, new SamplerOptions { Chains = 1, Warmup = 200, Draws = 100_000, Seed = 9 });

        Assert.NotNull(result.Failure);
        Assert.IsType<DeviceException>(result.Failure);
        Assert.True(result.Cancelled);
        int n = result.DrawCount(0);
        Assert.InRange(n, 1, 99_999);
        Assert.Equal(n * 3, result.Draws(0).Length);
        Assert.Equal(n, result.Chains[0].Statistics.Count);
    }

    [Fact]
    public void Chees_keeps_the_draws_made_before_a_device_failure()
    {
        var density = new IidNormalDensity([1.0, 2.0, 0.5]);
        int leapfrogCalls = 0;
        const int failAt = 2000; // ChEES calls Leapfrog once per iteration: after 200 warm-up iterations, long before the end
        ChainEnsembleFactory factory = (d, ids, slots, seed) =>
            new FailingEnsemble(new CpuChainEnsemble(d, ids, slots, seed), () => ++leapfrogCalls == failAt);
        var result = new GpuHbm.Sampling.Chees.CheesSampler(factory)
            .Run(density, new SamplerOptions { Chains = 8, Warmup = 200, Draws = 100_000, Seed = 9 });

        Assert.IsType<DeviceException>(result.Failure);
        Assert.True(result.Cancelled);
        int n = result.DrawCount(0);
        Assert.InRange(n, 1, 99_999);
        Assert.All(result.Chains, c => Assert.Equal(n, c.DrawCount));
    }

    /// <summary>Forwards to a real ensemble and throws like a lost device when <c>fail()</c> says so.</summary>
    private sealed class FailingEnsemble(IChainEnsemble inner, Func<bool> fail) : IChainEnsemble
    {
        public int Chains => inner.Chains;
        public int Dimension => inner.Dimension;
        public int SlotCount => inner.SlotCount;
        public ulong Seed => inner.Seed;
        public uint ChainId(int chain) => inner.ChainId(chain);
        public long GradientEvaluations(int chain) => inner.GradientEvaluations(chain);
        public void SetInverseMetric(int chain, ReadOnlySpan<double> m) => inner.SetInverseMetric(chain, m);
        public int MaxMetricRank => inner.MaxMetricRank;
        public void SetInverseMetric(int chain, ReadOnlySpan<double> m, ReadOnlySpan<double> u, ReadOnlySpan<double> l) =>
            inner.SetInverseMetric(chain, m, u, l);
        public void WriteRow(EnsembleSlot slot, int chain, ReadOnlySpan<double> values) => inner.WriteRow(slot, chain, values);
        public void ReadRow(EnsembleSlot slot, int chain, Span<double> values) => inner.ReadRow(slot, chain, values);
        public void Evaluate(EnsembleSlot q, EnsembleSlot g, ReadOnlySpan<bool> active, Span<double> lp) => inner.Evaluate(q, g, active, lp);

        public void Leapfrog(EnsembleSlot q, EnsembleSlot p, EnsembleSlot g, ReadOnlySpan<double> eps, int steps, ReadOnlySpan<bool> active,
            Span<double> lp, Span<double> kinetic)
        {
            if (fail()) throw new DeviceException("the device was lost (CUDA_ERROR_LAUNCH_FAILED)", "CUDA_ERROR_LAUNCH_FAILED");
            inner.Leapfrog(q, p, g, eps, steps, active, lp, kinetic);
        }

        public void DrawMomentum(EnsembleSlot p, RandomPurpose purpose, uint counter, ReadOnlySpan<bool> active, Span<double> kinetic) =>
            inner.DrawMomentum(p, purpose, counter, active, kinetic);
        public void Copy(EnsembleSlot d, EnsembleSlot s, ReadOnlySpan<bool> active) => inner.Copy(d, s, active);
        public void Add(EnsembleSlot d, EnsembleSlot a, EnsembleSlot b, ReadOnlySpan<bool> active) => inner.Add(d, a, b, active);
        public void Combine(EnsembleSlot d, EnsembleSlot a, double alpha, EnsembleSlot b, double beta, ReadOnlySpan<bool> active) =>
            inner.Combine(d, a, alpha, b, beta, active);
        public void Combine(EnsembleSlot d, EnsembleSlot a, ReadOnlySpan<double> alpha, EnsembleSlot b, ReadOnlySpan<double> beta,
            ReadOnlySpan<bool> active) => inner.Combine(d, a, alpha, b, beta, active);
        public void Multiply(EnsembleSlot d, EnsembleSlot a, EnsembleSlot b, ReadOnlySpan<bool> active) => inner.Multiply(d, a, b, active);
        public void Divide(EnsembleSlot d, EnsembleSlot a, EnsembleSlot b, ReadOnlySpan<bool> active) => inner.Divide(d, a, b, active);
        public void Broadcast(EnsembleSlot d, ReadOnlySpan<double> row, ReadOnlySpan<bool> active) => inner.Broadcast(d, row, active);
        public double CrossChainMoments(EnsembleSlot s, ReadOnlySpan<double> w, ReadOnlySpan<bool> active, Span<double> mean, Span<double> sq) =>
            inner.CrossChainMoments(s, w, active, mean, sq);
        public void Dots(ReadOnlySpan<SlotPair> pairs, ReadOnlySpan<bool> active, Span<double> results) => inner.Dots(pairs, active, results);
        public void Dispose() => inner.Dispose();
    }
}
