using System.Diagnostics;
using MathNet.Numerics.LinearAlgebra;

namespace GpuHbm.Models.Kinship;

/// <summary>
/// The eigendecomposition K = U S Uᵀ that the FaST-LMM fast path computes once (Lippert et al.
/// 2011, "FaST linear mixed models for genome-wide association studies", Nature Methods 8:833):
/// in the rotated basis Uᵀy the covariance σg²K + σe²I is diagonal, σg²S + σe²I.
/// </summary>
/// <remarks>
/// Computed with MathNet's managed symmetric eigen solver (Householder tridiagonalization + QL,
/// O(N³)); <see cref="DecompositionTime"/> records its wall time. Eigenvalues are sorted
/// ascending; tiny negative ones (rounding, or indefiniteness within the PSD tolerance) are set to 0.
/// U is kept column-major so that each eigenvector is contiguous.
/// </remarks>
public sealed class KinshipEigenSystem
{
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

    private KinshipEigenSystem(IReadOnlyList<string> ids, double[] u, double[] s, TimeSpan time, int clamped)
    {
        Ids = ids;
        Count = s.Length;
        _u = u;
        _s = s;
        DecompositionTime = time;
        ClampedEigenvalues = clamped;
    }

    /// <summary>Decomposes <paramref name="k"/> (O(N³), timed).</summary>
    public static KinshipEigenSystem Decompose(RelationshipMatrix k)
    {
        ArgumentNullException.ThrowIfNull(k);
        var m = k.ToMatrix();
        var watch = Stopwatch.StartNew();
        var evd = m.Evd(Symmetricity.Symmetric);
        watch.Stop();
        int n = k.Count, clamped = 0;
        var s = new double[n];
        for (int i = 0; i < n; i++)
        {
            double v = evd.EigenValues[i].Real;
            if (v < 0) { v = 0; clamped++; }
            s[i] = v;
        }
        var u = evd.EigenVectors.ToColumnMajorArray();
        // MathNet returns them ascending already; sort defensively (stable on ties) keeping columns paired.
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
        return new KinshipEigenSystem(k.Ids, u, s, watch.Elapsed, clamped);
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
