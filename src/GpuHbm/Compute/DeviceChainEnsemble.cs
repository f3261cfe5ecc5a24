using GpuHbm.Kernels;
using ILGPU;

namespace GpuHbm.Compute;

/// <summary>
/// <see cref="IChainEnsemble"/> on an <see cref="Accelerator"/>: all vector slots in one device buffer (slot s,
/// chain c at (s·C + c)·D), the per-chain inverse metric on the device, and every operation an ILGPU kernel
/// (<see cref="EnsembleKernels"/>) over an <see cref="IDeviceDensity"/>. Positions, momenta and gradients stay on
/// the device through whole trajectories; the host sends an Int32 mask and per-chain scalars and reads back
/// O(Chains) scalars per operation, plus the rows it asks for.
/// </summary>
/// <remarks>
/// <para>Host ↔ device traffic per operation (C chains, D dimensions, k dot pairs; the mask and step sizes are only
/// re-sent when they differ from the previous upload):</para>
/// <list type="bullet">
/// <item>Copy, Add, Combine, Multiply, Divide: ≤ 4C (mask); Combine with per-chain coefficients: ≤ 4C + 16C. Broadcast: ≤ 4C + 8D.</item>
/// <item>Evaluate: ≤ 4C + 8C. DrawMomentum: ≤ 4C + 8C. Dots: ≤ 4C + 8kC.</item>
/// <item>Leapfrog (any number of steps): ≤ 4C (mask) + 4C (running flags) + 8C (step sizes) + 16C (log density and
/// kinetic energy read once at the end) — nothing per step: a chain whose log density becomes −∞ is switched off by
/// the leapfrog kernel on the device.</item>
/// <item>CrossChainMoments: ≤ 4C + 8C + 8(2D + 1).</item>
/// <item>ReadRow: 8D; the second consecutive ReadRow of one slot with no write in between downloads the whole slot
/// (8CD) and serves the remaining rows from that copy, so reading all C rows costs 8CD + 8D. WriteRow and
/// SetInverseMetric: 8D. GradientEvaluations: 8C when an evaluation happened since the last read.</item>
/// </list>
/// <para>Determinism: all kernels are per chain with fixed-order reductions, so a chain's results do not depend on
/// which other chains are active and are bit-identical from run to run on one device (given a deterministic
/// density). Against <see cref="Cpu.CpuChainEnsemble"/> the copies, adds, combines, momenta and leapfrog
/// position/momentum updates are bit-identical where the device's arithmetic is IEEE (the same shared
/// <see cref="LeapfrogStep"/> and <see cref="Philox"/> code; CUDA may fuse multiply-adds); the kinetic energies and
/// dots differ by reduction order (≈1e-15 relative).</para>
/// <para>Not thread-safe: one ensemble belongs to one sampler. The density is not owned (not disposed here).</para>
/// </remarks>
public sealed partial class DeviceChainEnsemble : IChainEnsemble
{
    private readonly IDeviceDensity _density;
    private readonly Accelerator _accelerator;
    private readonly Launchers _kernels;
    private readonly DeviceBuffer<double> _slots, _inverseMetric, _stepSize, _logDensity, _scalars, _weights, _usedWeights, _moments, _row, _dotOutput;
    private readonly DeviceBuffer<int> _mask, _running;
    private readonly DeviceBuffer<uint> _chainIdBuffer;
    private readonly DeviceBuffer<long> _evaluations;
    private readonly uint[] _chainIds;
    private readonly long[] _evaluationsHost;
    private bool _evaluationsDirty;
    private readonly int[] _maskHost, _maskScratch;
    private bool _maskValid;
    private readonly double[] _stepSizeHost;
    private bool _stepSizeValid;
    private readonly double[] _scalarsHost, _momentsHost, _dotHost;
    private int _lastReadSlot = -1, _cachedSlot = -1;
    private double[]? _slotCache;
    private bool _disposed;

