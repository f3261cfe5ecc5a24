using System.Diagnostics;
using MathNet.Numerics.LinearAlgebra;

namespace GpuHbm.Models.Kinship;

/// <summary>
/// The eigendecomposition K = U S Uᵀ that the FaST-LMM fast path computes once (Lippert et al.
/// 2011, "FaST linear mixed models for genome-wide association studies", Nature Methods 8:833):
/// in the rotated basis Uᵀy the covariance σg²K + σe²I is diagonal, σg²S + σe²I.
/// </summary>
/// <remarks>
/// The O(N³) decomposition runs on the fastest solver available (<see cref="KinshipEigenSolver.Auto"/>):
/// cuSOLVER dsyevd on a CUDA GPU when N ≥ <see cref="CusolverThreshold"/>, else native LAPACK dsyevd
/// (OpenBLAS or liblapack.so.3), else MathNet's managed solver (Householder tridiagonalization + QL);
/// <see cref="Solver"/> says which ran and <see cref="DecompositionTime"/> its wall time. The environment
/// variable GPUHBM_EIGEN_SOLVER (managed, lapack, cusolver, auto) overrides the automatic choice. A native
/// solver that fails to load falls back to the next one (the reason is kept in <see cref="FallbackReason"/>);
/// an explicitly requested one that is unavailable is an error. Eigenvalues are sorted ascending; tiny
/// negative ones (rounding, or indefiniteness within the PSD tolerance) are set to 0. U is kept
/// column-major so that each eigenvector is contiguous.
/// </remarks>
public sealed class KinshipEigenSystem
{
    /// <summary>Environment variable that overrides <see cref="KinshipEigenSolver.Auto"/>: managed, lapack, cusolver or auto.</summary>
    public const string SolverVariable = "GPUHBM_EIGEN_SOLVER";

    /// <summary>
    /// Smallest N for which <see cref="KinshipEigenSolver.Auto"/> moves the decomposition to a CUDA GPU: below it
    /// the host ↔ device copies, context and cuSOLVER start-up (about a second) outweigh the O(N³) work that
    /// LAPACK does in seconds.
    /// </summary>
    public const int CusolverThreshold = 2000;

    private readonly double[] _u;
    private readonly double[] _s;

    /// <summary>Order N.</summary>
    public int Count { get; }

    /// <summary>Ids of the matrix, in order (the order of the vectors rotated here).</summary>
    public IReadOnlyList<string> Ids { get; }

    /// <summary>Eigenvalues s_i ≥ 0, ascending.</summary>
    public ReadOnlySpan<double> Eigenvalues => _s;

    /// <summary>U, column-major: eigenvector i at [i*N, (i+1)*N).</summary>
    public ReadOnlySpan<double> Eigenvectors => _u;

    /// <summary>Wall time of the eigendecomposition itself.</summary>
    public TimeSpan DecompositionTime { get; }

    /// <summary>How many eigenvalues were negative and set to 0.</summary>
    public int ClampedEigenvalues { get; }

    /// <summary>Which solver ran, e.g. "LAPACK dsyevd (liblapack.so.3)" or "managed (MathNet)".</summary>
    public string Solver { get; }

    /// <summary>The solver kind that ran (never <see cref="KinshipEigenSolver.Auto"/>).</summary>
    public KinshipEigenSolver SolverKind { get; }

    /// <summary>Why a faster solver was not used (null when the first choice ran).</summary>
    public string? FallbackReason { get; }

    private KinshipEigenSystem(IReadOnlyList<string> ids, double[] u, double[] s, TimeSpan time, int clamped,
        KinshipEigenSolver kind, string solver, string? fallback)
    {
        Ids = ids;
        Count = s.Length;
        _u = u;
        _s = s;
        DecompositionTime = time;
        ClampedEigenvalues = clamped;
        SolverKind = kind;
        Solver = solver;
        FallbackReason = fallback;
    }

