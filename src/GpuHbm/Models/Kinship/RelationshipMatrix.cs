using MathNet.Numerics.LinearAlgebra;

namespace GpuHbm.Models.Kinship;

/// <summary>
/// A relationship (kinship, genetic relatedness) matrix K over named individuals: the covariance
/// structure of the genetic effects u ~ N(0, σg² K) in a kinship mixed model
/// (Yang et al. 2011, "GCTA: a tool for genome-wide complex trait analysis", AJHG 88:76).
/// </summary>
/// <remarks>
/// Values are dense, symmetric and row-major (entry (i, j) at [i*N + j]). The constructor checks
/// what every later use relies on: unique non-empty ids, finite values, symmetry, and positive
/// semi-definiteness (smallest eigenvalue ≥ −tolerance·max|λ|). A matrix read with small
/// asymmetries within tolerance is symmetrized by averaging.
/// </remarks>
public sealed class RelationshipMatrix
{
    /// <summary>Default PSD tolerance: smallest eigenvalue ≥ −1e-6·max|λ|.</summary>
    public const double DefaultPsdTolerance = 1e-6;

    /// <summary>Default symmetry tolerance, relative to the larger of |K_ij| and |K_ji|.</summary>
    public const double DefaultSymmetryTolerance = 1e-8;

    private readonly double[] _values;
    private readonly Dictionary<string, int> _indexOf;

    /// <summary>Individual ids, in matrix order.</summary>
    public IReadOnlyList<string> Ids { get; }

    /// <summary>Number of individuals.</summary>
    public int Count { get; }

    /// <summary>Where the matrix came from (a path or a description), for messages.</summary>
    public string Source { get; }

    /// <summary>
    /// The full path given to <see cref="RelationshipMatrixReader.Read"/> (a .csv file, a GCTA or PLINK
    /// prefix), or null for a matrix built in memory. A saved fit records it with the checksums of
    /// <see cref="RelationshipMatrixReader.SourceFiles"/> so that the fit can be rebuilt.
    /// </summary>
    public string? ReadFrom { get; internal set; }

    /// <summary>The N×N values, row-major (a view; do not modify).</summary>
    public ReadOnlySpan<double> Values => _values;

    /// <summary>K_ij.</summary>
    public double this[int i, int j] => _values[i * Count + j];

    /// <summary>
    /// Builds and validates a relationship matrix. <paramref name="values"/> is N×N row-major and
    /// is copied. Throws <see cref="GpuHbmDataException"/> naming <paramref name="source"/> and the
    /// id or entry at fault.
    /// </summary>
    /// <param name="ids">Individual ids, unique, in matrix order.</param>
    /// <param name="values">N×N values, row-major.</param>
    /// <param name="source">A path or description, for messages.</param>
    /// <param name="symmetryTolerance">Allowed |K_ij − K_ji| relative to max(|K_ij|, |K_ji|).</param>
    /// <param name="psdTolerance">Relative PSD tolerance; a negative value skips the PSD check.</param>
    public RelationshipMatrix(IReadOnlyList<string> ids, ReadOnlySpan<double> values, string source = "relationship matrix",
        double symmetryTolerance = DefaultSymmetryTolerance, double psdTolerance = DefaultPsdTolerance)
    {
        ArgumentNullException.ThrowIfNull(ids);
        Source = source;
        Count = ids.Count;
        if (Count == 0) throw new GpuHbmDataException($"the relationship matrix in {source} has no individuals");
        if (values.Length != (long)Count * Count)
            throw new GpuHbmDataException($"the relationship matrix in {source} has {values.Length} values but {Count} ids need {(long)Count * Count}");
        Ids = ids.ToArray();
        _indexOf = new Dictionary<string, int>(Count, StringComparer.Ordinal);
        for (int i = 0; i < Count; i++)
        {
            string id = Ids[i];
            if (string.IsNullOrWhiteSpace(id))
                throw new GpuHbmDataException($"the relationship matrix in {source} has an empty id at position {i + 1}");
            if (!_indexOf.TryAdd(id, i))
                throw new GpuHbmDataException($"id '{id}' appears twice in the relationship matrix in {source} (positions {_indexOf[id] + 1} and {i + 1})");
        }
        _values = values.ToArray();
        CheckFiniteAndSymmetrize(symmetryTolerance);
        if (psdTolerance >= 0) CheckPositiveSemiDefinite(psdTolerance);
    }

    /// <summary>The position of <paramref name="id"/>, or -1.</summary>
    public int IndexOf(string id) => _indexOf.TryGetValue(id, out int i) ? i : -1;

