using GpuHbm.Kernels;
using GpuHbm.Models;

namespace GpuHbm.Compute.Cpu;

/// <summary>
/// <see cref="IChainEnsemble"/> over managed arrays: each slot is one Chains × Dimension array and the
/// density is evaluated by one <see cref="IBatchedDensity.Evaluate"/> call over the active chains
/// (gathered into a contiguous block when some chains are masked off). Not thread-safe: one ensemble
/// belongs to one worker; run several ensembles for parallel chains.
/// </summary>
public sealed class CpuChainEnsemble : IChainEnsemble
{
    private readonly IBatchedDensity _density;
    private readonly double[][] _slots;
    private readonly double[] _inverseMetric;
    private readonly InverseMetric?[] _lowRank;
    private readonly double[] _scratch;
    private readonly uint[] _chainIds;
    private readonly long[] _evaluations;
    private readonly int[] _activeIndex;
    private readonly double[] _logDensity, _gatherLogDensity;
    private double[] _gatherPosition = [], _gatherGradient = [];

    /// <summary>The samplers' default backend: a managed ensemble over the density.</summary>
    public static readonly ChainEnsembleFactory Factory = (density, ids, slots, seed) => new CpuChainEnsemble(density, ids, slots, seed);

    /// <param name="density">The target; its <see cref="IBatchedDensity.Dimension"/> fixes D.</param>
    /// <param name="chainIds">Run-wide chain numbers of the ensemble's chains (their count is C).</param>
    /// <param name="slotCount">Number of vector slots to allocate.</param>
    /// <param name="seed">Philox key.</param>
    public CpuChainEnsemble(IBatchedDensity density, IReadOnlyList<uint> chainIds, int slotCount, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(density);
        ArgumentNullException.ThrowIfNull(chainIds);
        if (chainIds.Count < 1) throw new ArgumentException("An ensemble needs at least one chain.", nameof(chainIds));
        ArgumentOutOfRangeException.ThrowIfLessThan(slotCount, 1);
        _density = density;
        Dimension = density.Dimension;
        if (Dimension < 1) throw new ArgumentException("The density's dimension must be at least 1.", nameof(density));
        Chains = chainIds.Count;
        Seed = seed;
        _chainIds = chainIds.ToArray();
        _slots = new double[slotCount][];
        for (int s = 0; s < slotCount; s++) _slots[s] = new double[Chains * Dimension];
        _inverseMetric = new double[Chains * Dimension];
        Array.Fill(_inverseMetric, 1.0);
        _lowRank = new InverseMetric?[Chains];
        _scratch = new double[Dimension];
        _evaluations = new long[Chains];
        _activeIndex = new int[Chains];
        _logDensity = new double[Chains];
        _gatherLogDensity = new double[Chains];
    }

    public int Chains { get; }
    public int Dimension { get; }
    public int SlotCount => _slots.Length;
    public ulong Seed { get; }

    public uint ChainId(int chain) => _chainIds[chain];

    public long GradientEvaluations(int chain) => _evaluations[chain];

    public void SetInverseMetric(int chain, ReadOnlySpan<double> inverseMetricDiagonal) =>
        SetInverseMetric(chain, inverseMetricDiagonal, default, default);

    /// <summary>Any rank up to D.</summary>
    public int MaxMetricRank => Dimension;

    public void SetInverseMetric(int chain, ReadOnlySpan<double> diagonal, ReadOnlySpan<double> eigenvectors, ReadOnlySpan<double> eigenvalues)
    {
        if (diagonal.Length != Dimension) throw new ArgumentException("Inverse metric length must equal the dimension.");
        InverseMetric.Validate(diagonal, eigenvectors, eigenvalues);
        if (eigenvalues.Length > MaxMetricRank) throw new NotSupportedException($"A metric of rank {eigenvalues.Length} exceeds the dimension {Dimension}.");
        diagonal.CopyTo(Row(_inverseMetric, chain));
        _lowRank[chain] = eigenvalues.Length == 0 ? null : new InverseMetric(diagonal, eigenvectors, eigenvalues);
    }

    public void WriteRow(EnsembleSlot slot, int chain, ReadOnlySpan<double> values) => values.CopyTo(Row(slot, chain));

    public void ReadRow(EnsembleSlot slot, int chain, Span<double> values) => Row(slot, chain).CopyTo(values);

    public void Evaluate(EnsembleSlot position, EnsembleSlot gradient, ReadOnlySpan<bool> active, Span<double> logDensity)
    {
        int n = CollectActive(active);
        if (n == 0) return;
        EvaluateActive(_slots[position.Index], _slots[gradient.Index], n);
        for (int k = 0; k < n; k++) logDensity[_activeIndex[k]] = _logDensity[_activeIndex[k]];
    }

