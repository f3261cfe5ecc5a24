using GpuHbm.Compute;
using GpuHbm.Kernels;
using GpuHbm.Models;
using ILGPU;
using ILGPU.Runtime;
using Accelerator = GpuHbm.Compute.Accelerator;

namespace GpuHbm.Tests.Compute;

/// <summary>
/// A test target with the same arithmetic on the host and on a device:
/// log π(q) = −½ Σ_d q_d² / s_d² − ½ Σ_n (y_n − q_0)², and −∞ where q_0 &gt; wall (a cliff that
/// stops leapfrog trajectories). The N observations y live on the device, so N is the data size
/// a device density reads without any host traffic.
/// </summary>
internal sealed class GaussianTestTarget : IBatchedDensity
{
    public GaussianTestTarget(double[] scales, double[] observations, double wall = double.PositiveInfinity)
    {
        InverseVariance = scales.Select(s => 1 / (s * s)).ToArray();
        Observations = observations;
        Wall = wall;
    }

    public double[] InverseVariance { get; }
    public double[] Observations { get; }
    public double Wall { get; }
    public int Dimension => InverseVariance.Length;

    /// <summary>Posterior mean and sd of q_0 (the other coordinates have mean 0 and sd s_d).</summary>
    public (double Mean, double Sd) FirstCoordinate()
    {
        double precision = InverseVariance[0] + Observations.Length;
        return (Observations.Sum() / precision, 1 / Math.Sqrt(precision));
    }

    public void Evaluate(ReadOnlySpan<double> positions, Span<double> logDensity, Span<double> gradient, int chains)
    {
        int d = Dimension;
        for (int c = 0; c < chains; c++)
        {
            var q = positions.Slice(c * d, d);
            var g = gradient.Slice(c * d, d);
            double s = 0;
            for (int i = 0; i < d; i++)
            {
                s += q[i] * InverseVariance[i] * q[i];
                g[i] = -(q[i] * InverseVariance[i]);
            }
            double r = 0, gr = 0;
            foreach (double y in Observations)
            {
                double e = y - q[0];
                r += e * e;
                gr += e;
            }
            g[0] += gr;
            double l = -0.5 * s - 0.5 * r;
            if (q[0] > Wall) l = double.NegativeInfinity;
            logDensity[c] = l;
        }
    }

    public IDeviceDensity OnDevice(Accelerator accelerator, int maxChains) => new Device(this, accelerator, maxChains);

    private sealed class Device : IDeviceDensity
    {
        private readonly GaussianTestTarget _target;
        private readonly Action<KernelConfig, GaussianTestKernel.Arguments> _kernel;
        private readonly DeviceBuffer<double> _inverseVariance, _observations;

        public Device(GaussianTestTarget target, Accelerator accelerator, int maxChains)
        {
            _target = target;
            Accelerator = accelerator;
            MaxChains = maxChains;
            _kernel = accelerator.Kernel("Tests.GaussianTestKernel", a => a.LoadStreamKernel<GaussianTestKernel.Arguments>(GaussianTestKernel.Evaluate));
            _inverseVariance = accelerator.Allocate<double>(target.InverseVariance);
            _observations = accelerator.Allocate<double>(target.Observations.Length == 0 ? [0.0] : target.Observations);
        }

        public Accelerator Accelerator { get; }
        public int Dimension => _target.Dimension;
        public int MaxChains { get; }

        public void Evaluate(ArrayView<double> positions, ArrayView<double> gradient, ArrayView<double> logDensity, ArrayView<int> active, int chains)
        {
            var args = new GaussianTestKernel.Arguments
            {
                Chains = chains, Dimension = Dimension, Observations = _target.Observations.Length, Wall = _target.Wall,
                Q = positions, G = gradient, LogDensity = logDensity, Active = active,
                InverseVariance = _inverseVariance.View, Y = _observations.View,
            };
            _kernel(Accelerator.Shape(Accelerator.GroupsFor(chains)), args);
            Accelerator.Launched();
        }

        public void Dispose()
        {
            _inverseVariance.Dispose();
            _observations.Dispose();
        }
    }
}

/// <summary>The device side of <see cref="GaussianTestTarget"/>: a thread per chain (grid-stride), the same arithmetic in the same order.</summary>
internal static class GaussianTestKernel
{
    public struct Arguments
    {
        public int Chains, Dimension, Observations;
        public double Wall;
        public ArrayView<double> Q, G, LogDensity, InverseVariance, Y;
        public ArrayView<int> Active;
    }

    public static void Evaluate(Arguments a)
    {
        long stride = (long)Grid.DimX * Group.DimX;
        for (long id = Grid.GlobalIndex.X; id < a.Chains; id += stride)
        {
            int c = (int)id;
            if (a.Active[c] == 0) continue;
            long b = (long)c * a.Dimension;
            double s = 0;
            for (int i = 0; i < a.Dimension; i++)
            {
                double q = a.Q[b + i];
                s += q * a.InverseVariance[i] * q;
                a.G[b + i] = -(q * a.InverseVariance[i]);
            }
            double r = 0, gr = 0;
            for (int n = 0; n < a.Observations; n++)
            {
                double e = a.Y[n] - a.Q[b];
                r += e * e;
                gr += e;
            }
            a.G[b] = a.G[b] + gr;
            double l = -0.5 * s - 0.5 * r;
            if (a.Q[b] > a.Wall) l = double.NegativeInfinity;
            a.LogDensity[c] = l;
        }
    }
}

