using GpuHbm.Models;

namespace GpuHbm.Compute;

/// <summary>
/// The log density and gradient of a compiled GLMM (<see cref="CompiledModel.Evaluate"/>) on a device,
/// for up to <see cref="MaxChains"/> chains at once: kernels/glmm.cl, one program for every family and
/// random-effects structure (both are runtime arguments).
/// </summary>
/// <remarks>
/// The model's data are uploaded once (<see cref="DeviceModelData"/>). One <see cref="Evaluate"/> issues:
/// glmm_hyper (per chain: 1/σ, sd, L and log|J| from the CPC values), glmm_effects (per level and chain:
/// r = diag(sd)·L·z; for a relationship-matrix term r = sd·(L z) with L = chol(K + εI), keeping L z),
/// then per tile of <see cref="TileRows"/> rows glmm_rows (one work-item per row
/// looping over the chains: η, log-likelihood, ∂/∂η into a chains × tile scratch), glmm_segment_sums
/// (per chain, column and segment of <see cref="SegmentRows"/> rows: fixed stride and fixed tree) and
/// glmm_level_sums (per level and chain: Σ dᵢ·Z[i,:] over the level's rows in the tile, in row order,
/// read through the CSR permutation), glmm_kinship_grad (relationship-matrix terms only, per level and
/// chain: ∂/∂z = Lᵀ(sd·∂/∂r) − z in a fixed order), and finally glmm_finish (one group per chain: segment totals,
/// chain rule, priors, Jacobians, the −∞ check). All sums have a fixed order (no atomics), and neither
/// the segment nor the per-level sums depend on the tile size, so results are bit-identical from run to
/// run and whatever the tile size. Scratch: chains × tile × 2 doubles (at most
/// <see cref="DefaultScratchBudgetBytes"/>), plus per chain r, ∂/∂r, hyperparameters and segment partials
/// (and L z when there is a relationship-matrix term).
/// </remarks>
public sealed class DeviceGlmmDensity : IDeviceDensity
{
    /// <summary>The kernel file.</summary>
    public const string SourceFile = "glmm.cl";

    /// <summary>Work-items per group of the reductions (segment sums, finish): fixed, so the summation order does not depend on the device.</summary>
    public const int ReductionGroupSize = 128;

    /// <summary>Work-items per group of the element-wise kernels.</summary>
    public const int ElementGroupSize = 128;

    /// <summary>Budget for the chains × tile scratch (∂/∂η and log-likelihood): 256 MiB.</summary>
    public const long DefaultScratchBudgetBytes = 256L << 20;

    /// <summary>Largest K the default program handles; larger terms compile the program with -D GLMM_MAX_K.</summary>
    private const int DefaultMaxK = 8;

    private readonly DeviceModelData _data;
    private readonly CompiledKernel _hyper, _effects, _rows, _segmentSums, _levelSums, _kinshipGrad, _finish;
    private readonly DeviceBuffer<double> _r, _gr, _w, _hyperValues, _tileD, _tileLl, _partials;
    private readonly int _segments;
    private bool _disposed;

    /// <summary>Uploads <paramref name="model"/>'s data and compiles (or takes from the cache) kernels/glmm.cl.</summary>
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

        string options = "";
        var terms = model.RandomTerms;
        int maxK = terms.Count == 0 ? 1 : terms.Max(t => t.K);
        if (maxK > DefaultMaxK) options = $"-D GLMM_MAX_K={maxK}";
        var module = accelerator.Kernels.GetOrCompile(KernelSource.FromResource(SourceFile, accelerator.Dialect), options);
        _hyper = module.GetKernel("glmm_hyper");
        _effects = module.GetKernel("glmm_effects");
        _rows = module.GetKernel("glmm_rows");
        _segmentSums = module.GetKernel("glmm_segment_sums");
        _levelSums = module.GetKernel("glmm_level_sums");
        _kinshipGrad = module.GetKernel("glmm_kinship_grad");
        _finish = module.GetKernel("glmm_finish");
        if (Math.Min(_segmentSums.MaxGroupSize, _finish.MaxGroupSize) < ReductionGroupSize)
            throw new DeviceException($"{accelerator.Device.Describe()} allows groups smaller than the {ReductionGroupSize} work-items the GLMM reductions need.");

