using ILGPU;

namespace GpuHbm.Kernels;

/// <summary>
/// The operations of an ensemble of chains on a device (Compute.IChainEnsemble, launched by
/// Compute/DeviceChainEnsemble.cs): masked copies and linear combinations, momentum draws, per-chain dot
/// products, the two halves of a leapfrog step around the density, the finiteness check and the cross-chain
/// moments. A chain whose mask is 0 is neither read nor written. Element-wise kernels use grid-stride loops;
/// per-chain reductions take a group per chain (group-stride) and the fixed tree of <see cref="GroupReduce"/>,
/// so a chain's results depend only on its own rows and the group size. The element arithmetic is the shared
/// <see cref="LeapfrogStep"/> and <see cref="Philox"/>, as in the managed ensemble.
/// </summary>
public static class EnsembleKernels
{
    /// <summary>destination ← source for active chains.</summary>
    [DeviceKernel]
    public static void Copy(EnsembleView e, int destination, int source)
    {
        long n = (long)e.Chains * e.Dimension, stride = (long)Grid.DimX * Group.DimX;
        for (long i = Grid.GlobalIndex.X; i < n; i += stride)
        {
            int c = (int)(i / e.Dimension);
            if (e.Mask[c] == 0) continue;
            long d = i - (long)c * e.Dimension;
            e.Slots[e.Row(destination, c) + d] = e.Slots[e.Row(source, c) + d];
        }
    }

    /// <summary>destination ← α·a + β·b for active chains; destination may be a or b. α = β = 1 gives a + b exactly.</summary>
    [DeviceKernel]
    public static void Combine(EnsembleView e, int destination, int a, double alpha, int b, double beta)
    {
        long n = (long)e.Chains * e.Dimension, stride = (long)Grid.DimX * Group.DimX;
        for (long i = Grid.GlobalIndex.X; i < n; i += stride)
        {
            int c = (int)(i / e.Dimension);
            if (e.Mask[c] == 0) continue;
            long d = i - (long)c * e.Dimension;
            double x = e.Slots[e.Row(a, c) + d], y = e.Slots[e.Row(b, c) + d];
            e.Slots[e.Row(destination, c) + d] = alpha * x + beta * y;
        }
    }

    /// <summary>destination ← α_c·a + β_c·b for active chains, with per-chain coefficients (alpha[c], beta[c]); destination may be a or b.</summary>
    [DeviceKernel]
    public static void CombinePerChain(EnsembleView e, int destination, int a, ArrayView<double> alpha, int b, ArrayView<double> beta)
    {
        long n = (long)e.Chains * e.Dimension, stride = (long)Grid.DimX * Group.DimX;
        for (long i = Grid.GlobalIndex.X; i < n; i += stride)
        {
            int c = (int)(i / e.Dimension);
            if (e.Mask[c] == 0) continue;
            long d = i - (long)c * e.Dimension;
            double x = e.Slots[e.Row(a, c) + d], y = e.Slots[e.Row(b, c) + d];
            e.Slots[e.Row(destination, c) + d] = alpha[c] * x + beta[c] * y;
        }
    }

    /// <summary>destination ← a ∘ b (<paramref name="divide"/> 0) or a ⊘ b (1), elementwise, for active chains; destination may be a or b.</summary>
    [DeviceKernel]
    public static void MultiplyOrDivide(EnsembleView e, int destination, int a, int b, int divide)
    {
        long n = (long)e.Chains * e.Dimension, stride = (long)Grid.DimX * Group.DimX;
        for (long i = Grid.GlobalIndex.X; i < n; i += stride)
        {
            int c = (int)(i / e.Dimension);
            if (e.Mask[c] == 0) continue;
            long d = i - (long)c * e.Dimension;
            double x = e.Slots[e.Row(a, c) + d], y = e.Slots[e.Row(b, c) + d];
            e.Slots[e.Row(destination, c) + d] = divide != 0 ? x / y : x * y;
        }
    }

    /// <summary>destination's row ← <paramref name="row"/> (D values) for active chains; <paramref name="destination"/> −1 writes the inverse metric.</summary>
    [DeviceKernel]
    public static void Broadcast(EnsembleView e, int destination, ArrayView<double> row)
    {
        long n = (long)e.Chains * e.Dimension, stride = (long)Grid.DimX * Group.DimX;
        for (long i = Grid.GlobalIndex.X; i < n; i += stride)
        {
            int c = (int)(i / e.Dimension);
            if (e.Mask[c] == 0) continue;
            long d = i - (long)c * e.Dimension;
            if (destination < 0) e.InverseMetric[i] = row[d];
            else e.Slots[e.Row(destination, c) + d] = row[d];
        }
    }

