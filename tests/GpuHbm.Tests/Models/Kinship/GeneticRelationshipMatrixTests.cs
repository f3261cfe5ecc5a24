using GpuHbm.Models.Kinship;
using Xunit;

namespace GpuHbm.Tests.Models.Kinship;

public class GeneticRelationshipMatrixTests
{
    /// <summary>
    /// Yang et al. 2011 eq. 3 written out SNP by SNP, pair by pair; missing genotypes skipped per
    /// pair (M_jk = SNPs observed in both), monomorphic SNPs skipped.
    /// </summary>
    private static double[] NaiveGrm(sbyte[] x, int n, int m)
    {
        var num = new double[n * n];
        var cnt = new double[n * n];
        for (int s = 0; s < m; s++)
        {
            double total = 0, obs = 0;
            for (int i = 0; i < n; i++) if (x[s * n + i] >= 0) { total += x[s * n + i]; obs++; }
            if (obs == 0) continue;
            double p = total / (2 * obs);
            if (p == 0 || p == 1) continue;
            double v = 2 * p * (1 - p);
            for (int j = 0; j < n; j++)
            {
                double xj = x[s * n + j];
                if (xj < 0) continue;
                for (int k = 0; k < n; k++)
                {
                    double xk = x[s * n + k];
                    if (xk < 0) continue;
                    num[j * n + k] += j == k
                        ? (xj * xj - (1 + 2 * p) * xj + 2 * p * p) / v
                        : (xj - 2 * p) * (xk - 2 * p) / v;
                    cnt[j * n + k]++;
                }
            }
        }
        var a = new double[n * n];
        for (int j = 0; j < n; j++)
            for (int k = 0; k < n; k++)
                a[j * n + k] = (j == k ? 1 : 0) + num[j * n + k] / cnt[j * n + k];
        return a;
    }

    private static PlinkGenotypes Make(sbyte[] x, int n, int m) => PlinkGenotypes.FromDosages(
        Enumerable.Range(0, n).Select(i => new PlinkSample("f", "i" + i)).ToArray(),
        Enumerable.Range(0, m).Select(s => new PlinkSnp("1", "s" + s, 0, s, "A", "B")).ToArray(), x);

    private static sbyte[] RandomDosages(int n, int m, int seed, double missing)
    {
        var rng = new Random(seed);
        var x = new sbyte[n * m];
        for (int s = 0; s < m; s++)
        {
            double p = 0.05 + 0.9 * rng.NextDouble();
            for (int i = 0; i < n; i++)
                x[s * n + i] = rng.NextDouble() < missing ? (sbyte)-1
                    : (sbyte)((rng.NextDouble() < p ? 1 : 0) + (rng.NextDouble() < p ? 1 : 0));
        }
        return x;
    }

    [Fact]
    public void Tiny_hand_matrix_matches_the_naive_formula()
    {
        // 4 individuals × 5 SNPs; SNP 3 is monomorphic (excluded).
        sbyte[] x =
        [
            0, 1, 2, 1,
            2, 2, 1, 0,
            2, 2, 2, 2,
            0, 0, 1, 2,
            1, 0, 0, 1,
        ];
        var grm = GeneticRelationshipMatrix.Compute(Make(x, 4, 5)); // default PSD check (Weyl bound) passes
        Assert.Equal(4, grm.SnpsUsed);
        Assert.Equal(1, grm.SnpsExcluded);
        var expected = NaiveGrm(x, 4, 5);
        for (int i = 0; i < 16; i++) Assert.Equal(expected[i], grm.Matrix.Values[i], 12);
    }

    [Theory]
    [InlineData(70, 600, 0.0)]   // two 64-row tiles, odd edge; > 512 SNPs (two slices)
    [InlineData(37, 90, 0.05)]   // missing genotypes skipped per pair
    public void Random_genotypes_match_the_naive_formula(int n, int m, double missing)
    {
        var x = RandomDosages(n, m, 1000 + n, missing);
        var grm = GeneticRelationshipMatrix.Compute(Make(x, n, m), psdTolerance: missing > 0 ? -1 : null);
        var expected = NaiveGrm(x, n, m);
        for (int i = 0; i < n * n; i++) Assert.Equal(expected[i], grm.Matrix.Values[i], 11);
    }

    [Theory]
    [InlineData(7)]    // missingness starts after several full blocks were already summed
    [InlineData(64)]   // ... and in the middle of a block
    public void Missingness_appearing_late_is_counted_per_pair(int snpBlock)
    {
        int n = 23, m = 100;
        var x = RandomDosages(n, m, 77, 0);
        var rng = new Random(5);
        for (int s = 40; s < m; s++)
            for (int i = 0; i < n; i++)
                if (rng.NextDouble() < 0.1) x[s * n + i] = -1;
        var grm = GeneticRelationshipMatrix.Compute(Make(x, n, m), -1, -1, snpBlock);
        var expected = NaiveGrm(x, n, m);
        for (int i = 0; i < n * n; i++) Assert.Equal(expected[i], grm.Matrix.Values[i], 11);
    }

    [Fact]
    public void Result_is_bit_identical_for_any_thread_count()
    {
        var g = Make(RandomDosages(150, 300, 7, 0.01), 150, 300);
        var one = GeneticRelationshipMatrix.Compute(g, -1, maxDegreeOfParallelism: 1).Matrix.ToArray();
        var many = GeneticRelationshipMatrix.Compute(g, -1, maxDegreeOfParallelism: 4).Matrix.ToArray();
        Assert.Equal(one, many);
    }

    [Fact]
    public void Gram_product_matches_plain_loops()
    {
        int n = 131, m = 45;
        var w = KinshipTestData.Normals(new Random(3), n * m);
        var c = new double[n * n];
        GenotypeGram.AccumulateLower(w, n, m, c);
        GenotypeGram.AccumulateLower(w, n, m, c); // accumulates
        GenotypeGram.MirrorLower(c, n);
        for (int j = 0; j < n; j++)
            for (int k = 0; k < n; k++)
            {
                double s = 0;
                for (int t = 0; t < m; t++) s += w[j * m + t] * w[k * m + t];
                Assert.Equal(2 * s, c[j * n + k], 1e-12 * m);
            }
    }

    [Fact]
    public void All_monomorphic_is_an_error()
    {
        var ex = Assert.Throws<GpuHbmDataException>(() => GeneticRelationshipMatrix.Compute(Make([2, 2, 2, 0, 0, 0], 3, 2)));
        Assert.Contains("no SNP", ex.Message);
    }
}
