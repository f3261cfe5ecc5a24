namespace GpuHbm.Compute;

/// <summary>
/// The Gram product of the genetic relationship matrix on a device (kernels/grm.cl): accumulates
/// C += W Wᵀ over blocks of standardized genotypes W (N × m, row-major), lower triangle only, in fp64,
/// and hands the lower triangle back. The device counterpart of <see cref="Models.Kinship.GenotypeGram.AccumulateLower"/>:
/// same blocks, same per-block sums added once per entry, only the order of the additions inside a
/// block differs (each entry is summed over SNPs in increasing order), so results agree with the
/// CPU to rounding (≈1e-15 relative) and are bit-identical run to run and across devices.
/// </summary>
/// <remarks>
/// Device memory: N² doubles for C plus N × <see cref="MaxColumns"/> for one block of W. C stays on the
/// device until <see cref="AddLowerTo"/>, which copies it back in row chunks.
/// </remarks>
public sealed class DeviceGram : IDisposable
{
    /// <summary>The kernel file.</summary>
    public const string SourceFile = "grm.cl";

    /// <summary>Rows and columns of C per work-group (GRM_TILE in grm.cl).</summary>
    public const int Tile = 64;

    /// <summary>Work-items per group (GRM_GROUP in grm.cl).</summary>
    public const int GroupSize = 256;

    private const int ZeroGroupSize = 256;
    private const long CopyChunk = 1L << 22;

    private readonly CompiledKernel _accumulate, _zero;
    private readonly DeviceBuffer<double> _c, _w;

    /// <summary>Compiles grm.cl and allocates C (zeroed) and a W block of <paramref name="maxColumns"/> columns.</summary>
    /// <exception cref="DeviceException">The device lacks fp64, memory, or a group of 256 work-items.</exception>
    public DeviceGram(Accelerator accelerator, int n, int maxColumns)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxColumns, 1);
        if (!accelerator.SupportsFp64)
            throw new DeviceException($"{accelerator.Device.Describe()} has no fp64, which the genetic relationship matrix needs.");
        Accelerator = accelerator;
        Count = n;
        MaxColumns = maxColumns;
        var module = accelerator.Kernels.GetOrCompile(KernelSource.FromResource(SourceFile, accelerator.Dialect));
        _accumulate = module.GetKernel("grm_accumulate_lower");
        _zero = module.GetKernel("grm_zero");
        if (_accumulate.MaxGroupSize < GroupSize)
            throw new DeviceException($"{accelerator.Device.Describe()} allows groups of at most {_accumulate.MaxGroupSize} for grm_accumulate_lower; it needs {GroupSize}.");
        _c = accelerator.Allocate<double>((long)n * n);
        try
        {
            _w = accelerator.Allocate<double>((long)n * maxColumns);
        }
        catch
        {
            _c.Dispose();
            throw;
        }
        Clear();
    }

    /// <summary>The accelerator.</summary>
    public Accelerator Accelerator { get; }

    /// <summary>Order N of C.</summary>
    public int Count { get; }

    /// <summary>The most SNP columns one <see cref="Accumulate"/> call takes.</summary>
    public int MaxColumns { get; }

    /// <summary>Sets C to zero.</summary>
    public void Clear()
    {
        long count = (long)Count * Count;
        Accelerator.Launch(_zero, LaunchConfig.ForElements(count, ZeroGroupSize), (ulong)count, _c);
    }

    /// <summary>C += W Wᵀ on the lower triangle, W = <paramref name="w"/> as N × <paramref name="columns"/> row-major.</summary>
    public void Accumulate(ReadOnlySpan<double> w, int columns)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(columns);
        if (columns > MaxColumns) throw new ArgumentOutOfRangeException(nameof(columns), $"{columns} columns exceed the {MaxColumns} of this DeviceGram.");
        if (w.Length < (long)Count * columns) throw new ArgumentException($"W has {w.Length} values, fewer than {Count}×{columns}", nameof(w));
        if (columns == 0) return;
        _w.CopyFromHost(w[..(Count * columns)]);
        long tiles = (Count + Tile - 1) / Tile;
        Accelerator.Launch(_accumulate, new LaunchConfig(tiles * (tiles + 1) / 2, GroupSize), Count, columns, _w, _c);
    }

    /// <summary><paramref name="c"/>[j*N + k] += C[j, k] for k ≤ j (N×N row-major); the upper triangle is untouched.</summary>
    public void AddLowerTo(double[] c)
    {
        ArgumentNullException.ThrowIfNull(c);
        int n = Count;
        if (c.Length < (long)n * n) throw new ArgumentException($"C has {c.Length} values, fewer than {n}×{n}", nameof(c));
        int rowsPerChunk = (int)Math.Max(1, CopyChunk / n);
        var buffer = new double[(long)Math.Min(rowsPerChunk, n) * n];
        for (int r0 = 0; r0 < n; r0 += rowsPerChunk)
        {
            int rows = Math.Min(rowsPerChunk, n - r0);
            var chunk = buffer.AsSpan(0, rows * n);
            _c.CopyToHost(chunk, (long)r0 * n);
            for (int j = r0; j < r0 + rows; j++)
            {
                long row = (long)j * n;
                int local = (j - r0) * n;
                for (int k = 0; k <= j; k++) c[row + k] += chunk[local + k];
            }
        }
    }

    /// <summary>
    /// One-shot C += W Wᵀ (lower triangle) on <paramref name="accelerator"/>, the device twin of
    /// <see cref="Models.Kinship.GenotypeGram.AccumulateLower"/>: <paramref name="w"/> is N×m row-major, C N×N row-major.
    /// </summary>
    public static void AccumulateLower(Accelerator accelerator, double[] w, int n, int m, double[] c)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(c);
        if (n == 0 || m == 0) return;
        using var gram = new DeviceGram(accelerator, n, m);
        gram.Accumulate(w, m);
        gram.AddLowerTo(c);
    }

    public void Dispose()
    {
        _w.Dispose();
        _c.Dispose();
    }
}