    /// <param name="density">The target on the device; its accelerator runs the ensemble and its dimension fixes D.</param>
    /// <param name="chainIds">Run-wide chain numbers (their count is C, at most <see cref="IDeviceDensity.MaxChains"/>).</param>
    /// <param name="slotCount">Number of vector slots to allocate.</param>
    /// <param name="seed">Philox key.</param>
    /// <exception cref="DeviceException">The device lacks memory for C × D × (slots + 1) doubles; the message says how much was needed.</exception>
    public DeviceChainEnsemble(IDeviceDensity density, IReadOnlyList<uint> chainIds, int slotCount, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(density);
        ArgumentNullException.ThrowIfNull(chainIds);
        if (chainIds.Count < 1) throw new ArgumentException("An ensemble needs at least one chain.", nameof(chainIds));
        ArgumentOutOfRangeException.ThrowIfLessThan(slotCount, 1);
        if (chainIds.Count > density.MaxChains)
            throw new ArgumentException($"The device density was created for at most {density.MaxChains} chains, not {chainIds.Count}.", nameof(chainIds));
        _density = density;
        _accelerator = density.Accelerator;
        Dimension = density.Dimension;
        if (Dimension < 1) throw new ArgumentException("The density's dimension must be at least 1.", nameof(density));
        Chains = chainIds.Count;
        SlotCount = slotCount;
        Seed = seed;
        _chainIds = chainIds.ToArray();
        int c = Chains, d = Dimension;

        long needed = RequiredBytes(c, d, slotCount);
        if (needed > _accelerator.Device.GlobalMemoryBytes)
            throw OutOfMemory(needed, slotCount, null);

        _evaluationsHost = new long[c];
        _maskHost = new int[c];
        _maskScratch = new int[c];
        _stepSizeHost = new double[c];
        _scalarsHost = new double[2 * c];
        _momentsHost = new double[2 * d + 1];
        _dotHost = new double[SlotPairs.Capacity * c];
        _kernels = new Launchers(_accelerator);
        var allocated = new List<IDisposable>();
        DeviceBuffer<T> Track<T>(DeviceBuffer<T> buffer) where T : unmanaged { allocated.Add(buffer); return buffer; }
        try
        {
            _slots = Track(_accelerator.Allocate<double>((long)slotCount * c * d));
            _inverseMetric = Track(_accelerator.Allocate<double>((long)c * d));
            _stepSize = Track(_accelerator.Allocate<double>(c));
            _logDensity = Track(_accelerator.Allocate<double>(c));
            _scalars = Track(_accelerator.Allocate<double>(2L * c));
            _weights = Track(_accelerator.Allocate<double>(c));
            _usedWeights = Track(_accelerator.Allocate<double>(c));
            _moments = Track(_accelerator.Allocate<double>(2L * d + 1));
            _row = Track(_accelerator.Allocate<double>(d));
            _dotOutput = Track(_accelerator.Allocate<double>((long)SlotPairs.Capacity * c));
            _mask = Track(_accelerator.Allocate<int>(c));
            _running = Track(_accelerator.Allocate<int>(c));
            _chainIdBuffer = Track(_accelerator.Allocate<uint>(_chainIds));
            _evaluations = Track(_accelerator.Allocate<long>(new long[c]));

            // Slots start at zero, the inverse metric at one (filled on the device: no C × D upload).
            var all = new bool[c];
            Array.Fill(all, true);
            UploadMask(all);
            _row.CopyFromHost(new double[d]);
            for (int s = 0; s < slotCount; s++) _kernels.Broadcast(View(), s, _row.View);
            var ones = new double[d];
            Array.Fill(ones, 1.0);
            _row.CopyFromHost(ones);
            _kernels.Broadcast(View(), -1, _row.View);
            _accelerator.Synchronize();
        }
        catch (DeviceException e) when (e.RequestedBytes is not null || e.ApiError is "CUDA_ERROR_OUT_OF_MEMORY")
        {
            foreach (var b in allocated) b.Dispose();
            throw OutOfMemory(needed, slotCount, e);
        }
        catch
        {
            foreach (var b in allocated) b.Dispose();
            throw;
        }
    }

    /// <summary>Device memory an ensemble of <paramref name="chains"/> chains needs: (slots + 1) × C × D doubles plus O(C + D) scalars.</summary>
    public static long RequiredBytes(int chains, int dimension, int slotCount) =>
        ((long)slotCount + 1) * chains * dimension * sizeof(double) + (24L * chains + 3L * dimension + 1) * sizeof(double);

    public int Chains { get; }
    public int Dimension { get; }
    public int SlotCount { get; }
    public ulong Seed { get; }

    /// <summary>The accelerator the ensemble runs on.</summary>
    public Accelerator Accelerator => _accelerator;

    public uint ChainId(int chain) => _chainIds[chain];

    public long GradientEvaluations(int chain)
    {
        ThrowIfDisposed();
        if (_evaluationsDirty)
        {
            _evaluations.CopyToHost(_evaluationsHost);
            _evaluationsDirty = false;
        }
        return _evaluationsHost[chain];
    }

    public void SetInverseMetric(int chain, ReadOnlySpan<double> inverseMetricDiagonal) =>
        SetInverseMetric(chain, inverseMetricDiagonal, default, default);

