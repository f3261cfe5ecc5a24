using SimdVector = System.Numerics.Vector;
using SimdVectorD = System.Numerics.Vector<double>;
using System.Runtime.CompilerServices;
using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.LinearAlgebra.Factorization;

namespace GpuHbm.Models.Kinship;

/// <summary>
/// The lower Cholesky factor L of K + εI, for the general (non-Gaussian) kinship model, which
/// samples standard normals z and sets u = σg·L z so that u ~ N(0, σg²(K + εI)) (the
/// non-centred parameterization brms uses for gr(..., cov = K)).
/// </summary>
/// <remarks>
/// The jitter ε starts at 1e-6 × (mean diagonal of K), enough for the zero eigenvalues of a GRM
/// from fewer SNPs than individuals; if the factorization still fails it is multiplied by 10, up to
/// 1e-1 × mean diagonal (a GCTA GRM from few SNPs is slightly indefinite, see <see cref="GrmReader"/>),
/// after which the matrix is reported as not positive semi-definite.
/// <see cref="Multiply"/> and <see cref="MultiplyTransposed"/> apply L and Lᵀ to a whole ensemble of
/// chains (the gradient of the non-centred model needs Lᵀ); both are blocked, multi-threaded and
/// deterministic. The factorization is native LAPACK dpotrf when a LAPACK library loads, else MathNet's.
/// </remarks>
public sealed class KinshipCholesky
{
    private const int RowBlock = 32;
    private readonly double[] _lower;

    /// <summary>Order N of the matrix.</summary>
    public int Count { get; }

    /// <summary>The jitter ε actually added to the diagonal.</summary>
    public double Jitter { get; }

    /// <summary>L, N×N row-major (zero above the diagonal).</summary>
    public ReadOnlySpan<double> Lower => _lower;

    private KinshipCholesky(double[] lower, int n, double jitter)
    {
        _lower = lower;
        Count = n;
        Jitter = jitter;
    }

    /// <summary>Factors K + εI with the jitter schedule described on the class.</summary>
    public static KinshipCholesky Factor(RelationshipMatrix k)
    {
        ArgumentNullException.ThrowIfNull(k);
        int n = k.Count;
        double meanDiag = 0;
        for (int i = 0; i < n; i++) meanDiag += k[i, i];
        meanDiag /= n;
        if (!(meanDiag > 0))
            throw new GpuHbmModelException($"the relationship matrix from {k.Source} has a non-positive mean diagonal ({meanDiag:G6}), so it cannot be factored");
        var values = k.Values;
        for (double eps = 1e-6 * meanDiag; eps <= 1.0001e-1 * meanDiag; eps *= 10)
        {
            var lower = values.ToArray();
            for (int i = 0; i < n; i++) lower[(long)i * n + i] += eps;
            if (TryFactorLower(lower, n))
            {
                for (int i = 0; i < n; i++) Array.Clear(lower, i * n + i + 1, n - i - 1);
                return new KinshipCholesky(lower, n, eps);
            }
        }
        throw new GpuHbmModelException(
            $"the relationship matrix from {k.Source} could not be Cholesky-factored even with {1e-1 * meanDiag:G3} added to its diagonal; it is not positive semi-definite");
    }

    /// <summary>
    /// Cholesky factorization in place of the symmetric N×N row-major <paramref name="a"/>: on success the
    /// lower triangle (diagonal included) holds L with A = L Lᵀ; the strict upper triangle is unspecified.
    /// Native LAPACK dpotrf when one loads (<see cref="KinshipLinearAlgebra.Native"/>), else MathNet. False when A is not
    /// (numerically) positive definite.
    /// </summary>
    internal static bool TryFactorLower(double[] a, int n)
    {
        if (KinshipLinearAlgebra.Native.LapackCholesky() is { } lapack)
        {
            if (lapack.Factor(a, n) != 0) return false;
            for (int i = 0; i < n; i++)
            {
                double d = a[(long)i * n + i];
                if (!(d > 0) || !double.IsFinite(d)) return false;
            }
            return true;
        }
        var m = Matrix<double>.Build.Dense(n, n, (i, j) => a[(long)i * n + j]);
        if (!TryFactor(m, out var chol)) return false;
        var l = chol!.Factor;
        for (int i = 0; i < n; i++)
            for (int j = 0; j <= i; j++) a[(long)i * n + j] = l[i, j];
        return true;
    }

