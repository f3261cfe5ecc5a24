using GpuHbm.Kernels;
using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.LinearAlgebra.Double;

namespace GpuHbm.Sampling.Metrics;

/// <summary>
/// nutpie's low-rank-modified diagonal metric (Seyboldt, Carlson &amp; Carpenter, "Preconditioning HMC by minimizing
/// Fisher divergence", §4; nuts-rs low_rank_mass_matrix.rs, compute_update):
/// <list type="number">
/// <item>the diagonal S² of <see cref="DrawGradientDiagonalEstimator"/>, σᵢ = (var xᵢ / var gᵢ)^¼, scales the centred
/// draws to x̃ = (x − x̄)/(σ n) and the centred gradients to g̃ = (g − ḡ)·σ/n;</item>
/// <item>the work happens in the span of the scaled draws and gradients (an orthonormal basis Q of [X̃ G̃], at most 2n
/// columns; the whole space when D ≤ 2n): projected covariances A = QᵀX̃X̃ᵀQ/γ + I and B = QᵀG̃G̃ᵀQ/γ + I;</item>
/// <item>the covariance that minimises the Fisher divergence is the SPD geometric mean of A and B⁻¹,
/// A # B⁻¹ = B^−½ (B^½ A B^½)^½ B^−½;</item>
/// <item>its eigenvectors with eigenvalues above <see cref="Cutoff"/> or below 1/<see cref="Cutoff"/>, mapped back by Q,
/// form U and Λ of <see cref="InverseMetric"/> (M⁻¹ = S(I + U(Λ − I)Uᵀ)S); directions the draws do not inform have
/// eigenvalue ≈ 1 and stay diagonal.</item>
/// </list>
/// γ (<see cref="Gamma"/>, nutpie's mass_matrix_gamma, default 1e-5) regularises; the cutoff (nutpie's
/// mass_matrix_eigval_cutoff) keeps the rank small: nuts-rs's default of 2 (nutpie's Python default of 100 keeps a
/// direction only when its variance differs from the diagonal's by 100-fold, which misses, e.g., a 2-d normal with
/// ρ = 0.99, whose scaled eigenvalues are 14 and 0.07). The cost is O(D·n² + n³) per estimate with n draws
/// (thin QR, two symmetric eigendecompositions of size min(D, 2n): <see cref="SpdMean"/> and the result's), so callers
/// re-estimate every few draws rather than after each one when n is large.
/// </summary>
public sealed class LowRankEstimator : IMetricEstimator
{
    /// <summary>γ = 1e-5 (nutpie's mass_matrix_gamma); cutoff 2 (nuts-rs LowRankSettings::default; nutpie's Python front end passes 100).</summary>
    public const double DefaultGamma = 1e-5, DefaultCutoff = 2;

    private readonly List<double[]> _draws = [], _gradients = [];