    public void WriteRow(EnsembleSlot slot, int chain, ReadOnlySpan<double> values)
    {
        ThrowIfDisposed();
        CheckChain(chain);
        if (values.Length != Dimension) throw new ArgumentException("The row must have length D.", nameof(values));
        _slots.CopyFromHost(values, RowOffset(slot, chain));
        Written(slot);
    }

    public void ReadRow(EnsembleSlot slot, int chain, Span<double> values)
    {
        ThrowIfDisposed();
        CheckChain(chain);
        if (values.Length != Dimension) throw new ArgumentException("The row must have length D.", nameof(values));
        long start = RowOffset(slot, 0);
        if (_cachedSlot == slot.Index)
        {
            _slotCache.AsSpan(chain * Dimension, Dimension).CopyTo(values);
            return;
        }
        if (_lastReadSlot == slot.Index && Chains > 1)
        {
            // A second row of the same unchanged slot: the sampler is reading rows (draws, variance windows), so fetch them all at once.
            _slotCache ??= new double[Chains * Dimension];
            _slots.CopyToHost(_slotCache, start);
            _cachedSlot = slot.Index;
            _slotCache.AsSpan(chain * Dimension, Dimension).CopyTo(values);
            return;
        }
        _slots.CopyToHost(values, RowOffset(slot, chain));
        _lastReadSlot = slot.Index;
    }

    public void Evaluate(EnsembleSlot position, EnsembleSlot gradient, ReadOnlySpan<bool> active, Span<double> logDensity)
    {
        ThrowIfDisposed();
        int q = SlotIndex(position), g = SlotIndex(gradient);
        if (UploadMask(active) == 0) return;
        _density.Evaluate(SlotView(q), SlotView(g), _logDensity.View, _mask.View, Chains);
        _kernels.CheckFinite(View(), g, _logDensity.View, _evaluations.View);
        Written(gradient);
        _evaluationsDirty = true;
        var host = _scalarsHost.AsSpan(0, Chains);
        _logDensity.CopyToHost(host);
        for (int c = 0; c < Chains; c++)
            if (active[c]) logDensity[c] = host[c];
    }

