namespace GpuHbm.Kernels;

/// <summary>
/// The arithmetic of nutpie's low-rank-modified diagonal inverse metric M⁻¹ = S (I + U (Λ − I) Uᵀ) S, S = diag(√d),
/// for one chain, written once: <see cref="InverseMetric"/> runs it on managed arrays and the device ensemble kernels
/// on device memory, in the same order, so both give the same bits where the arithmetic is the host's. Rank k = 0 is
/// the diagonal metric (Stan's diag_e). U is k rows of length D (row j is eigenvector j); <c>coefficients</c> is
/// scratch of length ≥ max(k, 1).
/// </summary>
public static class LowRankMetric
{
    /// <summary>result = M⁻¹ p (result may not alias p when k &gt; 0): for k = 0, dᵢpᵢ; else S(y + U((λ − 1) ∘ Uᵀy)), y = S p.</summary>
    public static void Multiply<TD, TS, TU, TL, TP, TR, TC>(TD diagonal, TS scale, TU vectors, TL values, int rank, int n, TP p, TR result, TC coefficients)
        where TD : struct, IVector where TS : struct, IVector where TU : struct, IVector where TL : struct, IVector
        where TP : struct, IVector where TR : struct, IVector where TC : struct, IVector
    {
        if (rank == 0)
        {
            for (int i = 0; i < n; i++) result[i] = diagonal[i] * p[i];
            return;
        }
        for (int i = 0; i < n; i++) result[i] = scale[i] * p[i];
        for (int j = 0; j < rank; j++)
        {
            double dot = 0;
            for (int i = 0; i < n; i++) dot += vectors[j * n + i] * result[i];
            coefficients[j] = (values[j] - 1) * dot;
        }
        for (int j = 0; j < rank; j++)
        {
            double a = coefficients[j];
            for (int i = 0; i < n; i++) result[i] += a * vectors[j * n + i];
        }
        for (int i = 0; i < n; i++) result[i] *= scale[i];
    }

    /// <summary>Standard normals z into a momentum p ~ N(0, M), in place: z / √d for k = 0; S⁻¹(z + U(Λ^−½ − I)Uᵀz) otherwise.</summary>
    public static void MomentumFromNormals<TS, TU, TL, TZ, TC>(TS scale, TU vectors, TL values, int rank, int n, TZ z, TC coefficients)
        where TS : struct, IVector where TU : struct, IVector where TL : struct, IVector where TZ : struct, IVector where TC : struct, IVector
    {
        if (rank > 0)
        {
            for (int j = 0; j < rank; j++)
            {
                double dot = 0;
                for (int i = 0; i < n; i++) dot += vectors[j * n + i] * z[i];
                coefficients[j] = (1 / Math.Sqrt(values[j]) - 1) * dot;
            }
            for (int j = 0; j < rank; j++)
            {
                double a = coefficients[j];
                for (int i = 0; i < n; i++) z[i] += a * vectors[j * n + i];
            }
        }
        for (int i = 0; i < n; i++) z[i] /= scale[i];
    }

    /// <summary>a·M⁻¹b: Σ aᵢ dᵢ bᵢ for k = 0 (the diagonal ensembles' order); otherwise Σ aᵢ (M⁻¹b)ᵢ through <paramref name="scratch"/> (length D).</summary>
    public static double WeightedDot<TD, TS, TU, TL, TA, TB, TR, TC>(TD diagonal, TS scale, TU vectors, TL values, int rank, int n, TA a, TB b,
        TR scratch, TC coefficients)
        where TD : struct, IVector where TS : struct, IVector where TU : struct, IVector where TL : struct, IVector
        where TA : struct, IVector where TB : struct, IVector where TR : struct, IVector where TC : struct, IVector
    {
        double s = 0;
        if (rank == 0)
        {
            for (int i = 0; i < n; i++) s += a[i] * diagonal[i] * b[i];
            return s;
        }
        Multiply(diagonal, scale, vectors, values, rank, n, b, scratch, coefficients);
        for (int i = 0; i < n; i++) s += a[i] * scratch[i];
        return s;
    }
}
