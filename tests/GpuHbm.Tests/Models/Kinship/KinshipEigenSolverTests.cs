using GpuHbm.Compute.Native;
using GpuHbm.Models.Kinship;
using GpuHbm.Tests.Compute;
using Xunit;

namespace GpuHbm.Tests.Models.Kinship;

/// <summary>
/// The native eigensolvers (LAPACK dsyevd, cuSOLVER dsyevd) against MathNet's managed one: eigenvalues to
/// 1e-9 relative, eigenvectors up to sign (|Uᵀ U_ref| ≈ I where the spectrum is well separated) and the
/// reconstruction K ≈ U S Uᵀ to 1e-9 relative. LAPACK tests skip when no native LAPACK loads, unless
/// GPUHBM_REQUIRE_LAPACK=1 ([LapackFact]).
/// </summary>
public class KinshipEigenSolverTests
{
    private const double Tolerance = 1e-9;

    /// <summary>A PSD matrix A Aᵀ/m + I with a well-separated spectrum (m ≥ n keeps eigenvalues apart).</summary>
    private static RelationshipMatrix RandomPsd(int n, int seed)
    {
        var rng = new Random(seed);
        var a = KinshipTestData.Normals(rng, n * (n + 5));
        int m = n + 5;
        var k = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j <= i; j++)
            {
                double s = 0;
                for (int t = 0; t < m; t++) s += a[i * m + t] * a[j * m + t];
                k[i * n + j] = k[j * n + i] = s / m + (i == j ? 0.1 : 0);
            }
        return new RelationshipMatrix(KinshipTestData.Ids(n), k, "random PSD test matrix");
    }

    /// <summary>A GCTA GRM of simulated families (repeated eigenvalues are possible: compare reconstructions only).</summary>
    private static RelationshipMatrix SimulatedGrm(int families, int unrelated, int snps, ulong seed) =>
        GeneticRelationshipMatrix.Compute(GenotypeSimulator.Simulate(new GenotypeSimulationSettings(families, 3, unrelated, snps, seed))).Matrix;

    internal static void AssertSameEigenvalues(KinshipEigenSystem reference, KinshipEigenSystem other)
    {
        Assert.Equal(reference.Count, other.Count);
        double scale = reference.Eigenvalues[^1];
        for (int i = 0; i < reference.Count; i++)
        {
            double a = reference.Eigenvalues[i], b = other.Eigenvalues[i];
            Assert.True(Math.Abs(a - b) <= Tolerance * Math.Max(Math.Abs(a), scale * 1e-3) + 1e-13 * scale,
                $"eigenvalue {i}: {a:R} vs {b:R} ({reference.Solver} vs {other.Solver})");
        }
    }

    /// <summary>max |K − U S Uᵀ| / max |K| over all entries.</summary>
    internal static double ReconstructionError(RelationshipMatrix k, KinshipEigenSystem e)
    {
        int n = k.Count;
        var u = e.Eigenvectors;
        var s = e.Eigenvalues;
        double maxK = 0, maxErr = 0;
        for (int i = 0; i < n; i++)
            for (int j = 0; j <= i; j++)
            {
                double sum = 0;
                for (int c = 0; c < n; c++) sum += u[c * n + i] * s[c] * u[c * n + j];
                maxErr = Math.Max(maxErr, Math.Abs(sum - k[i, j]));
                maxK = Math.Max(maxK, Math.Abs(k[i, j]));
            }
        return maxErr / maxK;
    }

    /// <summary>max over (i, j) of | |u_i · v_j| − δ_ij |: the two bases agree up to the sign of each vector.</summary>
    internal static double BasisMismatch(KinshipEigenSystem reference, KinshipEigenSystem other)
    {
        int n = reference.Count;
        var u = reference.Eigenvectors;
        var v = other.Eigenvectors;
        double worst = 0;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                double dot = 0;
                for (int t = 0; t < n; t++) dot += u[i * n + t] * v[j * n + t];
                worst = Math.Max(worst, Math.Abs(Math.Abs(dot) - (i == j ? 1 : 0)));
            }
        return worst;
    }

    [LapackTheory]
    [InlineData(1, 1)]
    [InlineData(7, 2)]
    [InlineData(64, 3)]
    [InlineData(150, 4)]
    public void Lapack_matches_managed_on_random_psd_matrices(int n, int seed)
    {
        var k = RandomPsd(n, seed);
        var managed = KinshipEigenSystem.Decompose(k, KinshipEigenSolver.Managed);
        var lapack = KinshipEigenSystem.Decompose(k, KinshipEigenSolver.Lapack);
        Assert.Equal(KinshipEigenSolver.Lapack, lapack.SolverKind);
        Assert.StartsWith("LAPACK dsyevd (", lapack.Solver);
        Assert.Equal("managed (MathNet)", managed.Solver);
        AssertSameEigenvalues(managed, lapack);
        Assert.True(BasisMismatch(managed, lapack) < Tolerance, $"basis mismatch {BasisMismatch(managed, lapack):G3}");
        Assert.True(ReconstructionError(k, lapack) < Tolerance, $"reconstruction {ReconstructionError(k, lapack):G3}");
    }

    [LapackFact]
    public void Lapack_matches_managed_on_a_family_grm()
    {
        var k = SimulatedGrm(families: 20, unrelated: 60, snps: 400, seed: 5); // N = 160, slightly indefinite
        var managed = KinshipEigenSystem.Decompose(k, KinshipEigenSolver.Managed);
        var lapack = KinshipEigenSystem.Decompose(k, KinshipEigenSolver.Lapack);
        AssertSameEigenvalues(managed, lapack);
        Assert.Equal(managed.ClampedEigenvalues, lapack.ClampedEigenvalues);
        // Reconstruct the clamped matrix both ways: U S Uᵀ from either solver must agree (the clamp is the same).
        int n = k.Count;
        double worst = 0, scale = managed.Eigenvalues[^1];
        for (int i = 0; i < n; i++)
            for (int j = 0; j <= i; j++)
            {
                double a = 0, b = 0;
                for (int c = 0; c < n; c++)
                {
                    a += managed.Eigenvectors[c * n + i] * managed.Eigenvalues[c] * managed.Eigenvectors[c * n + j];
                    b += lapack.Eigenvectors[c * n + i] * lapack.Eigenvalues[c] * lapack.Eigenvectors[c * n + j];
                }
                worst = Math.Max(worst, Math.Abs(a - b));
            }
        Assert.True(worst < Tolerance * scale, $"clamped reconstructions differ by {worst:G3}");
        // Rotations used by the fast path agree through the reconstruction: Σ_i (u_i·y)² s_i is basis-free within an eigenspace.
        var y = KinshipTestData.Normals(new Random(9), n);
        var ry1 = new double[n];
        var ry2 = new double[n];
        managed.Rotate(y, ry1);
        lapack.Rotate(y, ry2);
        double q1 = 0, q2 = 0;
        for (int i = 0; i < n; i++) { q1 += ry1[i] * ry1[i] / (managed.Eigenvalues[i] + 1); q2 += ry2[i] * ry2[i] / (lapack.Eigenvalues[i] + 1); }
        Assert.Equal(q1, q2, Tolerance * Math.Abs(q1));
    }

    [LapackFact]
    public void Lapack_cholesky_matches_managed()
    {
        var k = RandomPsd(90, 11);
        int n = k.Count;
        var a = k.Values.ToArray();
        var lapack = LapackApi.TryGet(out _)!;
        Assert.Equal(0, lapack.Dpotrf(a, n));
        var reference = k.ToMatrix().Cholesky().Factor;
        for (int i = 0; i < n; i++)
            for (int j = 0; j <= i; j++) Assert.Equal(reference[i, j], a[i * n + j], 1e-11);
        var indefinite = new double[] { 1, 2, 2, 1 };
        Assert.Equal(2, lapack.Dpotrf(indefinite, 2));
    }

    [Fact]
    public void Automatic_choice_and_environment_override()
    {
        var (solver, _) = KinshipEigenSystem.ChooseAutomatically(10);
        Assert.Equal(LapackApi.IsAvailable ? KinshipEigenSolver.Lapack : KinshipEigenSolver.Managed, solver);
        var k = RandomPsd(12, 1);
        var auto = KinshipEigenSystem.Decompose(k);
        Assert.Equal(solver, auto.SolverKind);
        Assert.NotEqual(KinshipEigenSolver.Auto, auto.SolverKind);
    }

    [CudaFact]
    public void Cusolver_matches_lapack_and_managed()
    {
        // UNVERIFIED where written (no GPU): runs on a machine with a CUDA device and cuSOLVER.
        foreach (var (n, seed) in new[] { (1, 1), (33, 2), (300, 3) })
        {
            var k = RandomPsd(n, seed);
            var reference = KinshipEigenSystem.Decompose(k, LapackApi.IsAvailable ? KinshipEigenSolver.Lapack : KinshipEigenSolver.Managed);
            var gpu = KinshipEigenSystem.Decompose(k, KinshipEigenSolver.Cusolver);
            Assert.Equal(KinshipEigenSolver.Cusolver, gpu.SolverKind);
            Assert.StartsWith("cuSOLVER dsyevd (", gpu.Solver);
            AssertSameEigenvalues(reference, gpu);
            Assert.True(BasisMismatch(reference, gpu) < Tolerance, $"N = {n}: basis mismatch {BasisMismatch(reference, gpu):G3}");
            Assert.True(ReconstructionError(k, gpu) < Tolerance, $"N = {n}: reconstruction {ReconstructionError(k, gpu):G3}");
        }
    }
}
