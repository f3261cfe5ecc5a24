using System.Numerics;
using System.Runtime.CompilerServices;

namespace GpuHbm.Models.Kinship;

/// <summary>
/// The Gram product C += W Wᵀ of a standardized genotype block W (N individuals × m SNPs), the
/// O(N²M) core of the genetic relationship matrix (Yang et al. 2011, eq. 3 off the diagonal).
/// This is the one method a GPU backend replaces (a SYRK); everything around it is O(NM).
/// </summary>
/// <remarks>
/// Managed, blocked and multi-threaded: C is cut into 64×64 tiles, the lower-triangle tiles are
/// shared among threads, and each tile runs a 2×2 register-blocked, SIMD (Vector&lt;double&gt;) dot-product
/// kernel over 512-SNP slices so that both 64-row panels of W stay in cache. Each entry of C is
/// summed by one thread in a fixed order, so the result is bit-identical for any thread count.
/// Only the lower triangle (j ≥ k) is updated; call <see cref="MirrorLower"/> when done.
/// </remarks>
public static class GenotypeGram
{
    private const int Tile = 64;
    private const int Slice = 512;

    /// <summary>
    /// Adds W Wᵀ to the lower triangle of <paramref name="c"/> (N×N row-major). <paramref name="w"/> is
    /// N×<paramref name="m"/> row-major (individual j's standardized genotypes at [j*m, (j+1)*m)).
    /// </summary>
    public static unsafe void AccumulateLower(double[] w, int n, int m, double[] c, int maxDegreeOfParallelism = -1)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(c);
        if (w.Length < (long)n * m) throw new ArgumentException($"W has {w.Length} values, fewer than {n}×{m}", nameof(w));
        if (c.Length < (long)n * n) throw new ArgumentException($"C has {c.Length} values, fewer than {n}×{n}", nameof(c));
        if (n == 0 || m == 0) return;
        int tiles = (n + Tile - 1) / Tile;
        int pairs = tiles * (tiles + 1) / 2;
        var options = new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism };
        Parallel.For(0, pairs, options, pair =>
        {
            // pair → (tj, tk) with tk ≤ tj, row-by-row through the lower triangle of tiles.
            int tj = (int)((Math.Sqrt(8.0 * pair + 1) - 1) / 2);
            while (tj * (tj + 1) / 2 > pair) tj--;
            while ((tj + 1) * (tj + 2) / 2 <= pair) tj++;
            int tk = pair - tj * (tj + 1) / 2;
            fixed (double* pw = w, pc = c)
                TileKernel(pw, pc, n, m, tj * Tile, Math.Min(n, (tj + 1) * Tile), tk * Tile, Math.Min(n, (tk + 1) * Tile));
        });
    }

    /// <summary>Copies the lower triangle of the N×N row-major <paramref name="c"/> onto its upper triangle.</summary>
    public static void MirrorLower(double[] c, int n)
    {
        for (int j = 0; j < n; j++)
            for (int k = 0; k < j; k++) c[k * n + j] = c[j * n + k];
    }

    private static unsafe void TileKernel(double* w, double* c, int n, int m, int j0, int j1, int k0, int k1)
    {
        bool diagonal = j0 == k0;
        for (int s0 = 0; s0 < m; s0 += Slice)
        {
            int len = Math.Min(Slice, m - s0);
            for (int j = j0; j < j1; j += 2)
            {
                int ja = j, jb = Math.Min(j + 1, j1 - 1);
                int kEnd = diagonal ? Math.Min(jb + 1, k1) : k1;
                for (int k = k0; k < kEnd; k += 2)
                {
                    int ka = k, kb = Math.Min(k + 1, kEnd - 1);
                    Dot2x2(w + (long)ja * m + s0, w + (long)jb * m + s0, w + (long)ka * m + s0, w + (long)kb * m + s0, len,
                        out double s00, out double s01, out double s10, out double s11);
                    // Only entries in the lower triangle, written once each (duplicated edge rows skipped).
                    if (ka <= ja) c[(long)ja * n + ka] += s00;
                    if (kb != ka && kb <= ja) c[(long)ja * n + kb] += s01;
                    if (jb != ja)
                    {
                        if (ka <= jb) c[(long)jb * n + ka] += s10;
                        if (kb != ka && kb <= jb) c[(long)jb * n + kb] += s11;
                    }
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Dot2x2(double* a0, double* a1, double* b0, double* b1, int len,
        out double s00, out double s01, out double s10, out double s11)
    {
        int v = Vector<double>.Count, t = 0;
        var v00 = Vector<double>.Zero; var v01 = Vector<double>.Zero;
        var v10 = Vector<double>.Zero; var v11 = Vector<double>.Zero;
        for (; t <= len - v; t += v)
        {
            var x0 = Unsafe.ReadUnaligned<Vector<double>>(a0 + t);
            var x1 = Unsafe.ReadUnaligned<Vector<double>>(a1 + t);
            var y0 = Unsafe.ReadUnaligned<Vector<double>>(b0 + t);
            var y1 = Unsafe.ReadUnaligned<Vector<double>>(b1 + t);
            v00 += x0 * y0; v01 += x0 * y1; v10 += x1 * y0; v11 += x1 * y1;
        }
        s00 = Vector.Sum(v00); s01 = Vector.Sum(v01); s10 = Vector.Sum(v10); s11 = Vector.Sum(v11);
        for (; t < len; t++)
        {
            s00 += a0[t] * b0[t]; s01 += a0[t] * b1[t];
            s10 += a1[t] * b0[t]; s11 += a1[t] * b1[t];
        }
    }
}