        _data = new DeviceModelData(accelerator, model);
        var owned = new List<DeviceBuffer>();
        try
        {
            DeviceBuffer<double> Alloc(long length)
            {
                var b = accelerator.Allocate<double>(Math.Max(1, length));
                owned.Add(b);
                return b;
            }
            _r = Alloc((long)maxChains * _data.R);
            _gr = Alloc((long)maxChains * _data.R);
            _w = Alloc(_data.HasKinship ? (long)maxChains * _data.R : 1);
            _hyperValues = Alloc((long)maxChains * _data.H);
            _tileD = Alloc((long)maxChains * TileRows);
            _tileLl = Alloc((long)maxChains * TileRows);
            _partials = Alloc((long)maxChains * (_data.P + 1) * _segments);
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
    public int Tiles => (_data.N + TileRows - 1) / TileRows;

    /// <summary>Device memory held: the model's data and the scratch, in bytes.</summary>
    public long DeviceBytes { get; }

    /// <inheritdoc/>
    public void Evaluate(DeviceBuffer<double> positions, DeviceBuffer<double> gradient, DeviceBuffer<double> logDensity,
        DeviceBuffer<int> active, int chains)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfNegative(chains);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(chains, MaxChains);
        Require(positions, (long)chains * Dimension, nameof(positions));
        Require(gradient, (long)chains * Dimension, nameof(gradient));
        Require(logDensity, chains, nameof(logDensity));
        Require(active, chains, nameof(active));
        if (chains == 0) return;

        var acc = Accelerator;
        var m = _data;
        int n = m.N, p = m.P, d = Dimension, C = chains;
        int localBytes = ReductionGroupSize * sizeof(double);

        acc.Launch(_hyper, LaunchConfig.ForElements(C, ElementGroupSize),
            C, d, m.TermCount, m.SigmaOffset, active, positions, m.Terms, m.H, _hyperValues);
        if (m.Levels > 0)
            acc.Launch(_effects, LaunchConfig.ForElements((long)m.Levels * C, ElementGroupSize),
                C, d, m.Levels, active, positions, m.Terms, m.LevelTerm, m.H, _hyperValues, m.R, _r, m.Kin, _w);

        int tileSegments = TileRows / SegmentRows;
        for (int r0 = 0, tileIndex = 0; r0 < n; r0 += TileRows, tileIndex++)
        {
            int rows = Math.Min(TileRows, n - r0);
            acc.Launch(_rows, LaunchConfig.ForElements(rows, ElementGroupSize),
                C, d, p, m.TermCount, n, m.Family, m.HasOffset ? 1 : 0, r0, rows, TileRows,
                active, positions, m.X, m.Y, m.Trials, m.InvSe, m.Offset, m.Terms, m.Group, m.ZData,
                m.H, _hyperValues, m.R, _r, _tileD, _tileLl);
            int seg0 = tileIndex * tileSegments;
            int segCount = Math.Min(tileSegments, _segments - seg0);
            acc.Launch(_segmentSums, new LaunchConfig((long)C * (p + 1) * segCount, ReductionGroupSize, localBytes),
                C, p, n, _segments, SegmentRows, seg0, segCount, r0, TileRows, active, m.X, _tileD, _tileLl, _partials);
            if (m.Levels > 0)
                acc.Launch(_levelSums, LaunchConfig.ForElements((long)m.Levels * C, ElementGroupSize),
                    C, m.Levels, r0, rows, TileRows, r0 == 0 ? 1 : 0, active, m.Terms, m.LevelTerm, m.Csr, m.Permutation,
                    m.ZData, _tileD, m.R, _gr);
        }

        if (m.HasKinship)
            acc.Launch(_kinshipGrad, LaunchConfig.ForElements((long)m.Levels * C, ElementGroupSize),
                C, d, m.Levels, active, positions, m.Terms, m.LevelTerm, m.H, _hyperValues, m.R, _gr, m.Kin, gradient);

        acc.Launch(_finish, new LaunchConfig(C, ReductionGroupSize, localBytes),
            C, d, n, p, m.TermCount, _segments, m.SigmaOffset, m.Constant, active, positions, m.Terms, m.Priors,
            m.H, _hyperValues, m.R, _gr, _partials, _w, gradient, logDensity);
    }

    private void Require(DeviceBuffer buffer, long elements, string name)
    {
        ArgumentNullException.ThrowIfNull(buffer, name);
        if (buffer.Accelerator != Accelerator) throw new ArgumentException($"{name} belongs to another accelerator.", name);
        if (buffer.Length < elements)
            throw new ArgumentException($"{name} must hold at least {elements} elements, not {buffer.Length}.", name);
    }

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;

    private static long RoundUp(long value, long multiple) => (value + multiple - 1) / multiple * multiple;

    /// <summary>Frees the device data and scratch.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _r.Dispose();
        _gr.Dispose();
        _w.Dispose();
        _hyperValues.Dispose();
        _tileD.Dispose();
        _tileLl.Dispose();
        _partials.Dispose();
        _data.Dispose();
    }
}