    public LowRankEstimator(int dimension, double gamma = DefaultGamma, double cutoff = DefaultCutoff)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        if (!(gamma > 0) || !double.IsFinite(gamma)) throw new ArgumentOutOfRangeException(nameof(gamma), "γ must be finite and positive.");
        if (!(cutoff > 1) || !double.IsFinite(cutoff)) throw new ArgumentOutOfRangeException(nameof(cutoff), "The eigenvalue cutoff must be finite and above 1.");
        Dimension = dimension;
        Gamma = gamma;
        Cutoff = cutoff;
    }

    public int Dimension { get; }
    public double Gamma { get; }
    public double Cutoff { get; }
    public long Count => _draws.Count;

    public void Add(ReadOnlySpan<double> draw, ReadOnlySpan<double> gradient)
    {
        if (draw.Length != Dimension || gradient.Length != Dimension) throw new ArgumentException("Draw and gradient must have length D.");
        _draws.Add(draw.ToArray());
        _gradients.Add(gradient.ToArray());
    }

    public void Clear()
    {
        _draws.Clear();
        _gradients.Clear();
    }

    public void Save(CheckpointWriter writer)
    {
        writer.Write(_draws.Count);
        for (int t = 0; t < _draws.Count; t++)
        {
            writer.Write(_draws[t]);
            writer.Write(_gradients[t]);
        }
    }

    public void Restore(CheckpointReader reader)
    {
        Clear();
        int n = reader.ReadInt32();
        for (int t = 0; t < n; t++)
        {
            _draws.Add(reader.ReadDoubles());
            _gradients.Add(reader.ReadDoubles());
        }
    }

    public InverseMetric? Estimate(InverseMetric previous)
    {
        int n = _draws.Count, d = Dimension;
        if (n < DrawGradientDiagonalEstimator.MinDraws) return null;
        var fallback = previous.MatrixDiagonal();
        var diagonal = new double[d];
        // Row i of X̃ and G̃: parameter i's n scaled, centred draws and gradients (contiguous, for the dot products below).
        var xs = new double[d][];
        var gs = new double[d][];
        for (int i = 0; i < d; i++)
        {
            double mx = 0, mg = 0;
            for (int t = 0; t < n; t++) { mx += _draws[t][i]; mg += _gradients[t][i]; }
            mx /= n;
            mg /= n;
            double sx = 0, sg = 0;
            for (int t = 0; t < n; t++)
            {
                double dx = _draws[t][i] - mx, dg = _gradients[t][i] - mg;
                sx += dx * dx;
                sg += dg * dg;
            }
            diagonal[i] = DrawGradientDiagonalEstimator.Ratio(sx, sg, fallback[i]);
            double sigma = Math.Sqrt(diagonal[i]);
            double drawScale = 1 / (sigma * n), gradientScale = sigma / n;
            var xi = xs[i] = new double[n];
            var gi = gs[i] = new double[n];
            for (int t = 0; t < n; t++)
            {
                xi[t] = (_draws[t][i] - mx) * drawScale;
                gi[t] = (_gradients[t][i] - mg) * gradientScale;
            }
        }

        Matrix<double>? basis = null;
        if (d > 2 * n)
        {
            // An orthonormal basis of span[X̃ G̃] (Householder thin QR: orthonormal even when the columns are dependent).
            var x = DenseMatrix.OfRowArrays(xs);
            var g = DenseMatrix.OfRowArrays(gs);
            basis = x.Append(g).QR(MathNet.Numerics.LinearAlgebra.Factorization.QRMethod.Thin).Q;
            xs = basis.TransposeThisAndMultiply(x).ToRowArrays();
            gs = basis.TransposeThisAndMultiply(g).ToRowArrays();
        }
        var a = Gram(xs, Gamma);
        var b = Gram(gs, Gamma);
        var mean = SpdMean(a, b);
        if (mean is null) return new InverseMetric(diagonal);
        var evd = mean.Evd(Symmetricity.Symmetric);
        var keep = new List<int>();
        for (int j = 0; j < mean.RowCount; j++)
        {
            double lambda = evd.EigenValues[j].Real;
            if (lambda > Cutoff || lambda < 1 / Cutoff) keep.Add(j);
        }
        var values = new double[keep.Count];
        var vectors = new double[keep.Count * d];
        for (int k = 0; k < keep.Count; k++)
        {
            values[k] = evd.EigenValues[keep[k]].Real;
            var v = evd.EigenVectors.Column(keep[k]);
            var u = basis is null ? v : basis * v;
            for (int i = 0; i < d; i++) vectors[k * d + i] = u[i];
        }
        if (!values.All(double.IsFinite) || !vectors.All(double.IsFinite) || values.Any(v => !(v > 0)))
            return new InverseMetric(diagonal);
        return new InverseMetric(diagonal, vectors, values);
    }

    /// <summary>
    /// The SPD geometric mean A # B⁻¹ (nuts-rs spd_mean), null when not finite. nuts-rs computes B^−½ (B^½ A B^½)^½ B^−½
    /// from an eigendecomposition of B; here B = LLᵀ (Cholesky) and A # B⁻¹ = L⁻ᵀ (LᵀAL)^½ L⁻¹, the same matrix (the
    /// geometric mean is invariant under congruence: Lᵀ(A # B⁻¹)L = (LᵀAL) # (LᵀB⁻¹L) = (LᵀAL) # I), with one symmetric
    /// eigendecomposition instead of two.
    /// </summary>
    internal static Matrix<double>? SpdMean(Matrix<double> a, Matrix<double> b)
    {
        Matrix<double> l;
        try { l = b.Cholesky().Factor; }
        catch (ArgumentException) { return null; }  // B not positive definite (not finite)
        var m = Symmetrize(l.TransposeThisAndMultiply(a) * l);
        var em = m.Evd(Symmetricity.Symmetric);
        int r = b.RowCount;
        var mSqrtValues = new double[r];
        for (int i = 0; i < r; i++) mSqrtValues[i] = Math.Sqrt(Math.Max(em.EigenValues[i].Real, 0));
        var lInverse = l.Inverse();
        var result = Symmetrize(lInverse.TransposeThisAndMultiply(Reconstruct(em.EigenVectors, mSqrtValues)) * lInverse);
        foreach (double v in result.Enumerate()) if (!double.IsFinite(v)) return null;
        return result;
    }

    /// <summary>R Rᵀ/γ + I for the rows R (each of length n), by SIMD dot products of the contiguous rows.</summary>
    private static Matrix<double> Gram(double[][] rows, double gamma)
    {
        int d = rows.Length;
        var gram = new DenseMatrix(d, d);
        for (int i = 0; i < d; i++)
            for (int j = 0; j <= i; j++)
            {
                double v = System.Numerics.Tensors.TensorPrimitives.Dot<double>(rows[i], rows[j]) / gamma + (i == j ? 1 : 0);
                gram[i, j] = v;
                gram[j, i] = v;
            }
        return gram;
    }

    /// <summary>V diag(s) Vᵀ.</summary>
    private static Matrix<double> Reconstruct(Matrix<double> v, double[] s)
    {
        var scaled = v.Clone();
        for (int j = 0; j < s.Length; j++) scaled.SetColumn(j, v.Column(j) * s[j]);
        return scaled.TransposeAndMultiply(v);
    }

    private static Matrix<double> Symmetrize(Matrix<double> m) => (m + m.Transpose()) * 0.5;
}
