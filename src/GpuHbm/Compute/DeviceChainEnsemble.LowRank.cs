using GpuHbm.Kernels;
using ILGPU;
using ILGPU.Runtime;

namespace GpuHbm.Compute;

public sealed partial class DeviceChainEnsemble
{
    private LowRankMetrics? _lowRank;
    private LowRankLaunchers? _lowRankKernels;
    private InverseMetric?[]? _hostMetrics;

    /// <summary>Any rank up to D: the low-rank part lives on the device once a chain has one (<see cref="LowRankEnsembleKernels"/>).</summary>
    public int MaxMetricRank => Dimension;

    public void SetInverseMetric(int chain, ReadOnlySpan<double> diagonal, ReadOnlySpan<double> eigenvectors, ReadOnlySpan<double> eigenvalues)
    {
        ThrowIfDisposed();
        CheckChain(chain);
        if (diagonal.Length != Dimension) throw new ArgumentException("Inverse metric length must equal the dimension.");
        InverseMetric.Validate(diagonal, eigenvectors, eigenvalues);
        if (eigenvalues.Length > MaxMetricRank)
            throw new NotSupportedException($"A metric of rank {eigenvalues.Length} exceeds the dimension {Dimension}.");
        _inverseMetric.CopyFromHost(diagonal, (long)chain * Dimension);
        if (eigenvalues.Length == 0 && _lowRank is null) return;   // diagonal metrics only: the element-wise kernels
        var metric = new InverseMetric(diagonal, eigenvectors, eigenvalues);
        _hostMetrics ??= new InverseMetric?[Chains];
        _hostMetrics[chain] = metric;
        if (_lowRank is null || metric.Rank > _lowRank.Capacity)
        {
            // First low-rank chain, or a larger rank: (re)allocate and upload every chain's metric.
            int capacity = Math.Min(Dimension, Math.Max(metric.Rank, _lowRank is null ? 4 : 2 * _lowRank.Capacity));
            _lowRank?.Dispose();
            _lowRank = null;
            _lowRankKernels ??= new LowRankLaunchers(_accelerator);
            var fresh = new LowRankMetrics(_accelerator, Chains, Dimension, capacity);
            try
            {
                for (int c = 0; c < Chains; c++)
                {
                    var host = _hostMetrics[c];
                    if (host is null)
                    {
                        // A chain still on a diagonal metric: its d is on the device already; upload S = √d with rank 0.
                        var d = new double[Dimension];
                        _inverseMetric.CopyToHost(d, (long)c * Dimension);
                        host = new InverseMetric(d);
                    }
                    fresh.Upload(c, host);
                }
            }
            catch
            {
                fresh.Dispose();
                throw;
            }
            _lowRank = fresh;
            return;
        }
        _lowRank.Upload(chain, metric);
    }

    /// <summary>The device copy of every chain's low-rank metric (see <see cref="LowRankMetricView"/>).</summary>
    private sealed class LowRankMetrics : IDisposable
    {
        private readonly DeviceBuffer<int> _rank;
        private readonly DeviceBuffer<double> _scale, _vectors, _values, _scratch, _coefficients;
        private readonly int _dimension;

        public LowRankMetrics(Accelerator accelerator, int chains, int dimension, int capacity)
        {
            _dimension = dimension;
            Capacity = capacity;
            var owned = new List<IDisposable>();
            T Track<T>(T b) where T : IDisposable { owned.Add(b); return b; }
            try
            {
                _rank = Track(accelerator.Allocate<int>(new int[chains]));
                _scale = Track(accelerator.Allocate<double>((long)chains * dimension));
                _vectors = Track(accelerator.Allocate<double>((long)chains * capacity * dimension));
                _values = Track(accelerator.Allocate<double>((long)chains * capacity));
                _scratch = Track(accelerator.Allocate<double>((long)chains * dimension));
                _coefficients = Track(accelerator.Allocate<double>((long)chains * capacity));
            }
            catch
            {
                foreach (var b in owned) b.Dispose();
                throw;
            }
        }

        public int Capacity { get; }

