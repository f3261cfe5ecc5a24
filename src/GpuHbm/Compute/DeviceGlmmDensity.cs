using GpuHbm.Kernels;
using GpuHbm.Models;
using ILGPU;
using ILGPU.Runtime;

namespace GpuHbm.Compute;

/// <summary>
/// The log density and gradient of a compiled GLMM (<see cref="CompiledModel.Evaluate"/>) on a device, for up
/// to <see cref="MaxChains"/> chains at once: the ILGPU kernels of <see cref="GlmmKernels"/>, one set for every
/// family and random-effects structure (both are data).
/// </summary>
/// <remarks>
/// The model's data are uploaded once (<see cref="DeviceModelData"/>). One <see cref="Evaluate"/> launches
/// <see cref="GlmmKernels.Prepare"/>, then per tile of <see cref="TileRows"/> rows <see cref="GlmmKernels.Rows"/>
/// and <see cref="GlmmKernels.Sums"/>, and finally <see cref="GlmmKernels.Finish"/>: 2 + 2 × tiles launches.
/// All sums have a fixed order (no atomics), and neither the segment nor the per-level sums depend on the tile
/// size, so results are bit-identical from run to run and whatever the tile size. Scratch: chains × tile × 2
/// doubles (at most <see cref="DefaultScratchBudgetBytes"/>), plus per chain r, ∂/∂r, L z, the hyperparameters and
/// the segment partials.
/// </remarks>
public sealed class DeviceGlmmDensity : IDeviceDensity
{
    /// <summary>Budget for the chains × tile scratch (∂/∂η and log-likelihood): 256 MiB.</summary>
    public const long DefaultScratchBudgetBytes = 256L << 20;

    private readonly DeviceModelData _data;
    private readonly Action<KernelConfig, GlmmModelView, GlmmPass> _prepare, _rows, _sums, _finish;
    private readonly DeviceBuffer<double> _r, _gr, _w, _hyper, _tileD, _tileLl, _partials;
    private readonly int _segments;
    private bool _disposed;

    /// <summary>Uploads <paramref name="model"/>'s data and loads the GLMM kernels on <paramref name="accelerator"/>.</summary>
    public DeviceGlmmDensity(Accelerator accelerator, CompiledModel model, int maxChains)
        : this(accelerator, model, maxChains, segmentRows: 0, tileRows: 0)
    {
    }

