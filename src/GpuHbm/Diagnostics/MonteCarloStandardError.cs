using MathNet.Numerics.Distributions;

namespace GpuHbm.Diagnostics;

/// <summary>
/// Monte Carlo standard errors as defined in posterior 1.4.0 (R/convergence.R), following
/// Vehtari et al. (2021), "Rank-normalization, folding, and localization: An improved R-hat
/// for assessing convergence of MCMC", Bayesian Analysis 16(2), section 4.
/// </summary>
public static class MonteCarloStandardError
{
    /// <summary>The normal probabilities Φ(−1), Φ(1) posterior uses for a ±1 sd interval.</summary>
    private const double LowerProbability = 0.1586553, UpperProbability = 0.8413447;

    /// <summary>MCSE of the mean: sd(x) / sqrt(ess_mean(x)) (posterior's <c>mcse_mean</c>).</summary>
    public static double Mean(double[][] chains)
    {
        DrawsMatrix.Validate(chains);
        return SampleStatistics.StandardDeviation(chains) / Math.Sqrt(EffectiveSampleSize.Mean(chains));
    }

    /// <summary>
    /// MCSE of the standard deviation, posterior 1.4.0's <c>mcse_sd</c> (PR #233 in 1.2.2, ESS
    /// choice of PR #266, January 2023): with centered draws c = x − mean(x), the variance of
    /// the variance estimate of Kenney and Keeping (1951, p. 141) without a normality
    /// assumption, Var(s²) ≈ (mean(c⁴) − mean(c²)²) / ESS with ESS = ess_mean(c²), carried to
    /// the sd by a first-order Taylor expansion: Var(s) ≈ Var(s²) / (4 mean(c²)).
    /// </summary>
    public static double StandardDeviation(double[][] chains)
    {
        DrawsMatrix.Validate(chains);
        double mean = SampleStatistics.Mean(chains);
        var squared = DrawsMatrix.Map(chains, v => (v - mean) * (v - mean));
        double ess = EffectiveSampleSize.Mean(squared);
        var flatSquared = DrawsMatrix.Flatten(squared);
        double expectedVar = SampleStatistics.Mean(flatSquared);
        var fourth = new double[flatSquared.Length];
        for (int i = 0; i < fourth.Length; i++) fourth[i] = flatSquared[i] * flatSquared[i];
        double varVar = (SampleStatistics.Mean(fourth) - expectedVar * expectedVar) / ess;
        double varSd = varVar / expectedVar / 4;
        return Math.Sqrt(varSd);
    }

    /// <summary>
    /// MCSE of the quantile at <paramref name="p"/> (posterior's <c>.mcse_quantile</c>): with
    /// ESS = ess_quantile(x, p), take the Φ(∓1) quantiles a₁, a₂ of Beta(ESS·p + 1, ESS·(1 − p) + 1)
    /// on the rank scale, read the order statistics x₍max(⌊a₁S⌋, 1)₎ and x₍min(⌈a₂S⌉, S)₎ of the
    /// pooled sorted draws, and return half their distance.
    /// </summary>
    public static double Quantile(double[][] chains, double p)
    {
        var sorted = DrawsMatrix.SortedForQuantile(chains, p);
        return sorted is null ? double.NaN : QuantileOfValidSorted(chains, sorted, p);
    }

    /// <summary><see cref="Quantile"/> given the pooled sorted draws; assumes the NaN checks were done.</summary>
    internal static double QuantileOfValidSorted(double[][] chains, double[] sorted, double p)
    {
        double ess = EffectiveSampleSize.QuantileOfValidSorted(chains, sorted, p);
        return QuantileFromEss(sorted, p, ess);
    }

    /// <summary>The Beta-interval step of <see cref="Quantile"/> given the quantile ESS.</summary>
    internal static double QuantileFromEss(double[] sorted, double p, double ess)
    {
        if (double.IsNaN(ess)) return double.NaN;
        double a = ess * p + 1, b = ess * (1 - p) + 1;
        double a1 = Beta.InvCDF(a, b, LowerProbability);
        double a2 = Beta.InvCDF(a, b, UpperProbability);
        int s = sorted.Length;
        int lower = (int)Math.Max(Math.Floor(a1 * s), 1);     // 1-based
        int upper = (int)Math.Min(Math.Ceiling(a2 * s), s);   // 1-based
        return (sorted[upper - 1] - sorted[lower - 1]) / 2;
    }
}