    /// <summary>MathNet's Cholesky, false instead of an exception when the matrix is not positive definite.</summary>
    internal static bool TryFactor(Matrix<double> a, out Cholesky<double>? factor)
    {
        try
        {
            factor = a.Cholesky();
            var l = factor.Factor;
            for (int i = 0; i < l.RowCount; i++)
                if (!(l[i, i] > 0) || !double.IsFinite(l[i, i])) { factor = null; return false; }
            return true;
        }
        catch (ArgumentException) { factor = null; return false; }
    }

    /// <summary>
    /// U = L Z for an ensemble: Z is N×C stored chain by chain (chain c's z at [c*N, (c+1)*N), the
    /// chains × D layout of <see cref="IBatchedDensity"/>), and U is written the same way.
    /// </summary>
    public unsafe void Multiply(ReadOnlySpan<double> z, Span<double> u, int chains)
    {
        int n = Count;
        CheckSizes(z, u, chains);
        int blocks = (n + RowBlock - 1) / RowBlock;
        fixed (double* pz = z, pu = u, pl = _lower)
        {
            nint az = (nint)pz, au = (nint)pu, al = (nint)pl;
            Parallel.For(0, blocks, b =>
            {
                double* zz = (double*)az, uu = (double*)au, ll = (double*)al;
                int i0 = b * RowBlock, i1 = Math.Min(n, i0 + RowBlock);
                for (int c = 0; c < chains; c++)
                    for (int i = i0; i < i1; i++)
                        uu[(long)c * n + i] = Dot(ll + (long)i * n, zz + (long)c * n, i + 1);
            });
        }
    }

    /// <summary>V = Lᵀ G for an ensemble laid out as in <see cref="Multiply"/> (the chain rule through u = L z).</summary>
    public unsafe void MultiplyTransposed(ReadOnlySpan<double> g, Span<double> v, int chains)
    {
        int n = Count;
        CheckSizes(g, v, chains);
        int blocks = (n + RowBlock - 1) / RowBlock;
        fixed (double* pg = g, pv = v, pl = _lower)
        {
            nint ag = (nint)pg, av = (nint)pv, al = (nint)pl;
            Parallel.For(0, blocks, b =>
            {
                double* gg = (double*)ag, vv = (double*)av, ll = (double*)al;
                int j0 = b * RowBlock, j1 = Math.Min(n, j0 + RowBlock);
                Span<double> acc = stackalloc double[RowBlock];
                for (int c = 0; c < chains; c++)
                {
                    acc.Clear();
                    double* gc = gg + (long)c * n;
                    // v_j = Σ_{i ≥ j} L_ij g_i, read as row strips L[i, j0..j1) (contiguous).
                    for (int i = j0; i < n; i++)
                    {
                        double gi = gc[i];
                        double* row = ll + (long)i * n;
                        int jEnd = Math.Min(j1, i + 1);
                        for (int j = j0; j < jEnd; j++) acc[j - j0] += row[j] * gi;
                    }
                    for (int j = j0; j < j1; j++) vv[(long)c * n + j] = acc[j - j0];
                }
            });
        }
    }

    private void CheckSizes(ReadOnlySpan<double> input, Span<double> output, int chains)
    {
        long need = (long)Count * chains;
        if (input.Length < need || output.Length < need)
            throw new ArgumentException($"the ensemble needs {need} values ({Count} × {chains} chains)");
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe double Dot(double* a, double* b, int len)
    {
        int v = SimdVectorD.Count, t = 0;
        var s = SimdVectorD.Zero;
        for (; t <= len - v; t += v)
            s += Unsafe.ReadUnaligned<SimdVectorD>(a + t) * Unsafe.ReadUnaligned<SimdVectorD>(b + t);
        double r = SimdVector.Sum(s);
        for (; t < len; t++) r += a[t] * b[t];
        return r;
    }
}