    /// <summary>
    /// As the public constructor, with internal knobs for tests: <paramref name="segmentRows"/> rows per
    /// reduction segment and <paramref name="tileRows"/> rows per tile (rounded up to whole segments);
    /// 0 chooses the defaults.
    /// </summary>
    internal DeviceGlmmDensity(Accelerator accelerator, CompiledModel model, int maxChains, int segmentRows, int tileRows)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxChains, 1);
        if (!accelerator.SupportsFp64)
            throw new DeviceException($"{accelerator.Device.Describe()} has no double precision, which the GLMM density needs.");
        Accelerator = accelerator;
        Model = model;
        MaxChains = maxChains;
        Dimension = model.Dimension;
        if ((long)maxChains * Dimension > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(maxChains), $"{maxChains} chains × {Dimension} dimensions exceed 2^31-1 elements.");

        int n = model.ObservationCount;
        // Segments: at most ~256 per chain and column, at least 1024 rows each (a function of N only).
        SegmentRows = segmentRows > 0 ? segmentRows : Math.Max(1024, RoundUp((n + 255) / 256, 1024));
        _segments = (n + SegmentRows - 1) / SegmentRows;
        long budgetRows = DefaultScratchBudgetBytes / (2L * sizeof(double) * maxChains);
        long defaultTile = Math.Max(SegmentRows, budgetRows / SegmentRows * SegmentRows);
        long tile = tileRows > 0 ? RoundUp(tileRows, SegmentRows) : defaultTile;
        TileRows = (int)Math.Min(tile, (long)_segments * SegmentRows);

        _prepare = accelerator.Kernel("GlmmKernels.Prepare", a => a.LoadStreamKernel<GlmmModelView, GlmmPass>(GlmmKernels.Prepare));
        _rows = accelerator.Kernel("GlmmKernels.Rows", a => a.LoadStreamKernel<GlmmModelView, GlmmPass>(GlmmKernels.Rows));
        _sums = accelerator.Kernel("GlmmKernels.Sums", a => a.LoadStreamKernel<GlmmModelView, GlmmPass>(GlmmKernels.Sums));
        _finish = accelerator.Kernel("GlmmKernels.Finish", a => a.LoadStreamKernel<GlmmModelView, GlmmPass>(GlmmKernels.Finish));

        _data = new DeviceModelData(accelerator, model);
        var owned = new List<DeviceBuffer<double>>();
        try
        {
            DeviceBuffer<double> Alloc(long length)
            {
                var b = accelerator.Allocate<double>(Math.Max(1, length));
                owned.Add(b);
                return b;
            }
            var v = _data.View;
            _r = Alloc((long)maxChains * v.Effects);
            _gr = Alloc((long)maxChains * v.Effects);
            _w = Alloc((long)maxChains * v.Effects);
            _hyper = Alloc((long)maxChains * v.Hyper);
            _tileD = Alloc((long)maxChains * TileRows);
            _tileLl = Alloc((long)maxChains * TileRows);
            _partials = Alloc((long)maxChains * (v.P + 1) * _segments);
        }
        catch
        {
            foreach (var b in owned) b.Dispose();
            _data.Dispose();
            throw;
        }
        DeviceBytes = _data.Bytes + owned.Sum(b => b.LengthInBytes);
    }

    /// <inheritdoc/>
    public Accelerator Accelerator { get; }

    /// <summary>The model whose density this is.</summary>
    public CompiledModel Model { get; }

    /// <inheritdoc/>
    public int Dimension { get; }

    /// <inheritdoc/>
    public int MaxChains { get; }

    /// <summary>Rows per tile of the per-row pass (a multiple of <see cref="SegmentRows"/>, at most N rounded up).</summary>
    public int TileRows { get; }

    /// <summary>Rows per segment of the fixed-order log-likelihood and Xᵀ·d reductions.</summary>
    public int SegmentRows { get; }

    /// <summary>Number of tiles one evaluation runs.</summary>
    public int Tiles => (_data.View.N + TileRows - 1) / TileRows;

    /// <summary>Device memory held: the model's data and the scratch, in bytes.</summary>
    public long DeviceBytes { get; }

    /// <inheritdoc/>
    public void Evaluate(ArrayView<double> positions, ArrayView<double> gradient, ArrayView<double> logDensity, ArrayView<int> active, int chains)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfNegative(chains);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(chains, MaxChains);
        Require(positions.Length, (long)chains * Dimension, nameof(positions));
        Require(gradient.Length, (long)chains * Dimension, nameof(gradient));
        Require(logDensity.Length, chains, nameof(logDensity));
        Require(active.Length, chains, nameof(active));
        if (chains == 0) return;

        var acc = Accelerator;
        var m = _data.View;
        var pass = new GlmmPass
        {
            Chains = chains, Tile = TileRows, Segments = _segments, SegmentRows = SegmentRows,
            Active = active, Positions = positions, Gradient = gradient, LogDensity = logDensity,
            Hyper = _hyper.View, Effects = _r.View, EffectGradient = _gr.View, KinshipProduct = _w.View,
            TileD = _tileD.View, TileLogLik = _tileLl.View, Partials = _partials.View,
        };
        var perChain = acc.Shape(acc.GroupsForGroups(chains));
        acc.Guard("launching the GLMM density", () =>
        {
            _prepare(perChain, m, pass);
            acc.Launched();
            int tileSegments = TileRows / SegmentRows;
            for (int r0 = 0, tileIndex = 0; r0 < m.N; r0 += TileRows, tileIndex++)
            {
                var tile = pass;
                tile.FirstRow = r0;
                tile.Rows = Math.Min(TileRows, m.N - r0);
                tile.FirstSegment = tileIndex * tileSegments;
                tile.SegmentCount = Math.Min(tileSegments, _segments - tile.FirstSegment);
                tile.FirstTile = r0 == 0 ? 1 : 0;
                _rows(acc.Shape(acc.GroupsFor(tile.Rows)), m, tile);
                long sumGroups = Math.Max((long)chains * (m.P + 1) * tile.SegmentCount, ((long)m.Levels * chains + acc.GroupSize - 1) / acc.GroupSize);
                _sums(acc.Shape(acc.GroupsForGroups(sumGroups)), m, tile);
                acc.Launched();
                acc.Launched();
            }
            _finish(perChain, m, pass);
            acc.Launched();
        });
    }

    private static void Require(long length, long elements, string name)
    {
        if (length < elements)
            throw new ArgumentException($"{name} must hold at least {elements} elements, not {length}.", name);
    }

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;

    private static long RoundUp(long value, long multiple) => (value + multiple - 1) / multiple * multiple;

    /// <summary>Frees the device data and scratch.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var b in new[] { _r, _gr, _w, _hyper, _tileD, _tileLl, _partials }) b.Dispose();
        _data.Dispose();
    }
}