    public void Leapfrog(EnsembleSlot position, EnsembleSlot momentum, EnsembleSlot gradient, ReadOnlySpan<double> stepSize,
        int steps, ReadOnlySpan<bool> active, Span<double> logDensity, Span<double> kineticEnergy)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        int q = SlotIndex(position), p = SlotIndex(momentum), g = SlotIndex(gradient);
        if (stepSize.Length != Chains) throw new ArgumentException($"stepSize must have one entry per chain ({Chains}).", nameof(stepSize));
        if (UploadMask(active) == 0) return;
        _running.CopyFromHost(_maskHost);
        UploadStepSizes(stepSize);
        var running = View() with { Mask = _running.View };
        for (int step = 0; step < steps; step++)
        {
            if (_lowRank is { } m) _lowRankKernels!.LeapfrogBegin(running, m.View, q, p, g, _stepSize.View);
            else _kernels.LeapfrogBegin(running, q, p, g, _stepSize.View);
            _density.Evaluate(SlotView(q), SlotView(g), _logDensity.View, _running.View, Chains);
            if (_lowRank is { } m2) _lowRankKernels!.LeapfrogEnd(running, m2.View, p, g, _stepSize.View, _logDensity.View, _scalars.View, _evaluations.View);
            else _kernels.LeapfrogEnd(running, p, g, _stepSize.View, _logDensity.View, _scalars.View, _evaluations.View);
        }
        Written(position);
        Written(momentum);
        Written(gradient);
        _evaluationsDirty = true;
        _scalars.CopyToHost(_scalarsHost);
        for (int c = 0; c < Chains; c++)
        {
            if (!active[c]) continue;
            logDensity[c] = _scalarsHost[c];
            kineticEnergy[c] = _scalarsHost[Chains + c];
        }
    }

    public void DrawMomentum(EnsembleSlot momentum, RandomPurpose purpose, uint counter, ReadOnlySpan<bool> active,
        Span<double> kineticEnergy)
    {
        ThrowIfDisposed();
        int p = SlotIndex(momentum);
        if (UploadMask(active) == 0) return;
        if (_lowRank is { } m) _lowRankKernels!.Momentum(View(), m.View, p, Seed, counter, purpose, _scalars.View);
        else _kernels.Momentum(View(), p, Seed, counter, purpose, _scalars.View);
        Written(momentum);
        var host = _scalarsHost.AsSpan(0, Chains);
        _scalars.CopyToHost(host);
        for (int c = 0; c < Chains; c++)
            if (active[c]) kineticEnergy[c] = host[c];
    }

    public void Copy(EnsembleSlot destination, EnsembleSlot source, ReadOnlySpan<bool> active)
    {
        ThrowIfDisposed();
        int dst = SlotIndex(destination), src = SlotIndex(source);
        if (dst == src) { CheckLength(active); return; }
        if (UploadMask(active) == 0) return;
        _kernels.Copy(View(), dst, src);
        Written(destination);
    }

    public void Add(EnsembleSlot destination, EnsembleSlot a, EnsembleSlot b, ReadOnlySpan<bool> active) =>
        Combine(destination, a, 1, b, 1, active);

    public void Combine(EnsembleSlot destination, EnsembleSlot a, double alpha, EnsembleSlot b, double beta, ReadOnlySpan<bool> active)
    {
        ThrowIfDisposed();
        int dst = SlotIndex(destination), x = SlotIndex(a), y = SlotIndex(b);
        if (UploadMask(active) == 0) return;
        _kernels.Combine(View(), dst, x, alpha, y, beta);
        Written(destination);
    }

    public void Combine(EnsembleSlot destination, EnsembleSlot a, ReadOnlySpan<double> alpha, EnsembleSlot b, ReadOnlySpan<double> beta,
        ReadOnlySpan<bool> active)
    {
        ThrowIfDisposed();
        int dst = SlotIndex(destination), x = SlotIndex(a), y = SlotIndex(b);
        if (alpha.Length != Chains || beta.Length != Chains) throw new ArgumentException($"alpha and beta must have one entry per chain ({Chains}).");
        if (UploadMask(active) == 0) return;
        alpha.CopyTo(_scalarsHost);
        beta.CopyTo(_scalarsHost.AsSpan(Chains));
        _scalars.CopyFromHost(_scalarsHost);
        var coefficients = _scalars.View;
        _kernels.CombinePerChain(View(), dst, x, coefficients.SubView(0, Chains), y, coefficients.SubView(Chains, Chains));
        Written(destination);
    }

    public void Multiply(EnsembleSlot destination, EnsembleSlot a, EnsembleSlot b, ReadOnlySpan<bool> active) =>
        MultiplyOrDivide(destination, a, b, active, divide: false);

    public void Divide(EnsembleSlot destination, EnsembleSlot a, EnsembleSlot b, ReadOnlySpan<bool> active) =>
        MultiplyOrDivide(destination, a, b, active, divide: true);

    private void MultiplyOrDivide(EnsembleSlot destination, EnsembleSlot a, EnsembleSlot b, ReadOnlySpan<bool> active, bool divide)
    {
        ThrowIfDisposed();
        int dst = SlotIndex(destination), x = SlotIndex(a), y = SlotIndex(b);
        if (UploadMask(active) == 0) return;
        _kernels.MultiplyOrDivide(View(), dst, x, y, divide);
        Written(destination);
    }

    public void Broadcast(EnsembleSlot destination, ReadOnlySpan<double> row, ReadOnlySpan<bool> active)
    {
        ThrowIfDisposed();
        int dst = SlotIndex(destination);
        if (row.Length != Dimension) throw new ArgumentException("The row must have length D.", nameof(row));
        if (UploadMask(active) == 0) return;
        _row.CopyFromHost(row);
        _kernels.Broadcast(View(), dst, _row.View);
        Written(destination);
    }

    public double CrossChainMoments(EnsembleSlot slot, ReadOnlySpan<double> weights, ReadOnlySpan<bool> active, Span<double> mean,
        Span<double> meanOfSquares)
    {
        ThrowIfDisposed();
        int s = SlotIndex(slot);
        if (weights.Length != Chains) throw new ArgumentException($"weights must have one entry per chain ({Chains}).", nameof(weights));
        if (UploadMask(active) == 0) return 0;
        _weights.CopyFromHost(weights);
        _kernels.Moments(View(), s, _weights.View, _usedWeights.View, _moments.View);
        _moments.CopyToHost(_momentsHost);
        int d = Dimension;
        double total = _momentsHost[2 * d];
        if (total > 0)
        {
            for (int i = 0; i < d; i++)
            {
                mean[i] = _momentsHost[i] / total;
                meanOfSquares[i] = _momentsHost[d + i] / total;
            }
        }
        return total;
    }

    public void Dots(ReadOnlySpan<SlotPair> pairs, ReadOnlySpan<bool> active, Span<double> results)
    {
        ThrowIfDisposed();
        if (results.Length < pairs.Length * Chains) throw new ArgumentException("results must hold pairs × chains values.");
        foreach (var pair in pairs) { SlotIndex(pair.A); SlotIndex(pair.B); }
        if (pairs.Length == 0 || UploadMask(active) == 0) return;
        for (int first = 0; first < pairs.Length; first += SlotPairs.Capacity)
        {
            int count = Math.Min(SlotPairs.Capacity, pairs.Length - first);
            var batch = new SlotPairs { Count = count };
            for (int k = 0; k < count; k++)
            {
                var pair = pairs[first + k];
                batch.Set(k, pair.A.Index, pair.B.Index, pair.Weight == DotWeight.InverseMetric);
            }
            if (_lowRank is { } m) _lowRankKernels!.Dots(View(), m.View, batch, _dotOutput.View);
            else _kernels.Dots(View(), batch, _dotOutput.View);
            var host = _dotHost.AsSpan(0, count * Chains);
            _dotOutput.CopyToHost(host);
            for (int k = 0; k < count; k++)
                for (int c = 0; c < Chains; c++)
                    if (active[c]) results[(first + k) * Chains + c] = host[k * Chains + c];
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var b in new IDisposable[] { _slots, _inverseMetric, _stepSize, _logDensity, _scalars, _weights, _usedWeights, _moments, _row,
                     _dotOutput, _mask, _running, _chainIdBuffer, _evaluations })
            b.Dispose();
        _lowRank?.Dispose();
    }

    /// <summary>The ensemble as the kernels read it, with the operation mask.</summary>
    private EnsembleView View() => new()
    {
        Chains = Chains, Dimension = Dimension, Slots = _slots.View, InverseMetric = _inverseMetric.View,
        Mask = _mask.View, ChainIds = _chainIdBuffer.View,
    };

    /// <summary>One slot's C × D rows as a view (what the density reads and writes).</summary>
    private ArrayView<double> SlotView(int slot) => _slots.View.SubView((long)slot * Chains * Dimension, (long)Chains * Dimension);

    private long RowOffset(EnsembleSlot slot, int chain) => ((long)SlotIndex(slot) * Chains + chain) * Dimension;

    private int SlotIndex(EnsembleSlot slot)
    {
        if ((uint)slot.Index >= (uint)SlotCount)
            throw new ArgumentOutOfRangeException(nameof(slot), $"{slot} is outside the ensemble's {SlotCount} slots.");
        return slot.Index;
    }

    /// <summary>Forgets host copies of a slot that an operation has just written.</summary>
    private void Written(EnsembleSlot slot)
    {
        if (_cachedSlot == slot.Index) _cachedSlot = -1;
        if (_lastReadSlot == slot.Index) _lastReadSlot = -1;
    }

    private void CheckChain(int chain)
    {
        if ((uint)chain >= (uint)Chains) throw new ArgumentOutOfRangeException(nameof(chain), $"Chain {chain} is outside 0 … {Chains - 1}.");
    }

    private void CheckLength(ReadOnlySpan<bool> active)
    {
        if (active.Length != Chains) throw new ArgumentException($"The mask must have one flag per chain ({Chains}).");
    }

    /// <summary>Puts <paramref name="active"/> into the device mask (only when it differs from the last upload); returns the number of active chains.</summary>
    private int UploadMask(ReadOnlySpan<bool> active)
    {
        CheckLength(active);
        int n = 0;
        bool same = _maskValid;
        for (int c = 0; c < Chains; c++)
        {
            int v = active[c] ? 1 : 0;
            n += v;
            _maskScratch[c] = v;
            if (same && _maskHost[c] != v) same = false;
        }
        if (n == 0 || same) return n;
        _mask.CopyFromHost(_maskScratch);
        _maskScratch.CopyTo(_maskHost, 0);
        _maskValid = true;
        return n;
    }

    private void UploadStepSizes(ReadOnlySpan<double> stepSize)
    {
        if (_stepSizeValid && stepSize.SequenceEqual(_stepSizeHost)) return;
        _stepSize.CopyFromHost(stepSize);
        stepSize.CopyTo(_stepSizeHost);
        _stepSizeValid = true;
    }

    private DeviceException OutOfMemory(long needed, int slotCount, DeviceException? inner)
    {
        string message = $"{Chains} chains × {Dimension} parameters need about {DeviceException.FormatBytes(needed)} of device memory for the chain "
            + $"ensemble ({slotCount + 1} vectors per chain) on {_accelerator.Device.Describe()}, which has "
            + $"{DeviceException.FormatBytes(_accelerator.Device.GlobalMemoryBytes)}; try a smaller --chains"
            + (inner is null ? "." : $" ({inner.Message})");
        return new DeviceException(message, inner?.ApiError, needed, inner);
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);
}
