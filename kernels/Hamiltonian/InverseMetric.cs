namespace GpuHbm.Kernels;

/// <summary>
/// The inverse metric M⁻¹ of Euclidean HMC (kinetic energy ½ pᵀM⁻¹p, momentum p ~ N(0, M)) in the
/// low-rank-modified diagonal form of nutpie (Seyboldt, Carlson &amp; Carpenter, "Preconditioning HMC by
/// minimizing Fisher divergence"; nuts-rs low_rank_mass_matrix.rs):
/// <code>
/// M⁻¹ = S (I + U (Λ − I) Uᵀ) S,   S = diag(√dᵢ),
/// </code>
/// with d the diagonal variances (length D), U a D × k matrix of orthonormal columns and Λ = diag(λ) its k
/// positive eigenvalues. Rank k = 0 is Stan's diag_e metric M⁻¹ = diag(d). Stored row-major: eigenvector j
/// is <see cref="Vectors"/>[j·D, (j+1)·D).
/// </summary>
/// <remarks>
/// The per-row arithmetic is the shared <see cref="LowRankMetric"/>, which the device kernels run too:
/// p♯ = M⁻¹p (<see cref="Multiply"/>), the weighted dot a·M⁻¹b, and the momentum draw
/// p = S⁻¹(z + U(Λ^−½ − I)Uᵀz) from standard normals z, whose covariance is S⁻¹(I + U(Λ⁻¹ − I)Uᵀ)S⁻¹ = M
/// because U has orthonormal columns. Every operation costs O((k + 1)·D).
/// </remarks>
public sealed class InverseMetric
{
    /// <summary>Where gradient-based estimates are clamped (nuts-rs LOWER_LIMIT / UPPER_LIMIT).</summary>
    public const double MinVariance = 1e-20, MaxVariance = 1e20;

    private readonly double[] _diagonal, _scale, _vectors, _values;

    /// <param name="diagonal">d, length D, finite and positive.</param>
    /// <param name="vectors">U as k rows of length D (orthonormal), or null for k = 0.</param>
    /// <param name="values">λ, length k, finite and positive, or null for k = 0.</param>
    public InverseMetric(ReadOnlySpan<double> diagonal, ReadOnlySpan<double> vectors = default, ReadOnlySpan<double> values = default)
    {
        Validate(diagonal, vectors, values);
        _diagonal = diagonal.ToArray();
        _scale = new double[diagonal.Length];
        for (int i = 0; i < _scale.Length; i++) _scale[i] = Math.Sqrt(_diagonal[i]);
        _vectors = vectors.ToArray();
        _values = values.ToArray();
    }

