using ILGPU;

namespace GpuHbm.Kernels;

/// <summary>
/// The Gram product of the genetic relationship matrix (launched by Compute/DeviceGram.cs): C += W Wᵀ on the
/// lower triangle (k ≤ j) of the N × N row-major C, for a block W of N × m standardized genotypes (individual j's
/// values at W[j·m … j·m + m), 0 where missing). Run on the 0/1 observed indicators it gives the per-pair counts.
/// It mirrors Models.Kinship.GenotypeGram.AccumulateLower: a block's sums are formed, then added to C once per entry.
/// </summary>
/// <remarks>
/// A group of S × S threads (S = √G) computes a tile of T × T entries of C, T = 4S (T = 64 for the GPU's groups
/// of 256; smaller on the CPU accelerator); thread (ty, tx) owns the 4 × 4 entries (j0 + ty + S·a, k0 + tx + S·b).
/// Tiles of the lower triangle are numbered row by row (pair = tj(tj+1)/2 + tk) and taken group-stride. The SNPs go
/// through shared memory in slices of <see cref="Slice"/>, and each entry is summed by one thread in increasing SNP
/// order (slice padding adds exact zeros), so the result does not depend on the tile size, the grid or timing.
/// </remarks>
public static class GramKernels
{
    /// <summary>SNPs per shared-memory slice.</summary>
    public const int Slice = 16;

    /// <summary>The largest tile (groups of 256).</summary>
    public const int MaxTile = 64;

    /// <summary>Tile side for a group of <paramref name="groupSize"/> threads (a perfect square).</summary>
    public static int TileFor(int groupSize)
    {
        int s = (int)Math.Round(Math.Sqrt(groupSize));
        if (s * s != groupSize || 4 * s > MaxTile) throw new ArgumentOutOfRangeException(nameof(groupSize), $"the Gram kernel takes square groups up to {MaxTile * MaxTile / 16} threads, not {groupSize}");
        return 4 * s;
    }

    /// <summary>C += W Wᵀ on the lower triangle; launch square groups, any grid.</summary>
    [DeviceKernel]
    public static void AccumulateLower(ArrayView<double> w, ArrayView<double> c, int n, int m)
    {
        var wa = SharedMemory.Allocate<double>(Slice * (MaxTile + 1));
        var wb = SharedMemory.Allocate<double>(Slice * (MaxTile + 1));
        int lid = Group.IdxX, g = Group.DimX;
        int s = 1;
        while (s * s < g) s++;
        int tile = 4 * s, stride = tile + 1;
        int ty = lid / s, tx = lid % s;
        long tiles = (n + tile - 1) / tile, pairs = tiles * (tiles + 1) / 2;
        for (long pair = Grid.IdxX; pair < pairs; pair += Grid.DimX)
        {
            int tj = (int)((Math.Sqrt(8.0 * pair + 1.0) - 1.0) / 2.0);
            while ((long)tj * (tj + 1) / 2 > pair) tj--;
            while ((long)(tj + 1) * (tj + 2) / 2 <= pair) tj++;
            int tk = (int)(pair - (long)tj * (tj + 1) / 2);
            int j0 = tj * tile, k0 = tk * tile;
            double c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
            double c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
            for (int s0 = 0; s0 < m; s0 += Slice)
            {
                // tile rows × Slice SNPs per panel; neighbouring threads read neighbouring SNPs.
                for (int idx = lid; idx < tile * Slice; idx += g)
                {
                    int row = idx / Slice, snp = idx % Slice;
                    int gs = s0 + snp, gj = j0 + row, gk = k0 + row;
                    wa[snp * stride + row] = gj < n && gs < m ? w[(long)gj * m + gs] : 0.0;
                    wb[snp * stride + row] = gk < n && gs < m ? w[(long)gk * m + gs] : 0.0;
                }
                Group.Barrier();
                for (int snp = 0; snp < Slice; snp++)
                {
                    int o = snp * stride;
                    double x0 = wa[o + ty], x1 = wa[o + ty + s], x2 = wa[o + ty + 2 * s], x3 = wa[o + ty + 3 * s];
                    double y0 = wb[o + tx], y1 = wb[o + tx + s], y2 = wb[o + tx + 2 * s], y3 = wb[o + tx + 3 * s];
                    c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3;
                    c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3;
                    c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3;
                    c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3;
                }
                Group.Barrier();
            }
            AddRow(c, n, j0 + ty, k0 + tx, s, c00, c01, c02, c03);
            AddRow(c, n, j0 + ty + s, k0 + tx, s, c10, c11, c12, c13);
            AddRow(c, n, j0 + ty + 2 * s, k0 + tx, s, c20, c21, c22, c23);
            AddRow(c, n, j0 + ty + 3 * s, k0 + tx, s, c30, c31, c32, c33);
        }
    }

    /// <summary>C[j, k + s·b] += v_b for the entries in the lower triangle.</summary>
    private static void AddRow(ArrayView<double> c, int n, int j, int k, int s, double v0, double v1, double v2, double v3)
    {
        if (j >= n) return;
        long row = (long)j * n;
        if (k <= j) c[row + k] += v0;
        if (k + s <= j) c[row + k + s] += v1;
        if (k + 2 * s <= j) c[row + k + 2 * s] += v2;
        if (k + 3 * s <= j) c[row + k + 3 * s] += v3;
    }

    /// <summary>c[i] = 0 for i &lt; count (grid-stride).</summary>
    [DeviceKernel]
    public static void Zero(ArrayView<double> c, long count)
    {
        long stride = (long)Grid.DimX * Group.DimX;
        for (long i = Grid.GlobalIndex.X; i < count; i += stride) c[i] = 0.0;
    }
}
