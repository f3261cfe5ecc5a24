using GpuHbm.Kernels;

namespace GpuHbm.Sampling;

/// <summary>
/// The Euclidean–Gaussian kinetic energy with a diagonal metric M (Stan's diag_e_metric):
/// K(p) = ½ pᵀM⁻¹p, p ~ N(0, M), p♯ = ∂K/∂p = M⁻¹p. Stored and passed as the inverse diagonal M⁻¹,
/// which warm-up estimates as the posterior variances.
/// </summary>
public static class DiagonalMetric
{
    /// <summary>½ pᵀM⁻¹p.</summary>
    public static double KineticEnergy(ReadOnlySpan<double> momentum, ReadOnlySpan<double> inverseMetric) =>
        LeapfrogStep.KineticEnergy(momentum, inverseMetric);

    /// <summary>
    /// Stan's regularized variance estimate (var_adaptation::learn_variance): shrinks the sample variance of
    /// <paramref name="n"/> draws toward 1e-3: (n/(n+5))·var + 1e-3·(5/(n+5)). Written in place.
    /// </summary>
    public static void Regularize(Span<double> variance, long n)
    {
        double nn = n;
        double scale = nn / (nn + 5.0), shrink = 1e-3 * (5.0 / (nn + 5.0));
        for (int i = 0; i < variance.Length; i++) variance[i] = scale * variance[i] + shrink;
    }

    /// <summary>True where the log density and every gradient component are finite.</summary>
    public static bool IsFinite(double logDensity, ReadOnlySpan<double> gradient) => Finite.All(logDensity, gradient);
}