    /// <summary>A copy of the values, row-major.</summary>
    public double[] ToArray() => _values.ToArray();

    /// <summary>The values as a MathNet matrix (a copy).</summary>
    public Matrix<double> ToMatrix() => Matrix<double>.Build.Dense(Count, Count, (i, j) => _values[i * Count + j]);

    /// <summary>
    /// The sub-matrix over <paramref name="indices"/> (in that order, no repeats). It is a principal
    /// sub-matrix of a PSD matrix, so no PSD check is repeated.
    /// </summary>
    public RelationshipMatrix Subset(IReadOnlyList<int> indices, string? source = null)
    {
        int n = indices.Count;
        var v = new double[(long)n * n];
        for (int a = 0; a < n; a++)
        {
            int ia = indices[a] * Count;
            for (int b = 0; b < n; b++) v[a * n + b] = _values[ia + indices[b]];
        }
        return new RelationshipMatrix(indices.Select(i => Ids[i]).ToArray(), v, source ?? Source, symmetryTolerance: 0, psdTolerance: -1);
    }

    /// <summary>
    /// Matches the matrix to the individuals of a data set, one entry per data row (ids may repeat
    /// for repeated measures). See <see cref="KinshipAlignment"/>.
    /// </summary>
    public KinshipAlignment Align(IReadOnlyList<string> dataIds, string dataSource = "the data") =>
        KinshipAlignment.Create(this, dataIds, dataSource);

    private void CheckFiniteAndSymmetrize(double tolerance)
    {
        int n = Count;
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j <= i; j++)
            {
                double a = _values[i * n + j], b = _values[j * n + i];
                if (!double.IsFinite(a) || !double.IsFinite(b))
                    throw new GpuHbmDataException($"the relationship matrix in {Source} has a non-finite value at row '{Ids[i]}', column '{Ids[j]}'");
                if (a == b) continue;
                double scale = Math.Max(Math.Abs(a), Math.Abs(b));
                if (Math.Abs(a - b) > tolerance * scale)
                    throw new GpuHbmDataException(
                        $"the relationship matrix in {Source} is not symmetric: entry ('{Ids[i]}', '{Ids[j]}') is {a:R} but ('{Ids[j]}', '{Ids[i]}') is {b:R}");
                double m = 0.5 * (a + b);
                _values[i * n + j] = m;
                _values[j * n + i] = m;
            }
        }
    }

    /// <summary>
    /// PSD check. A Cholesky factorization of K + τ·I with τ = tolerance·(a bound on max|λ|) succeeding
    /// proves every eigenvalue is ≥ −τ; only if it fails is the (slower) symmetric eigendecomposition
    /// computed, to decide exactly and report the smallest eigenvalue.
    /// </summary>
    private void CheckPositiveSemiDefinite(double tolerance)
    {
        int n = Count;
        // Power iteration is unnecessary: max|λ| ≥ max diagonal, and for a PSD matrix max|λ| ≤ trace.
        double maxDiag = 0;
        for (int i = 0; i < n; i++) maxDiag = Math.Max(maxDiag, Math.Abs(_values[i * n + i]));
        if (maxDiag > 0)
        {
            var shifted = _values.ToArray();
            double tau = tolerance * maxDiag;
            for (int i = 0; i < n; i++) shifted[(long)i * n + i] += tau;
            if (KinshipCholesky.TryFactorLower(shifted, n)) return;
        }
        double minEig = double.PositiveInfinity, maxAbs = 0;
        if (KinshipLinearAlgebra.Native.LapackEigen(out _) is { } lapack)
        {
            var w = new double[n];
            lapack.Decompose(_values.ToArray(), n, w, vectors: false);
            foreach (double v in w)
            {
                minEig = Math.Min(minEig, v);
                maxAbs = Math.Max(maxAbs, Math.Abs(v));
            }
        }
        else
        {
            var evd = ToMatrix().Evd(Symmetricity.Symmetric);
            foreach (var c in evd.EigenValues)
            {
                minEig = Math.Min(minEig, c.Real);
                maxAbs = Math.Max(maxAbs, Math.Abs(c.Real));
            }
        }
        if (minEig < -tolerance * maxAbs)
            throw new GpuHbmDataException(
                $"the relationship matrix in {Source} is not positive semi-definite: its smallest eigenvalue is {minEig:G6} " +
                $"(largest |eigenvalue| {maxAbs:G6}; allowed down to {-tolerance * maxAbs:G3}; a genomic relationship matrix from few SNPs " +
                "can be slightly indefinite: a larger tolerance accepts it, --relmat-psd-tolerance in the CLI or psdTolerance of RelationshipMatrixReader.Read)");
    }
}
