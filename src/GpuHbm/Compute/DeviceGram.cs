using GpuHbm.Kernels;
using ILGPU;
using ILGPU.Runtime;

namespace GpuHbm.Compute;

/// <summary>
/// The Gram product of the genetic relationship matrix on a device (<see cref="GramKernels"/>): accumulates
/// C += W Wᵀ over blocks of standardized genotypes W (N × m, row-major), lower triangle only, in fp64, and hands
/// the lower triangle back. The device counterpart of <see cref="Models.Kinship.GenotypeGram.AccumulateLower"/>:
/// same blocks, same per-block sums added once per entry, only the order of the additions inside a block differs
/// (each entry is summed over SNPs in increasing order), so results agree with the CPU to rounding (≈1e-15
/// relative) and are bit-identical run to run and whatever the group size.
/// </summary>
/// <remarks>
/// Device memory: N² doubles for C plus N × <see cref="MaxColumns"/> for one block of W. C stays on the device
/// until <see cref="AddLowerTo"/>, which copies it back in row chunks. Groups are square: the accelerator's group
/// size when it is a perfect square (16 × 16 = 256 on a GPU at most), else the largest square below it.
/// </remarks>
public sealed class DeviceGram : Models.Kinship.IGramAccumulator
{
    private const long CopyChunk = 1L << 22;

    private readonly Action<KernelConfig, ArrayView<double>, ArrayView<double>, int, int> _accumulate;
    private readonly Action<KernelConfig, ArrayView<double>, long> _zero;
    private readonly DeviceBuffer<double> _c, _w;
    private readonly int _groupSize;

    /// <summary>Loads the Gram kernels and allocates C (zeroed) and a W block of <paramref name="maxColumns"/> columns.</summary>
    /// <exception cref="DeviceException">The device lacks fp64 or memory.</exception>
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
        _groupSize = SquareGroup(Math.Min(accelerator.Device.MaxGroupSize, GramKernels.MaxTile * GramKernels.MaxTile / 16));
        Tile = GramKernels.TileFor(_groupSize);
        _accumulate = accelerator.Kernel("GramKernels.AccumulateLower",
            a => a.LoadStreamKernel<ArrayView<double>, ArrayView<double>, int, int>(GramKernels.AccumulateLower));
        _zero = accelerator.Kernel("GramKernels.Zero", a => a.LoadStreamKernel<ArrayView<double>, long>(GramKernels.Zero));
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

    /// <summary>Rows and columns of C per group (4·√group size).</summary>
    public int Tile { get; }

    /// <summary>Sets C to zero.</summary>
    public void Clear()
    {
        long count = (long)Count * Count;
        Accelerator.Guard("clearing the Gram matrix", () => _zero(Accelerator.Shape(Accelerator.GroupsFor(count)), _c.View, count));
        Accelerator.Launched();
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
        long pairs = tiles * (tiles + 1) / 2;
        int groups = (int)Math.Clamp(pairs, 1, Accelerator.MaxGroups * Math.Max(1, Accelerator.GroupSize / _groupSize));
        Accelerator.Guard("accumulating the Gram product", () => _accumulate(new KernelConfig(groups, _groupSize), _w.View, _c.View, Count, columns));
        Accelerator.Launched();
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

    /// <summary>The largest square group (1, 4, 16, 64, 256) within <paramref name="limit"/>.</summary>
    private static int SquareGroup(int limit)
    {
        int s = 1;
        while ((2 * s) * (2 * s) <= limit) s *= 2;
        return s * s;
    }

    public void Dispose()
    {
        _w.Dispose();
        _c.Dispose();
    }
}