    /// <summary>
    /// A group per active chain: p_i = z_i / √M⁻¹_i with z = Philox.Normals(seed, ChainIds[c], counter, purpose)
    /// (element 2k and 2k+1 from block k; thread t takes k = t, t + G, …), and output[c] = ½ pᵀM⁻¹p by the fixed tree.
    /// </summary>
    [DeviceKernel]
    public static void Momentum(EnsembleView e, int momentum, ulong seed, uint counter, RandomPurpose purpose, ArrayView<double> output)
    {
        var scratch = GroupReduce.Scratch();
        int t = Group.IdxX, g = Group.DimX, pairs = (e.Dimension + 1) / 2;
        for (int c = Grid.IdxX; c < e.Chains; c += Grid.DimX)
        {
            if (e.Mask[c] == 0) continue;   // uniform over the group
            var p = e.RowView(momentum, c);
            var minv = e.InverseMetric.SubView((long)c * e.Dimension, e.Dimension);
            double acc = 0;
            for (int k = t; k < pairs; k += g)
            {
                Philox.NormalPair(seed, e.ChainIds[c], counter, purpose, (uint)k, out double z0, out double z1);
                int d = 2 * k;
                double p0 = LeapfrogStep.Momentum(z0, minv[d]);
                p[d] = p0;
                acc += LeapfrogStep.KineticTerm(p0, minv[d]);
                if (d + 1 < e.Dimension)
                {
                    double p1 = LeapfrogStep.Momentum(z1, minv[d + 1]);
                    p[d + 1] = p1;
                    acc += LeapfrogStep.KineticTerm(p1, minv[d + 1]);
                }
            }
            double sum = GroupReduce.Sum(scratch, acc);
            if (t == 0) output[c] = 0.5 * sum;
        }
    }

    /// <summary>
    /// A group per (pair, active chain): output[k·C + c] = Σ_i a_i·w_i·b_i with w = M⁻¹ (weighted pairs) or 1;
    /// thread t sums i = t, t + G, … in increasing order, then the fixed tree.
    /// </summary>
    [DeviceKernel]
    public static void Dots(EnsembleView e, SlotPairs pairs, ArrayView<double> output)
    {
        var scratch = GroupReduce.Scratch();
        int t = Group.IdxX, g = Group.DimX;
        long items = (long)pairs.Count * e.Chains;
        for (long item = Grid.IdxX; item < items; item += Grid.DimX)
        {
            int k = (int)(item / e.Chains);
            int c = (int)(item - (long)k * e.Chains);
            if (e.Mask[c] == 0) continue;   // uniform over the group
            pairs.Get(k, out int a, out int b, out int weighted);
            long ra = e.Row(a, c), rb = e.Row(b, c), rm = (long)c * e.Dimension;
            double acc = 0;
            if (weighted != 0)
                for (int i = t; i < e.Dimension; i += g) acc += e.Slots[ra + i] * e.InverseMetric[rm + i] * e.Slots[rb + i];
            else
                for (int i = t; i < e.Dimension; i += g) acc += e.Slots[ra + i] * e.Slots[rb + i];
            double sum = GroupReduce.Sum(scratch, acc);
            if (t == 0) output[item] = sum;
        }
    }

    /// <summary>The first half of a leapfrog step for running chains (Mask): p ← p + (ε/2)·g; q ← q + ε·M⁻¹p.</summary>
    [DeviceKernel]
    public static void LeapfrogBegin(EnsembleView e, int position, int momentum, int gradient, ArrayView<double> stepSize)
    {
        long n = (long)e.Chains * e.Dimension, stride = (long)Grid.DimX * Group.DimX;
        for (long i = Grid.GlobalIndex.X; i < n; i += stride)
        {
            int c = (int)(i / e.Dimension);
            if (e.Mask[c] == 0) continue;
            long d = i - (long)c * e.Dimension;
            double eps = stepSize[c];
            long pi = e.Row(momentum, c) + d, qi = e.Row(position, c) + d;
            double p = LeapfrogStep.Kick(e.Slots[pi], e.Slots[e.Row(gradient, c) + d], 0.5 * eps);
            e.Slots[pi] = p;
            e.Slots[qi] = LeapfrogStep.Drift(e.Slots[qi], p, e.InverseMetric[i], eps);
        }
    }