    public void Leapfrog(EnsembleSlot position, EnsembleSlot momentum, EnsembleSlot gradient, ReadOnlySpan<double> stepSize,
        int steps, ReadOnlySpan<bool> active, Span<double> logDensity, Span<double> kineticEnergy)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        double[] q = _slots[position.Index], p = _slots[momentum.Index], g = _slots[gradient.Index];
        Span<bool> running = Chains <= 256 ? stackalloc bool[Chains] : new bool[Chains];
        CheckLength(active);
        active.CopyTo(running);
        for (int step = 0; step < steps; step++)
        {
            int n = CollectActive(running);
            if (n == 0) break;
            for (int k = 0; k < n; k++)
            {
                int c = _activeIndex[k];
                if (_lowRank[c] is { } metric)
                    LeapfrogStep.Begin(Row(q, c), Row(p, c), Row(g, c), metric, stepSize[c], _scratch);
                else
                    LeapfrogStep.Begin(Row(q, c), Row(p, c), Row(g, c), Row(_inverseMetric, c), stepSize[c]);
            }
            EvaluateActive(q, g, n);
            for (int k = 0; k < n; k++)
            {
                int c = _activeIndex[k];
                kineticEnergy[c] = _lowRank[c] is { } metric
                    ? LeapfrogStep.End(Row(p, c), Row(g, c), metric, stepSize[c], _scratch)
                    : LeapfrogStep.End(Row(p, c), Row(g, c), Row(_inverseMetric, c), stepSize[c]);
                logDensity[c] = _logDensity[c];
                if (double.IsNegativeInfinity(_logDensity[c])) running[c] = false;
            }
        }
    }

    public void DrawMomentum(EnsembleSlot momentum, RandomPurpose purpose, uint counter, ReadOnlySpan<bool> active,
        Span<double> kineticEnergy)
    {
        CheckLength(active);
        double[] p = _slots[momentum.Index];
        for (int c = 0; c < Chains; c++)
        {
            if (!active[c]) continue;
            Span<double> row = Row(p, c);
            ReadOnlySpan<double> inverseMetric = Row(_inverseMetric, c);
            Philox.Normals(Seed, _chainIds[c], counter, purpose, row);
            if (_lowRank[c] is { } metric)
            {
                metric.MomentumFromNormals(row);
                kineticEnergy[c] = metric.KineticEnergy(row, _scratch);
                continue;
            }
            for (int i = 0; i < row.Length; i++) row[i] = LeapfrogStep.Momentum(row[i], inverseMetric[i]);
            kineticEnergy[c] = LeapfrogStep.KineticEnergy(row, inverseMetric);
        }
    }

    public void Copy(EnsembleSlot destination, EnsembleSlot source, ReadOnlySpan<bool> active)
    {
        CheckLength(active);
        if (destination == source) return;
        for (int c = 0; c < Chains; c++)
            if (active[c]) Row(source, c).CopyTo(Row(destination, c));
    }

    public void Add(EnsembleSlot destination, EnsembleSlot a, EnsembleSlot b, ReadOnlySpan<bool> active)
    {
        CheckLength(active);
        for (int c = 0; c < Chains; c++)
        {
            if (!active[c]) continue;
            Span<double> d = Row(destination, c);
            ReadOnlySpan<double> x = Row(a, c), y = Row(b, c);
            for (int i = 0; i < d.Length; i++) d[i] = x[i] + y[i];
        }
    }

    public void Combine(EnsembleSlot destination, EnsembleSlot a, double alpha, EnsembleSlot b, double beta, ReadOnlySpan<bool> active)
    {
        CheckLength(active);
        for (int c = 0; c < Chains; c++)
        {
            if (!active[c]) continue;
            Span<double> d = Row(destination, c);
            ReadOnlySpan<double> x = Row(a, c), y = Row(b, c);
            for (int i = 0; i < d.Length; i++) d[i] = alpha * x[i] + beta * y[i];
        }
    }

    public void Combine(EnsembleSlot destination, EnsembleSlot a, ReadOnlySpan<double> alpha, EnsembleSlot b, ReadOnlySpan<double> beta,
        ReadOnlySpan<bool> active)
    {
        CheckLength(active);
        if (alpha.Length != Chains || beta.Length != Chains) throw new ArgumentException($"alpha and beta must have one entry per chain ({Chains}).");
        for (int c = 0; c < Chains; c++)
        {
            if (!active[c]) continue;
            Span<double> d = Row(destination, c);
            ReadOnlySpan<double> x = Row(a, c), y = Row(b, c);
            double al = alpha[c], be = beta[c];
            for (int i = 0; i < d.Length; i++) d[i] = al * x[i] + be * y[i];
        }
    }

    public void Multiply(EnsembleSlot destination, EnsembleSlot a, EnsembleSlot b, ReadOnlySpan<bool> active)
    {
        CheckLength(active);
        for (int c = 0; c < Chains; c++)
        {
            if (!active[c]) continue;
            Span<double> d = Row(destination, c);
            ReadOnlySpan<double> x = Row(a, c), y = Row(b, c);
            for (int i = 0; i < d.Length; i++) d[i] = x[i] * y[i];
        }
    }

    public void Divide(EnsembleSlot destination, EnsembleSlot a, EnsembleSlot b, ReadOnlySpan<bool> active)
    {
        CheckLength(active);
        for (int c = 0; c < Chains; c++)
        {
            if (!active[c]) continue;
            Span<double> d = Row(destination, c);
            ReadOnlySpan<double> x = Row(a, c), y = Row(b, c);
            for (int i = 0; i < d.Length; i++) d[i] = x[i] / y[i];
        }
    }

    public void Broadcast(EnsembleSlot destination, ReadOnlySpan<double> row, ReadOnlySpan<bool> active)
    {
        CheckLength(active);
        if (row.Length != Dimension) throw new ArgumentException("The row must have length D.", nameof(row));
        for (int c = 0; c < Chains; c++)
            if (active[c]) row.CopyTo(Row(destination, c));
    }

    public double CrossChainMoments(EnsembleSlot slot, ReadOnlySpan<double> weights, ReadOnlySpan<bool> active, Span<double> mean,
        Span<double> meanOfSquares)
    {
        CheckLength(active);
        int d = Dimension;
        Span<double> sum = d <= 1024 ? stackalloc double[d] : new double[d];
        Span<double> sumSquares = d <= 1024 ? stackalloc double[d] : new double[d];
        sum.Clear();
        sumSquares.Clear();
        double total = 0;
        for (int c = 0; c < Chains; c++)
        {
            double w = weights[c];
            if (!active[c] || !(w > 0) || !double.IsFinite(w)) continue;
            ReadOnlySpan<double> x = Row(slot, c);
            bool finite = true;
            for (int i = 0; i < d && finite; i++) finite = double.IsFinite(x[i]);
            if (!finite) continue;
            total += w;
            for (int i = 0; i < d; i++)
            {
                double wx = w * x[i];
                sum[i] += wx;
                sumSquares[i] += wx * x[i];
            }
        }
        if (total > 0)
        {
            for (int i = 0; i < d; i++)
            {
                mean[i] = sum[i] / total;
                meanOfSquares[i] = sumSquares[i] / total;
            }
        }
        return total;
    }

    public void Dots(ReadOnlySpan<SlotPair> pairs, ReadOnlySpan<bool> active, Span<double> results)
    {
        CheckLength(active);
        if (results.Length < pairs.Length * Chains) throw new ArgumentException("results must hold pairs × chains values.");
        for (int c = 0; c < Chains; c++)
        {
            if (!active[c]) continue;
            ReadOnlySpan<double> w = Row(_inverseMetric, c);
            for (int k = 0; k < pairs.Length; k++)
            {
                ReadOnlySpan<double> x = Row(pairs[k].A, c), y = Row(pairs[k].B, c);
                double s = 0;
                if (pairs[k].Weight == DotWeight.InverseMetric && _lowRank[c] is { } metric)
                    s = metric.WeightedDot(x, y, _scratch);
                else if (pairs[k].Weight == DotWeight.InverseMetric)
                    for (int i = 0; i < x.Length; i++) s += x[i] * w[i] * y[i];
                else
                    for (int i = 0; i < x.Length; i++) s += x[i] * y[i];
                results[k * Chains + c] = s;
            }
        }
    }

    public void Dispose() { }

    private Span<double> Row(EnsembleSlot slot, int chain) => Row(_slots[slot.Index], chain);

    private Span<double> Row(double[] array, int chain) => array.AsSpan(chain * Dimension, Dimension);

    private void CheckLength(ReadOnlySpan<bool> active)
    {
        if (active.Length != Chains) throw new ArgumentException($"The mask must have one flag per chain ({Chains}).");
    }

    /// <summary>Fills _activeIndex with the active chains in increasing order; returns their count.</summary>
    private int CollectActive(ReadOnlySpan<bool> active)
    {
        CheckLength(active);
        int n = 0;
        for (int c = 0; c < Chains; c++)
            if (active[c]) _activeIndex[n++] = c;
        return n;
    }

    /// <summary>Evaluates the first <paramref name="n"/> chains of _activeIndex into _logDensity (−∞ where not finite).</summary>
    private void EvaluateActive(double[] position, double[] gradient, int n)
    {
        int d = Dimension;
        if (n == Chains)
        {
            _density.Evaluate(position, _logDensity, gradient, Chains);
        }
        else
        {
            if (_gatherPosition.Length < n * d)
            {
                _gatherPosition = new double[Chains * d];
                _gatherGradient = new double[Chains * d];
            }
            Span<double> gatheredLogDensity = _gatherLogDensity.AsSpan(0, n);
            for (int k = 0; k < n; k++)
                position.AsSpan(_activeIndex[k] * d, d).CopyTo(_gatherPosition.AsSpan(k * d, d));
            _density.Evaluate(_gatherPosition.AsSpan(0, n * d), gatheredLogDensity, _gatherGradient.AsSpan(0, n * d), n);
            for (int k = 0; k < n; k++)
            {
                int c = _activeIndex[k];
                _gatherGradient.AsSpan(k * d, d).CopyTo(gradient.AsSpan(c * d, d));
                _logDensity[c] = gatheredLogDensity[k];
            }
        }
        for (int k = 0; k < n; k++)
        {
            int c = _activeIndex[k];
            _evaluations[c]++;
            if (!Finite.All(_logDensity[c], gradient.AsSpan(c * d, d)))
                _logDensity[c] = double.NegativeInfinity;
        }
    }
}
