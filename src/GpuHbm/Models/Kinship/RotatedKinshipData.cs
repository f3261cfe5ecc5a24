namespace GpuHbm.Models.Kinship;

/// <summary>
/// A Gaussian kinship model's data in the eigenbasis of K (Lippert et al. 2011, FaST-LMM,
/// Nature Methods 8:833): ỹ = Uᵀy, X̃ = UᵀX and the eigenvalues s, so that
/// y ~ N(Xβ, σg²K + σe²I) becomes independent ỹ_i ~ N(x̃_iᵀβ, σg²s_i + σe²).
/// Shared by <see cref="FastLmmDensity"/> and <see cref="RemlGrid"/>.
/// </summary>
public sealed class RotatedKinshipData
{
    /// <summary>Observations N (one per individual).</summary>
    public int Count { get; }

    /// <summary>Fixed-effect columns P.</summary>
    public int Predictors { get; }

    /// <summary>The eigendecomposition of K (in data-row order).</summary>
    public KinshipEigenSystem Eigen { get; }

    /// <summary>Eigenvalues s_i.</summary>
    public double[] S { get; }

    /// <summary>ỹ = Uᵀy.</summary>
    public double[] Y { get; }

    /// <summary>X̃ = UᵀX, N×P row-major.</summary>
    public double[] X { get; }

    /// <summary>
    /// Rotates y and X (N×P row-major, data rows in the order of <paramref name="eigen"/>'s ids).
    /// </summary>
    public RotatedKinshipData(KinshipEigenSystem eigen, ReadOnlySpan<double> x, int predictors, ReadOnlySpan<double> y)
    {
        ArgumentNullException.ThrowIfNull(eigen);
        int n = eigen.Count;
        if (y.Length != n)
            throw new GpuHbmModelException($"the response has {y.Length} values but the relationship matrix has {n} individuals");
        if (predictors < 0 || x.Length != (long)n * predictors)
            throw new GpuHbmModelException($"the design matrix has {x.Length} values, not {n} rows × {predictors} columns");
        for (int i = 0; i < n; i++)
            if (!double.IsFinite(y[i]))
                throw new GpuHbmDataException($"the response of individual '{eigen.Ids[i]}' is not a finite number");
        if (n <= predictors)
            throw new GpuHbmModelException($"the model has {predictors} fixed-effect columns but only {n} observations");
        Count = n;
        Predictors = predictors;
        Eigen = eigen;
        S = eigen.Eigenvalues.ToArray();
        Y = new double[n];
        eigen.Rotate(y, Y);
        X = eigen.RotateColumns(x, predictors);
    }

    /// <summary>
    /// Aligns <paramref name="k"/> to the data (one row per individual, any order), decomposes it and
    /// rotates: the usual entry point. <paramref name="x"/> is N×P row-major in data-row order.
    /// </summary>
    public static RotatedKinshipData Create(RelationshipMatrix k, IReadOnlyList<string> dataIds, ReadOnlySpan<double> x, int predictors, ReadOnlySpan<double> y)
    {
        var aligned = k.Align(dataIds).InDataOrder();
        return new RotatedKinshipData(KinshipEigenSystem.Decompose(aligned), x, predictors, y);
    }
}
