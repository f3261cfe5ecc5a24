using GpuHbm.Models.Kinship;
using Xunit;

namespace GpuHbm.Tests.Models.Kinship;

public class KinshipCholeskyTests
{
    [Fact]
    public void Factor_reproduces_K_plus_jitter_and_rank_deficient_K_is_factored()
    {
        // Rank 10 < N = 40: the smallest eigenvalues are 0, so the jitter is what makes it factorable.
        var k = KinshipTestData.RandomKinship(40, 10, 51);
        var chol = KinshipCholesky.Factor(k);
        double meanDiag = Enumerable.Range(0, 40).Average(i => k[i, i]);
        Assert.InRange(chol.Jitter, 1e-6 * meanDiag * 0.999, 1e-1 * meanDiag * 1.001);
        var l = chol.Lower;
        for (int i = 0; i < 40; i++)
            for (int j = 0; j < 40; j++)
            {
                double s = 0;
                for (int t = 0; t < 40; t++) s += l[i * 40 + t] * l[j * 40 + t];
                Assert.Equal(k[i, j] + (i == j ? chol.Jitter : 0), s, 1e-10);
                if (j > i) Assert.Equal(0, l[i * 40 + j]);
            }
    }

    [Fact]
    public void Ensemble_products_match_plain_loops()
    {
        const int n = 75, chains = 5; // 75 = two full row blocks of 32 plus an edge
        var chol = KinshipCholesky.Factor(KinshipTestData.RandomKinship(n, 90, 52));
        var z = KinshipTestData.Normals(new Random(53), n * chains);
        var u = new double[n * chains];
        var v = new double[n * chains];
        chol.Multiply(z, u, chains);
        chol.MultiplyTransposed(z, v, chains);
        var l = chol.Lower;
        for (int c = 0; c < chains; c++)
            for (int i = 0; i < n; i++)
            {
                double lu = 0, ltv = 0;
                for (int j = 0; j < n; j++)
                {
                    lu += l[i * n + j] * z[c * n + j];
                    ltv += l[j * n + i] * z[c * n + j];
                }
                Assert.Equal(lu, u[c * n + i], 1e-12);
                Assert.Equal(ltv, v[c * n + i], 1e-12);
            }
    }

    [Fact]
    public void Indefinite_matrix_cannot_be_factored()
    {
        var k = new RelationshipMatrix(["a", "b"], [1, 2, 2, 1], psdTolerance: -1);
        var ex = Assert.Throws<GpuHbmModelException>(() => KinshipCholesky.Factor(k));
        Assert.Contains("not positive semi-definite", ex.Message);
    }
}