        public LowRankMetricView View => new()
        {
            Capacity = Capacity, Rank = _rank.View, Scale = _scale.View, Vectors = _vectors.View, Values = _values.View,
            Scratch = _scratch.View, Coefficients = _coefficients.View,
        };

        public void Upload(int chain, InverseMetric metric)
        {
            _scale.CopyFromHost(metric.Scale, (long)chain * _dimension);
            if (metric.Rank > 0)
            {
                _vectors.CopyFromHost(metric.Vectors, (long)chain * Capacity * _dimension);
                _values.CopyFromHost(metric.Values, (long)chain * Capacity);
            }
            _rank.CopyFromHost([metric.Rank], chain);
        }

        public void Dispose()
        {
            foreach (var b in new IDisposable[] { _rank, _scale, _vectors, _values, _scratch, _coefficients }) b.Dispose();
        }
    }

    /// <summary>The low-rank ensemble kernels (<see cref="LowRankEnsembleKernels"/>) loaded on one accelerator: a thread per chain.</summary>
    private sealed class LowRankLaunchers(Accelerator acc)
    {
        private readonly Action<KernelConfig, EnsembleView, LowRankMetricView, int, ulong, uint, RandomPurpose, ArrayView<double>> _momentum =
            acc.Kernel("LowRankEnsembleKernels.Momentum", a => a.LoadStreamKernel<EnsembleView, LowRankMetricView, int, ulong, uint, RandomPurpose, ArrayView<double>>(LowRankEnsembleKernels.Momentum));
        private readonly Action<KernelConfig, EnsembleView, LowRankMetricView, SlotPairs, ArrayView<double>> _dots =
            acc.Kernel("LowRankEnsembleKernels.Dots", a => a.LoadStreamKernel<EnsembleView, LowRankMetricView, SlotPairs, ArrayView<double>>(LowRankEnsembleKernels.Dots));
        private readonly Action<KernelConfig, EnsembleView, LowRankMetricView, int, int, int, ArrayView<double>> _leapfrogBegin =
            acc.Kernel("LowRankEnsembleKernels.LeapfrogBegin", a => a.LoadStreamKernel<EnsembleView, LowRankMetricView, int, int, int, ArrayView<double>>(LowRankEnsembleKernels.LeapfrogBegin));
        private readonly Action<KernelConfig, EnsembleView, LowRankMetricView, int, int, ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<long>> _leapfrogEnd =
            acc.Kernel("LowRankEnsembleKernels.LeapfrogEnd", a => a.LoadStreamKernel<EnsembleView, LowRankMetricView, int, int, ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<long>>(LowRankEnsembleKernels.LeapfrogEnd));

        private KernelConfig PerChain(EnsembleView e) => acc.Shape(acc.GroupsFor(e.Chains));

        private void Run(string what, Action launch)
        {
            acc.Guard(what, launch);
            acc.Launched();
        }

        public void Momentum(EnsembleView e, LowRankMetricView m, int momentum, ulong seed, uint counter, RandomPurpose purpose, ArrayView<double> output) =>
            Run("drawing momenta", () => _momentum(PerChain(e), e, m, momentum, seed, counter, purpose, output));

        public void Dots(EnsembleView e, LowRankMetricView m, SlotPairs pairs, ArrayView<double> output) =>
            Run("taking dot products", () => _dots(PerChain(e), e, m, pairs, output));

        public void LeapfrogBegin(EnsembleView e, LowRankMetricView m, int position, int momentum, int gradient, ArrayView<double> stepSize) =>
            Run("stepping positions", () => _leapfrogBegin(PerChain(e), e, m, position, momentum, gradient, stepSize));

        public void LeapfrogEnd(EnsembleView e, LowRankMetricView m, int momentum, int gradient, ArrayView<double> stepSize, ArrayView<double> logDensity,
            ArrayView<double> output, ArrayView<long> evaluations) =>
            Run("stepping momenta", () => _leapfrogEnd(PerChain(e), e, m, momentum, gradient, stepSize, logDensity, output, evaluations));
    }
}
