using ILGPU;

namespace GpuHbm.Kernels;

public static partial class GlmmKernels
{
    /// <summary>
    /// The tile's reductions, in one launch:
    /// <list type="bullet">
    /// <item>segment sums: a group per (chain, column q, segment) of the tile (group-stride): q = 0 sums the log
    /// likelihood, q &gt; 0 sums d_i·X[i, q−1], over the segment's rows; thread t takes rows t, t + G, … in order,
    /// then the fixed tree (<see cref="GroupReduce.Sum"/>) writes Partials[(c·(P+1) + q)·Segments + s];</item>
    /// <item>per-level sums: a thread per (level, chain) (grid-stride) continues ∂/∂r[level, :] += Σ d_i·Z[i, :]
    /// over the level's rows in the tile, in row order (through the CSR permutation), from 0 on the first tile.
    /// The fold is sequential in row order, so it does not depend on the tile size.</item>
    /// </list>
    /// </summary>
    [DeviceKernel]
    public static void Sums(GlmmModelView m, GlmmPass e)
    {
        var scratch = GroupReduce.Scratch();
        int t = Group.IdxX, g = Group.DimX, columns = m.P + 1;
        long items = (long)e.Chains * columns * e.SegmentCount;
        for (long item = Grid.IdxX; item < items; item += Grid.DimX)
        {
            int c = (int)(item / ((long)columns * e.SegmentCount));
            int rest = (int)(item - (long)c * columns * e.SegmentCount);
            int q = rest / e.SegmentCount;
            int s = e.FirstSegment + (rest - q * e.SegmentCount);
            if (e.Active[c] == 0) continue;   // uniform over the group
            int start = s * e.SegmentRows;
            int end = Math.Min(start + e.SegmentRows, m.N);
            long tile = (long)c * e.Tile - e.FirstRow;
            double acc = 0;
            if (q == 0)
                for (int i = start + t; i < end; i += g) acc += e.TileLogLik[tile + i];
            else
                for (int i = start + t; i < end; i += g) acc += e.TileD[tile + i] * m.X[(long)i * m.P + q - 1];
            double v = GroupReduce.Sum(scratch, acc);
            if (t == 0) e.Partials[((long)c * columns + q) * e.Segments + s] = v;
        }

        long pairs = (long)m.Levels * e.Chains;
        long stride = (long)Grid.DimX * g;
        for (long id = Grid.GlobalIndex.X; id < pairs; id += stride)
        {
            int level = (int)(id / e.Chains);
            int c = (int)(id - (long)level * e.Chains);
            if (e.Active[c] == 0) continue;
            LevelSums(m, e, level, c);
        }
    }

    private static void LevelSums(GlmmModelView m, GlmmPass e, int level, int c)
    {
        var term = m.TermTable[m.LevelTerm[level]];
        int k = term.K, j = level - term.Level0;
        long gr = (long)c * m.Effects + term.EffectOffset + (long)j * k;
        // The level's rows in the tile: the first position whose row is ≥ FirstRow, by bisection.
        int lo = m.Csr[level], hi = m.Csr[level + 1];
        while (lo < hi)
        {
            int mid = lo + (hi - lo) / 2;
            if (m.Permutation[mid] < e.FirstRow) lo = mid + 1; else hi = mid;
        }
        int end = m.Csr[level + 1], lastRow = e.FirstRow + e.Rows;
        long tile = (long)c * e.Tile - e.FirstRow;
        for (int a = 0; a < k; a++)
        {
            double acc = e.FirstTile != 0 ? 0.0 : e.EffectGradient[gr + a];
            for (int p = lo; p < end; p++)
            {
                int i = m.Permutation[p];
                if (i >= lastRow) break;
                acc += e.TileD[tile + i] * m.Design[term.DesignOffset + (long)i * k + a];
            }
            e.EffectGradient[gr + a] = acc;
        }
    }
}
