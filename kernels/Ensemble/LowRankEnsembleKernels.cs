using ILGPU;

namespace GpuHbm.Kernels;

/// <summary>
/// The ensemble operations that involve M⁻¹, for ensembles where some chain has a low-rank metric
/// (<see cref="LowRankMetricView"/>): a thread per active chain (grid-stride), running the shared
/// <see cref="LowRankMetric"/> arithmetic in the order <see cref="InverseMetric"/> runs it on the host. Chains with
/// rank 0 take the same path with their diagonal metric.
/// </summary>
public static class LowRankEnsembleKernels
{
    private static ViewVector Diagonal(EnsembleView e, int c) => new(e.InverseMetric.SubView((long)c * e.Dimension, e.Dimension));

    private static long Stride => (long)Grid.DimX * Group.DimX;

    /// <summary>p = M⁻¹-momentum from Philox normals (as <see cref="EnsembleKernels.Momentum"/>); output[c] = ½ pᵀM⁻¹p.</summary>
    [DeviceKernel]
    public static void Momentum(EnsembleView e, LowRankMetricView m, int momentum, ulong seed, uint counter, RandomPurpose purpose, ArrayView<double> output)
    {
        int n = e.Dimension;
        for (long id = Grid.GlobalIndex.X; id < e.Chains; id += Stride)
        {
            int c = (int)id;
            if (e.Mask[c] == 0) continue;
            var p = new ViewVector(e.RowView(momentum, c));
            for (int k = 0; 2 * k < n; k++)
            {
                Philox.NormalPair(seed, e.ChainIds[c], counter, purpose, (uint)k, out double z0, out double z1);
                p[2 * k] = z0;
                if (2 * k + 1 < n) p[2 * k + 1] = z1;
            }
            int rank = m.Rank[c];
            LowRankMetric.MomentumFromNormals(m.ScaleOf(c, n), m.VectorsOf(c, n), m.ValuesOf(c), rank, n, p, m.CoefficientsOf(c));
            output[c] = 0.5 * LowRankMetric.WeightedDot(Diagonal(e, c), m.ScaleOf(c, n), m.VectorsOf(c, n), m.ValuesOf(c), rank, n, p, p,
                m.ScratchOf(c, n), m.CoefficientsOf(c));
        }
    }

    /// <summary>output[k·C + c] = a·M⁻¹b (weighted pairs) or a·b, per active chain.</summary>
    [DeviceKernel]
    public static void Dots(EnsembleView e, LowRankMetricView m, SlotPairs pairs, ArrayView<double> output)
    {
        int n = e.Dimension;
        for (long id = Grid.GlobalIndex.X; id < e.Chains; id += Stride)
        {
            int c = (int)id;
            if (e.Mask[c] == 0) continue;
            for (int k = 0; k < pairs.Count; k++)
            {
                pairs.Get(k, out int a, out int b, out int weighted);
                var x = new ViewVector(e.RowView(a, c));
                var y = new ViewVector(e.RowView(b, c));
                double s = 0;
                if (weighted != 0)
                    s = LowRankMetric.WeightedDot(Diagonal(e, c), m.ScaleOf(c, n), m.VectorsOf(c, n), m.ValuesOf(c), m.Rank[c], n, x, y,
                        m.ScratchOf(c, n), m.CoefficientsOf(c));
                else
                    for (int i = 0; i < n; i++) s += x[i] * y[i];
                output[(long)k * e.Chains + c] = s;
            }
        }
    }

    /// <summary>The first half of a leapfrog step for running chains (Mask): p ← p + (ε/2)·g; v = M⁻¹p; q ← q + ε·v.</summary>
    [DeviceKernel]
    public static void LeapfrogBegin(EnsembleView e, LowRankMetricView m, int position, int momentum, int gradient, ArrayView<double> stepSize)
    {
        int n = e.Dimension;
        for (long id = Grid.GlobalIndex.X; id < e.Chains; id += Stride)
        {
            int c = (int)id;
            if (e.Mask[c] == 0) continue;
            double eps = stepSize[c], half = 0.5 * eps;
            var q = new ViewVector(e.RowView(position, c));
            var p = new ViewVector(e.RowView(momentum, c));
            var g = new ViewVector(e.RowView(gradient, c));
            for (int i = 0; i < n; i++) p[i] = LeapfrogStep.Kick(p[i], g[i], half);
            var v = m.ScratchOf(c, n);
            LowRankMetric.Multiply(Diagonal(e, c), m.ScaleOf(c, n), m.VectorsOf(c, n), m.ValuesOf(c), m.Rank[c], n, p, v, m.CoefficientsOf(c));
            for (int i = 0; i < n; i++) q[i] = LeapfrogStep.Drift(q[i], v[i], 1.0, eps);
        }
    }

    /// <summary>
    /// The second half for running chains (Mask): p ← p + (ε/2)·g; output[C + c] = ½pᵀM⁻¹p; evaluations[c] += 1;
    /// output[c] = log density, or −∞ with Mask[c] ← 0 when it or any gradient component is not finite.
    /// </summary>
    [DeviceKernel]
    public static void LeapfrogEnd(EnsembleView e, LowRankMetricView m, int momentum, int gradient, ArrayView<double> stepSize,
        ArrayView<double> logDensity, ArrayView<double> output, ArrayView<long> evaluations)
    {
        int n = e.Dimension;
        for (long id = Grid.GlobalIndex.X; id < e.Chains; id += Stride)
        {
            int c = (int)id;
            if (e.Mask[c] == 0) continue;
            double half = 0.5 * stepSize[c];
            var p = new ViewVector(e.RowView(momentum, c));
            var g = new ViewVector(e.RowView(gradient, c));
            bool bad = false;
            for (int i = 0; i < n; i++)
            {
                p[i] = LeapfrogStep.Kick(p[i], g[i], half);
                bad |= !Finite.Is(g[i]);
            }
            output[e.Chains + c] = 0.5 * LowRankMetric.WeightedDot(Diagonal(e, c), m.ScaleOf(c, n), m.VectorsOf(c, n), m.ValuesOf(c), m.Rank[c], n,
                p, p, m.ScratchOf(c, n), m.CoefficientsOf(c));
            evaluations[c] = evaluations[c] + 1;
            double lp = logDensity[c];
            if (!Finite.Is(lp) || bad)
            {
                lp = double.NegativeInfinity;
                e.Mask[c] = 0;
            }
            output[c] = lp;
        }
    }
}