/// <summary>An <see cref="IChainEnsemble"/> decorator that counts operations and the O(C) scalars each may move (for the byte bound).</summary>
internal sealed class CountingEnsemble(IChainEnsemble inner) : IChainEnsemble
{
    /// <summary>The per-operation bound of <see cref="DeviceChainEnsemble"/>'s remarks, summed over the calls made.</summary>
    public long BoundBytes { get; private set; }
    public long Operations { get; private set; }
    public long LeapfrogSteps { get; private set; }
    public long RowsRead { get; private set; }

    private int C => inner.Chains;
    private int D => inner.Dimension;
    private void Op(long bytes) { Operations++; BoundBytes += bytes; }

    public int Chains => inner.Chains;
    public int Dimension => inner.Dimension;
    public int SlotCount => inner.SlotCount;
    public ulong Seed => inner.Seed;
    public uint ChainId(int chain) => inner.ChainId(chain);
    public long GradientEvaluations(int chain) { BoundBytes += 8L * C; return inner.GradientEvaluations(chain); }
    public void SetInverseMetric(int chain, ReadOnlySpan<double> m) { Op(8L * D); inner.SetInverseMetric(chain, m); }
    public int MaxMetricRank => inner.MaxMetricRank;
    public void SetInverseMetric(int chain, ReadOnlySpan<double> m, ReadOnlySpan<double> u, ReadOnlySpan<double> l)
    { Op(8L * (D + u.Length + l.Length)); inner.SetInverseMetric(chain, m, u, l); }
    public void WriteRow(EnsembleSlot slot, int chain, ReadOnlySpan<double> values) { Op(8L * D); inner.WriteRow(slot, chain, values); }

    public void ReadRow(EnsembleSlot slot, int chain, Span<double> values)
    {
        // Reading all C rows of a slot costs at most 8CD + 8D: charge 8D per row plus one extra row per slot read.
        RowsRead++;
        Op(8L * D + (chain == 0 ? 8L * D : 0));
        inner.ReadRow(slot, chain, values);
    }

    public void Evaluate(EnsembleSlot position, EnsembleSlot gradient, ReadOnlySpan<bool> active, Span<double> logDensity)
    { Op(12L * C); inner.Evaluate(position, gradient, active, logDensity); }

    public void Leapfrog(EnsembleSlot position, EnsembleSlot momentum, EnsembleSlot gradient, ReadOnlySpan<double> stepSize, int steps,
        ReadOnlySpan<bool> active, Span<double> logDensity, Span<double> kineticEnergy)
    { Op(32L * C); LeapfrogSteps += steps; inner.Leapfrog(position, momentum, gradient, stepSize, steps, active, logDensity, kineticEnergy); }

    public void DrawMomentum(EnsembleSlot momentum, RandomPurpose purpose, uint counter, ReadOnlySpan<bool> active, Span<double> kineticEnergy)
    { Op(12L * C); inner.DrawMomentum(momentum, purpose, counter, active, kineticEnergy); }

    public void Copy(EnsembleSlot destination, EnsembleSlot source, ReadOnlySpan<bool> active) { Op(4L * C); inner.Copy(destination, source, active); }
    public void Add(EnsembleSlot destination, EnsembleSlot a, EnsembleSlot b, ReadOnlySpan<bool> active) { Op(4L * C); inner.Add(destination, a, b, active); }

    public void Combine(EnsembleSlot destination, EnsembleSlot a, double alpha, EnsembleSlot b, double beta, ReadOnlySpan<bool> active)
    { Op(4L * C); inner.Combine(destination, a, alpha, b, beta, active); }

    public void Combine(EnsembleSlot destination, EnsembleSlot a, ReadOnlySpan<double> alpha, EnsembleSlot b, ReadOnlySpan<double> beta,
        ReadOnlySpan<bool> active)
    { Op(4L * C + 16L * C); inner.Combine(destination, a, alpha, b, beta, active); }

    public void Multiply(EnsembleSlot destination, EnsembleSlot a, EnsembleSlot b, ReadOnlySpan<bool> active)
    { Op(4L * C); inner.Multiply(destination, a, b, active); }

    public void Divide(EnsembleSlot destination, EnsembleSlot a, EnsembleSlot b, ReadOnlySpan<bool> active)
    { Op(4L * C); inner.Divide(destination, a, b, active); }

    public void Broadcast(EnsembleSlot destination, ReadOnlySpan<double> row, ReadOnlySpan<bool> active)
    { Op(4L * C + 8L * D); inner.Broadcast(destination, row, active); }

    public double CrossChainMoments(EnsembleSlot slot, ReadOnlySpan<double> weights, ReadOnlySpan<bool> active, Span<double> mean, Span<double> meanOfSquares)
    { Op(12L * C + 8L * (2 * D + 1)); return inner.CrossChainMoments(slot, weights, active, mean, meanOfSquares); }

    public void Dots(ReadOnlySpan<SlotPair> pairs, ReadOnlySpan<bool> active, Span<double> results)
    { Op(4L * C + 8L * pairs.Length * C); inner.Dots(pairs, active, results); }

    public void Dispose() => inner.Dispose();
}