    /// <summary>
    /// The second half of a leapfrog step for running chains (Mask), after the density wrote the gradient and
    /// <paramref name="logDensity"/>: a group per chain: p ← p + (ε/2)·g; output[C + c] = ½pᵀM⁻¹p (fixed tree);
    /// evaluations[c] += 1; output[c] = log density, or −∞ with Mask[c] ← 0 when it or any gradient component is not
    /// finite, so that later steps skip the chain without a round trip to the host.
    /// </summary>
    [DeviceKernel]
    public static void LeapfrogEnd(EnsembleView e, int momentum, int gradient, ArrayView<double> stepSize, ArrayView<double> logDensity,
        ArrayView<double> output, ArrayView<long> evaluations)
    {
        var scratch = GroupReduce.Scratch();
        int t = Group.IdxX, g = Group.DimX;
        for (int c = Grid.IdxX; c < e.Chains; c += Grid.DimX)
        {
            if (e.Mask[c] == 0) continue;   // uniform over the group
            double half = 0.5 * stepSize[c];
            long rp = e.Row(momentum, c), rg = e.Row(gradient, c), rm = (long)c * e.Dimension;
            double acc = 0, bad = 0;
            for (int i = t; i < e.Dimension; i += g)
            {
                double gi = e.Slots[rg + i];
                double p = LeapfrogStep.Kick(e.Slots[rp + i], gi, half);
                e.Slots[rp + i] = p;
                acc += LeapfrogStep.KineticTerm(p, e.InverseMetric[rm + i]);
                if (!Finite.Is(gi)) bad = 1;
            }
            double twiceKinetic = GroupReduce.Sum(scratch, acc);
            double nonFinite = GroupReduce.Sum(scratch, bad);
            if (t == 0)
            {
                evaluations[c] = evaluations[c] + 1;
                output[e.Chains + c] = 0.5 * twiceKinetic;
                double lp = logDensity[c];
                if (!Finite.Is(lp) || nonFinite != 0.0)
                {
                    lp = double.NegativeInfinity;
                    e.Mask[c] = 0;
                }
                output[c] = lp;
            }
        }
    }

    /// <summary>After a plain density evaluation, per active chain: evaluations[c] += 1; log density −∞ where it or the gradient is not finite.</summary>
    [DeviceKernel]
    public static void CheckFinite(EnsembleView e, int gradient, ArrayView<double> logDensity, ArrayView<long> evaluations)
    {
        long stride = (long)Grid.DimX * Group.DimX;
        for (long id = Grid.GlobalIndex.X; id < e.Chains; id += stride)
        {
            int c = (int)id;
            if (e.Mask[c] == 0) continue;
            evaluations[c] = evaluations[c] + 1;
            bool ok = Finite.Is(logDensity[c]);
            long r = e.Row(gradient, c);
            for (int i = 0; i < e.Dimension && ok; i++) ok = Finite.Is(e.Slots[r + i]);
            if (!ok) logDensity[c] = double.NegativeInfinity;
        }
    }

    /// <summary>
    /// Cross-chain weighted sums of one slot's rows, chains in increasing order: a weight per chain first
    /// (weights[c] for an active chain with a finite positive weight and a finite row, else 0, into
    /// <paramref name="used"/>), then a thread per coordinate i ≤ D: output[i] = Σ_c w_c x_c,i,
    /// output[D + i] = Σ_c (w_c x_c,i)·x_c,i, output[2D] = Σ_c w_c. Launch as one group (the barrier orders the two parts).
    /// </summary>
    [DeviceKernel]
    public static void Moments(EnsembleView e, int slot, ArrayView<double> weights, ArrayView<double> used, ArrayView<double> output)
    {
        int t = Group.IdxX, g = Group.DimX;
        for (int c = t; c < e.Chains; c += g)
        {
            double w = weights[c];
            bool ok = e.Mask[c] != 0 && w > 0.0 && Finite.Is(w);
            long r = e.Row(slot, c);
            for (int i = 0; i < e.Dimension && ok; i++) ok = Finite.Is(e.Slots[r + i]);
            used[c] = ok ? w : 0.0;
        }
        Group.Barrier();
        for (int i = t; i <= e.Dimension; i += g)
        {
            if (i == e.Dimension)
            {
                double total = 0;
                for (int c = 0; c < e.Chains; c++) if (used[c] > 0.0) total += used[c];
                output[2 * e.Dimension] = total;
                continue;
            }
            double s = 0, ss = 0;
            for (int c = 0; c < e.Chains; c++)
            {
                double w = used[c];
                if (!(w > 0.0)) continue;
                double x = e.Slots[e.Row(slot, c) + i];
                double wx = w * x;
                s += wx;
                ss += wx * x;
            }
            output[i] = s;
            output[e.Dimension + i] = ss;
        }
    }
}