    /// <summary>Decomposes <paramref name="k"/> (O(N³), timed) with <paramref name="solver"/>.</summary>
    /// <exception cref="GpuHbmException">An explicitly requested native solver is unavailable or failed.</exception>
    public static KinshipEigenSystem Decompose(RelationshipMatrix k, KinshipEigenSolver solver = KinshipEigenSolver.Auto)
    {
        ArgumentNullException.ThrowIfNull(k);
        int n = k.Count;
        if (solver == KinshipEigenSolver.Auto) solver = SolverFromEnvironment();
        bool automatic = solver == KinshipEigenSolver.Auto;
        var (kind, fallback) = automatic ? ChooseAutomatically(n) : (solver, null);
        if (kind == KinshipEigenSolver.Auto) kind = KinshipEigenSolver.Managed;
        double[] u, s;
        string description;
        TimeSpan elapsed;
        try
        {
            (u, s, description, elapsed) = Run(k, kind);
        }
        catch (GpuHbmException e) when (automatic && kind == KinshipEigenSolver.Cusolver)
        {
            // The GPU was found but the decomposition failed there (e.g. out of memory): finish on the CPU.
            kind = KinshipLinearAlgebra.Native.LapackEigen(out _) is not null ? KinshipEigenSolver.Lapack : KinshipEigenSolver.Managed;
            fallback = $"cuSOLVER failed: {e.Message}";
            (u, s, description, elapsed) = Run(k, kind);
        }
        int clamped = 0;
        for (int i = 0; i < n; i++)
            if (s[i] < 0) { s[i] = 0; clamped++; }
        // Every solver returns them ascending already; sort defensively (stable on ties) keeping columns paired.
        var order = Enumerable.Range(0, n).OrderBy(i => s[i]).ToArray();
        if (!order.Select((o, i) => o == i).All(b => b))
        {
            var s2 = new double[n];
            var u2 = new double[(long)n * n];
            for (int i = 0; i < n; i++)
            {
                s2[i] = s[order[i]];
                Array.Copy(u, (long)order[i] * n, u2, (long)i * n, n);
            }
            (s, u) = (s2, u2);
        }
        return new KinshipEigenSystem(k.Ids, u, s, elapsed, clamped, kind, description, fallback);
    }

    /// <summary>One solver on K: eigenvectors (column-major), eigenvalues (ascending, unclamped), description, time of the decomposition itself.</summary>
    private static (double[] U, double[] S, string Description, TimeSpan Elapsed) Run(RelationshipMatrix k, KinshipEigenSolver kind)
    {
        int n = k.Count;
        var s = new double[n];
        double[] u;
        string description;
        Stopwatch watch;
        switch (kind)
        {
            case KinshipEigenSolver.Cusolver:
            case KinshipEigenSolver.Lapack:
            {
                string why = "";
                var solver = (kind == KinshipEigenSolver.Cusolver ? KinshipLinearAlgebra.Native.CusolverEigen(out why) : KinshipLinearAlgebra.Native.LapackEigen(out why))
                    ?? throw new GpuHbmException($"the {(kind == KinshipEigenSolver.Cusolver ? "cuSOLVER" : "LAPACK")} eigensolver was requested but is unavailable: {why}");
                description = solver.Description;
                u = k.Values.ToArray();
                watch = Stopwatch.StartNew();
                solver.Decompose(u, n, s);
                break;
            }
            default:
            {
                description = "managed (MathNet)";
                var m = k.ToMatrix();
                watch = Stopwatch.StartNew();
                var evd = m.Evd(Symmetricity.Symmetric);
                for (int i = 0; i < n; i++) s[i] = evd.EigenValues[i].Real;
                u = evd.EigenVectors.ToColumnMajorArray();
                break;
            }
        }
        watch.Stop();
        return (u, s, description, watch.Elapsed);
    }