    /// <summary>M⁻¹ = I.</summary>
    public static InverseMetric Unit(int dimension)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        var ones = new double[dimension];
        Array.Fill(ones, 1.0);
        return new InverseMetric(ones);
    }

    /// <summary>
    /// nutpie's first metric, from the gradient at the initial point alone (nuts-rs update_diag_grad): dᵢ = 1/|gᵢ|,
    /// clamped to [<see cref="MinVariance"/>, <see cref="MaxVariance"/>]; 1 where gᵢ is not finite. For a normal
    /// target with the start one standard deviation out, |gᵢ| = 1/σᵢ, so dᵢ = σᵢ.
    /// </summary>
    public static InverseMetric FromGradient(ReadOnlySpan<double> gradient)
    {
        var d = new double[gradient.Length];
        for (int i = 0; i < d.Length; i++)
        {
            double v = 1.0 / Math.Clamp(Math.Abs(gradient[i]), MinVariance, MaxVariance);
            d[i] = double.IsFinite(v) ? v : 1.0;
        }
        return new InverseMetric(d);
    }

    /// <summary>Checks the three parts of an inverse metric; throws <see cref="ArgumentException"/> saying which is bad.</summary>
    public static void Validate(ReadOnlySpan<double> diagonal, ReadOnlySpan<double> vectors, ReadOnlySpan<double> values)
    {
        int d = diagonal.Length;
        if (d < 1) throw new ArgumentException("The inverse metric needs at least one dimension.");
        foreach (double x in diagonal)
            if (!(x > 0) || !double.IsFinite(x)) throw new ArgumentException("Inverse metric entries must be finite and positive.");
        if (vectors.Length != values.Length * d)
            throw new ArgumentException($"The low-rank part needs {values.Length} eigenvectors of length {d} ({values.Length * d} numbers), not {vectors.Length}.");
        foreach (double x in values)
            if (!(x > 0) || !double.IsFinite(x)) throw new ArgumentException("Low-rank eigenvalues must be finite and positive.");
        foreach (double x in vectors)
            if (!double.IsFinite(x)) throw new ArgumentException("Low-rank eigenvectors must be finite.");
    }

    /// <summary>D.</summary>
    public int Dimension => _diagonal.Length;

    /// <summary>k, the number of low-rank directions (0: diagonal metric).</summary>
    public int Rank => _values.Length;

    /// <summary>d (the diagonal variances; M⁻¹ itself when <see cref="Rank"/> is 0).</summary>
    public ReadOnlySpan<double> Diagonal => _diagonal;

    /// <summary>U, k rows of length D.</summary>
    public ReadOnlySpan<double> Vectors => _vectors;

    /// <summary>λ, length k.</summary>
    public ReadOnlySpan<double> Values => _values;

    /// <summary>Eigenvector j of the low-rank part.</summary>
    public ReadOnlySpan<double> Vector(int j) => _vectors.AsSpan(j * Dimension, Dimension);

    /// <summary>The diagonal of M⁻¹ (the marginal variances it implies): dᵢ (1 + Σⱼ (λⱼ − 1) Uᵢⱼ²).</summary>
    public double[] MatrixDiagonal()
    {
        var result = (double[])_diagonal.Clone();
        for (int j = 0; j < Rank; j++)
        {
            var u = Vector(j);
            for (int i = 0; i < result.Length; i++) result[i] += _diagonal[i] * (_values[j] - 1) * u[i] * u[i];
        }
        return result;
    }

    /// <summary>√d, the diagonal scale S.</summary>
    public ReadOnlySpan<double> Scale => _scale;

    /// <summary>result = M⁻¹ p (result may not alias p when <see cref="Rank"/> &gt; 0).</summary>
    public unsafe void Multiply(ReadOnlySpan<double> p, Span<double> result)
    {
        Span<double> coefficients = Rank <= 256 ? stackalloc double[Math.Max(Rank, 1)] : new double[Rank];
        fixed (double* d = _diagonal, s = _scale, u = _vectors, l = _values, pp = p, r = result, c = coefficients)
            LowRankMetric.Multiply(new PointerVector(d), new PointerVector(s), new PointerVector(u), new PointerVector(l), Rank, Dimension,
                new PointerVector(pp), new PointerVector(r), new PointerVector(c));
    }

    /// <summary>
    /// Turns standard normals z into a momentum p ~ N(0, M), in place: pᵢ = zᵢ / √dᵢ for k = 0 (as Stan's diag_e_metric);
    /// p = S⁻¹(z + U(Λ^−½ − I)Uᵀz) otherwise.
    /// </summary>
    public unsafe void MomentumFromNormals(Span<double> z)
    {
        Span<double> coefficients = Rank <= 256 ? stackalloc double[Math.Max(Rank, 1)] : new double[Rank];
        fixed (double* s = _scale, u = _vectors, l = _values, pz = z, c = coefficients)
            LowRankMetric.MomentumFromNormals(new PointerVector(s), new PointerVector(u), new PointerVector(l), Rank, Dimension,
                new PointerVector(pz), new PointerVector(c));
    }

    /// <summary>a·M⁻¹b. For k = 0 summed as Σ aᵢ dᵢ bᵢ (the diagonal ensembles' order); otherwise through <paramref name="scratch"/> (length D).</summary>
    public unsafe double WeightedDot(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> scratch)
    {
        Span<double> coefficients = Rank <= 256 ? stackalloc double[Math.Max(Rank, 1)] : new double[Rank];
        fixed (double* d = _diagonal, s = _scale, u = _vectors, l = _values, pa = a, pb = b, ps = scratch, c = coefficients)
            return LowRankMetric.WeightedDot(new PointerVector(d), new PointerVector(s), new PointerVector(u), new PointerVector(l), Rank, Dimension,
                new PointerVector(pa), new PointerVector(pb), new PointerVector(ps), new PointerVector(c));
    }

    /// <summary>½ pᵀM⁻¹p.</summary>
    public double KineticEnergy(ReadOnlySpan<double> p, Span<double> scratch) => 0.5 * WeightedDot(p, p, scratch);
}
