using System.Runtime.InteropServices;

namespace GpuHbm.Compute.Native;

/// <summary>
/// The LAPACK routines GpuHbm uses (dsyevd_, dpotrf_), from a native LAPACK found at run
/// time: the library named by GPUHBM_LAPACK when set, else libopenblas.so.0 (multi-threaded), else
/// liblapack.so.3 (Debian's liblapack3: reference LAPACK, or whichever implementation the
/// alternatives system points it at), else liblapack.so. Loaded lazily, once; a machine without any
/// of them gets null from <see cref="TryGet"/> with the reason, and callers fall back to managed code.
/// </summary>
/// <remarks>
/// Fortran calling convention (gfortran ABI): every argument by reference, CHARACTER arguments
/// followed at the end of the list by their hidden lengths (size_t, 1 here), INTEGER 32-bit.
/// Matrices are column-major; the symmetric matrices passed here read the same either way, and the
/// eigenvectors dsyevd returns are the columns of A, i.e. vector i at [i*N, (i+1)*N).
/// </remarks>
internal sealed unsafe class LapackApi : Models.Kinship.ISymmetricEigenSolver, Models.Kinship.ICholeskyFactorization
{
    /// <summary>Environment variable naming a LAPACK library (file name or path) to use instead of the probed ones.</summary>
    public const string LibraryVariable = "GPUHBM_LAPACK";

    /// <summary>Library names in probing order.</summary>
    public static readonly string[] LibraryNames = ["libopenblas.so.0", "liblapack.so.3", "liblapack.so"];

    private static readonly Lazy<(LapackApi? Api, string Why)> Loaded = new(Load);

    /// <summary>The loaded library's name, e.g. liblapack.so.3.</summary>
    public string LibraryName { get; }

    // dsyevd_(jobz, uplo, n, a, lda, w, work, lwork, iwork, liwork, info, len(jobz), len(uplo))
    private readonly delegate* unmanaged<byte*, byte*, int*, double*, int*, double*, double*, int*, int*, int*, int*, nuint, nuint, void> _dsyevd;
    // dpotrf_(uplo, n, a, lda, info, len(uplo))
    private readonly delegate* unmanaged<byte*, int*, double*, int*, int*, nuint, void> _dpotrf;

    private LapackApi(nint handle, string name)
    {
        LibraryName = name;
        _dsyevd = (delegate* unmanaged<byte*, byte*, int*, double*, int*, double*, double*, int*, int*, int*, int*, nuint, nuint, void>)
            NativeLibrary.GetExport(handle, "dsyevd_");
        _dpotrf = (delegate* unmanaged<byte*, int*, double*, int*, int*, nuint, void>)NativeLibrary.GetExport(handle, "dpotrf_");
    }

    /// <summary>The loaded LAPACK, or null with the reason none could be loaded.</summary>
    public static LapackApi? TryGet(out string why)
    {
        var (api, reason) = Loaded.Value;
        why = reason;
        return api;
    }

    /// <summary>"LAPACK dsyevd (liblapack.so.3)".</summary>
    public string Description => $"LAPACK dsyevd ({LibraryName})";

    void Models.Kinship.ISymmetricEigenSolver.Decompose(double[] a, int n, double[] w, bool vectors) => Dsyevd(a, n, w, vectors);

    int Models.Kinship.ICholeskyFactorization.Factor(double[] a, int n) => Dpotrf(a, n);

    /// <summary>Whether a native LAPACK is available.</summary>
    public static bool IsAvailable => Loaded.Value.Api is not null;

    private static (LapackApi?, string) Load()
    {
        string? forced = Environment.GetEnvironmentVariable(LibraryVariable);
        string[] names = string.IsNullOrWhiteSpace(forced) ? LibraryNames : [forced];
        var api = NativeLibraryProbe.TryLoadFirst(names, (h, n) => new LapackApi(h, n), "LAPACK", out var problems);
        if (api is not null) return (api, "");
        return (null, string.IsNullOrWhiteSpace(forced)
            ? $"no native LAPACK was found ({string.Join("; ", problems)}; install liblapack3 or libopenblas0)"
            : $"{LibraryVariable}={forced} could not be used ({string.Join("; ", problems)})");
    }

    /// <summary>
    /// Symmetric eigendecomposition by divide and conquer (dsyevd, jobz = 'V' or 'N', uplo = 'L'):
    /// <paramref name="a"/> (N×N, symmetric) is overwritten by the eigenvectors, column-major
    /// (vector i at [i*N, (i+1)*N)), when <paramref name="vectors"/>; <paramref name="w"/> gets the
    /// eigenvalues in ascending order.
    /// </summary>
    /// <exception cref="GpuHbmException">LAPACK reported info ≠ 0.</exception>
    public void Dsyevd(double[] a, int n, double[] w, bool vectors = true)
    {
        if (a.Length < (long)n * n) throw new ArgumentException($"A has {a.Length} values, fewer than {n}×{n}", nameof(a));
        if (w.Length < n) throw new ArgumentException($"w has {w.Length} values, fewer than {n}", nameof(w));
        if (n == 0) return;
        byte jobz = vectors ? (byte)'V' : (byte)'N', uplo = (byte)'L';
        int nn = n, lda = n, info = 0, lwork = -1, liwork = -1, iworkQuery = 0;
        double workQuery = 0;
        fixed (double* pa = a, pw = w)
        {
            _dsyevd(&jobz, &uplo, &nn, pa, &lda, pw, &workQuery, &lwork, &iworkQuery, &liwork, &info, 1, 1);
            CheckInfo(info, "dsyevd_ (workspace query)", n);
            lwork = checked((int)Math.Ceiling(workQuery));
            liwork = Math.Max(1, iworkQuery);
            var work = new double[Math.Max(1, lwork)];
            var iwork = new int[liwork];
            fixed (double* pwork = work)
            fixed (int* piwork = iwork)
                _dsyevd(&jobz, &uplo, &nn, pa, &lda, pw, pwork, &lwork, piwork, &liwork, &info, 1, 1);
        }
        CheckInfo(info, "dsyevd_", n);
    }

    /// <summary>
    /// Cholesky factorization (dpotrf, uplo = 'U' on the column-major view), in place. Read row-major,
    /// the N×N array then holds the LOWER factor L (K = L Lᵀ) on and below the diagonal; the strict upper
    /// triangle (row-major) is left as it was. Returns LAPACK's info: 0 on success, k &gt; 0 when the
    /// leading minor of order k is not positive definite.
    /// </summary>
    public int Dpotrf(double[] a, int n)
    {
        if (a.Length < (long)n * n) throw new ArgumentException($"A has {a.Length} values, fewer than {n}×{n}", nameof(a));
        if (n == 0) return 0;
        byte uplo = (byte)'U';
        int nn = n, lda = n, info = 0;
        fixed (double* pa = a) _dpotrf(&uplo, &nn, pa, &lda, &info, 1);
        if (info < 0) CheckInfo(info, "dpotrf_", n);
        return info;
    }

    private void CheckInfo(int info, string call, int n)
    {
        if (info == 0) return;
        string what = info < 0
            ? $"argument {-info} had an illegal value"
            : $"the algorithm failed to converge ({info} off-diagonal elements or eigenvalues did not converge)";
        throw new GpuHbmException($"LAPACK {call} ({LibraryName}) failed on a {n}×{n} matrix with info = {info}: {what}");
    }
}