    /// <summary>
    /// The solver <see cref="KinshipEigenSolver.Auto"/> picks for order <paramref name="n"/>: cuSOLVER when
    /// N ≥ <see cref="CusolverThreshold"/> and a CUDA device with cuSOLVER is present, else LAPACK when a
    /// native LAPACK loads, else managed; with the reasons faster ones were passed over (null if none).
    /// </summary>
    public static (KinshipEigenSolver Solver, string? FallbackReason) ChooseAutomatically(int n)
    {
        var reasons = new List<string>();
        if (n >= CusolverThreshold)
        {
            if (KinshipLinearAlgebra.Native.CusolverEigen(out string why) is not null) return (KinshipEigenSolver.Cusolver, null);
            reasons.Add($"cuSOLVER: {why}");
        }
        if (KinshipLinearAlgebra.Native.LapackEigen(out string lapackWhy) is not null)
            return (KinshipEigenSolver.Lapack, reasons.Count == 0 ? null : string.Join("; ", reasons));
        reasons.Add($"LAPACK: {lapackWhy}");
        return (KinshipEigenSolver.Managed, string.Join("; ", reasons));
    }

    /// <summary>The solver named by GPUHBM_EIGEN_SOLVER (Auto when unset).</summary>
    internal static KinshipEigenSolver SolverFromEnvironment()
    {
        string? value = Environment.GetEnvironmentVariable(SolverVariable);
        if (string.IsNullOrWhiteSpace(value)) return KinshipEigenSolver.Auto;
        return value.Trim().ToLowerInvariant() switch
        {
            "auto" => KinshipEigenSolver.Auto,
            "managed" or "mathnet" => KinshipEigenSolver.Managed,
            "lapack" => KinshipEigenSolver.Lapack,
            "cusolver" or "cuda" => KinshipEigenSolver.Cusolver,
            _ => throw new GpuHbmException($"{SolverVariable}={value} is not one of auto, managed, lapack, cusolver"),
        };
    }

    /// <summary>Uᵀv: <paramref name="rotated"/>[i] = (eigenvector i)·v.</summary>
    public void Rotate(ReadOnlySpan<double> v, Span<double> rotated)
    {
        int n = Count;
        CheckLength(v.Length, rotated.Length);
        for (int i = 0; i < n; i++)
        {
            var col = _u.AsSpan(i * n, n);
            double sum = 0;
            for (int j = 0; j < n; j++) sum += col[j] * v[j];
            rotated[i] = sum;
        }
    }

    /// <summary>U ṽ (back from the rotated basis).</summary>
    public void Unrotate(ReadOnlySpan<double> rotated, Span<double> v)
    {
        int n = Count;
        CheckLength(rotated.Length, v.Length);
        v[..n].Clear();
        for (int i = 0; i < n; i++)
        {
            double a = rotated[i];
            if (a == 0) continue;
            var col = _u.AsSpan(i * n, n);
            for (int j = 0; j < n; j++) v[j] += a * col[j];
        }
    }

    /// <summary>UᵀX for X N×<paramref name="columns"/> row-major; the result is row-major too.</summary>
    public double[] RotateColumns(ReadOnlySpan<double> x, int columns)
    {
        int n = Count;
        if (x.Length != (long)n * columns)
            throw new ArgumentException($"X has {x.Length} values but {n} rows × {columns} columns need {(long)n * columns}", nameof(x));
        var result = new double[(long)n * columns];
        var col = new double[n];
        var rot = new double[n];
        for (int c = 0; c < columns; c++)
        {
            for (int j = 0; j < n; j++) col[j] = x[j * columns + c];
            Rotate(col, rot);
            for (int i = 0; i < n; i++) result[i * columns + c] = rot[i];
        }
        return result;
    }

    private void CheckLength(int input, int output)
    {
        if (input < Count || output < Count)
            throw new ArgumentException($"vectors for a {Count}×{Count} eigensystem need {Count} values");
    }
}

/// <summary>Which symmetric eigensolver <see cref="KinshipEigenSystem.Decompose"/> uses.</summary>
public enum KinshipEigenSolver
{
    /// <summary>cuSOLVER for N ≥ <see cref="KinshipEigenSystem.CusolverThreshold"/> on a CUDA GPU, else LAPACK, else managed.</summary>
    Auto,

    /// <summary>MathNet's managed solver (always available).</summary>
    Managed,

    /// <summary>Native LAPACK dsyevd (libopenblas.so.0 or liblapack.so.3).</summary>
    Lapack,

    /// <summary>cuSOLVER dsyevd on CUDA device 0.</summary>
    Cusolver,
}
