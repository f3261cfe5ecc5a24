namespace GpuHbm.Models.Kinship;

/// <summary>A dense symmetric eigensolver (LAPACK or cuSOLVER dsyevd).</summary>
/// <remarks>
/// Interface notes: <c>a</c> is N×N symmetric (either triangle may be read); with <c>vectors</c> it is overwritten by
/// the eigenvectors column-major (vector i at [i·N, (i+1)·N)); <c>w</c> receives the eigenvalues in ascending order.
/// Failures are <see cref="GpuHbmException"/>s naming the library and the call.
/// </remarks>
public interface ISymmetricEigenSolver
{
    /// <summary>Which solver this is, e.g. "LAPACK dsyevd (liblapack.so.3)".</summary>
    string Description { get; }

    /// <summary>Decomposes <paramref name="a"/> in place.</summary>
    void Decompose(double[] a, int n, double[] w, bool vectors = true);
}

/// <summary>A dense Cholesky factorization in place (LAPACK dpotrf).</summary>
/// <remarks>
/// Interface notes: on success the row-major N×N <c>a</c> holds the lower factor L (A = L Lᵀ) on and below the
/// diagonal and the result is 0; k &gt; 0 means the leading minor of order k is not positive definite.
/// </remarks>
public interface ICholeskyFactorization
{
    /// <summary>Factors <paramref name="a"/> in place; LAPACK's info.</summary>
    int Factor(double[] a, int n);
}

/// <summary>
/// The native dense linear algebra the kinship set-up may use (the O(N³) steps, once per fit): native LAPACK and
/// cuSOLVER on a CUDA device. The model layer reaches them only through this interface, so it imports nothing of
/// the compute layer; the composition root registers the implementation (<see cref="KinshipLinearAlgebra.Native"/>).
/// </summary>
public interface INativeSolvers
{
    /// <summary>Native LAPACK's eigensolver, or null with the reason none loads.</summary>
    ISymmetricEigenSolver? LapackEigen(out string why);

    /// <summary>Native LAPACK's Cholesky factorization, or null when none loads.</summary>
    ICholeskyFactorization? LapackCholesky();

    /// <summary>cuSOLVER's eigensolver on CUDA device 0, or null with the reason it cannot be used.</summary>
    ISymmetricEigenSolver? CusolverEigen(out string why);
}

/// <summary>Where the kinship code finds native solvers; without a registration it uses MathNet's managed code.</summary>
public static class KinshipLinearAlgebra
{
    /// <summary>The native solvers (registered by the composition root when the library loads).</summary>
    public static INativeSolvers Native { get; set; } = new ManagedOnly();

    private sealed class ManagedOnly : INativeSolvers
    {
        private const string Why = "no native solvers are registered";

        public ISymmetricEigenSolver? LapackEigen(out string why) { why = Why; return null; }

        public ICholeskyFactorization? LapackCholesky() => null;

        public ISymmetricEigenSolver? CusolverEigen(out string why) { why = Why; return null; }
    }
}
