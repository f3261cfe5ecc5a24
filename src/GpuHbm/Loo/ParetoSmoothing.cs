using MathNet.Numerics;

namespace GpuHbm.Loo;

/// <summary>
/// Pareto-smoothed importance sampling (Vehtari, Simpson, Gelman, Yao and Gabry 2024, "Pareto smoothed
/// importance sampling", JMLR 25(72)): the largest importance ratios are replaced by the expected order
/// statistics of a generalized Pareto distribution fitted to them, whose shape k diagnoses the
/// reliability of the estimate. Written after R's loo package 2.5.1 (R/psis.R, R/gpdfit.R), whose
/// results the tests match to 1e-6.
/// </summary>
public static class ParetoSmoothing
{
    /// <summary>Fewer tail draws than this: no smoothing and k = ∞ (loo's enough_tail_samples).</summary>
    public const int MinimumTailLength = 5;

    private const double MachineEpsilon = 2.220446049250313e-16;   // R's .Machine$double.eps

    /// <summary>Draws in the tail: ⌈min(0.2 S, 3 √(S / r_eff))⌉ (loo's n_pareto).</summary>
    public static int TailLength(double relativeEfficiency, int draws) =>
        (int)Math.Ceiling(Math.Min(0.2 * draws, 3 * Math.Sqrt(draws / relativeEfficiency)));

    /// <summary>
    /// Smooths one observation's log importance ratios: shifts them by their maximum, fits the
    /// generalized Pareto distribution to the <paramref name="tailLength"/> largest ratios above the next
    /// largest (the cutoff), replaces them by the fitted quantiles at (i − ½)/M, truncates at the largest
    /// raw ratio and shifts back (loo's do_psis_i).
    /// </summary>
    /// <param name="logRatios">Log importance ratios, one per draw (for LOO: −log p(y_i | θ_s)).</param>
    /// <param name="tailLength">Tail length (<see cref="TailLength"/>).</param>
    /// <param name="logWeights">Output: the smoothed, unnormalized log weights.</param>
    /// <returns>The estimated Pareto shape k̂ (∞, and no smoothing, when there are too few tail draws or every tail value is the same).</returns>
    public static double Smooth(ReadOnlySpan<double> logRatios, int tailLength, Span<double> logWeights)
    {
        int s = logRatios.Length;
        double max = double.NegativeInfinity;
        foreach (var v in logRatios) max = Math.Max(max, v);
        for (int i = 0; i < s; i++) logWeights[i] = logRatios[i] - max;
        double k = double.PositiveInfinity;
        if (tailLength >= MinimumTailLength)
        {
            var order = new int[s];
            for (int i = 0; i < s; i++) order[i] = i;
            var sorted = logWeights[..s].ToArray();
            Array.Sort(sorted, order);
            var tail = sorted.AsSpan(s - tailLength, tailLength);
            // loo: "Can't fit generalized Pareto distribution because all tail values are the same" (k̂ stays ∞).
            if (!(Math.Abs(tail[^1] - tail[0]) < MachineEpsilon / 100))
            {
                double cutoff = sorted[s - tailLength - 1];
                var smoothed = new double[tailLength];
                k = SmoothTail(tail, cutoff, smoothed);
                for (int i = 0; i < tailLength; i++) logWeights[order[s - tailLength + i]] = smoothed[i];
            }
        }
        for (int i = 0; i < s; i++)
        {
            if (logWeights[i] > 0) logWeights[i] = 0;
            logWeights[i] += max;
        }
        return k;
    }

    /// <summary>loo's psis_smooth_tail: the fitted quantiles' logs for a sorted tail, and k̂.</summary>
    private static double SmoothTail(ReadOnlySpan<double> sortedTail, double cutoff, Span<double> smoothed)
    {
        int len = sortedTail.Length;
        double expCutoff = Math.Exp(cutoff);
        var x = new double[len];
        for (int i = 0; i < len; i++) x[i] = Math.Exp(sortedTail[i]) - expCutoff;
        var (k, sigma) = FitGeneralizedPareto(x);
        if (double.IsFinite(k))
        {
            for (int i = 0; i < len; i++)
            {
                double p = (i + 1 - 0.5) / len;
                smoothed[i] = Math.Log(GeneralizedParetoQuantile(p, k, sigma) + expCutoff);
            }
        }
        else sortedTail.CopyTo(smoothed);
        return k;
    }

    /// <summary>
    /// The generalized Pareto fit of Zhang and Stephens (2009, Technometrics 51:316, section 4): the
    /// posterior mean of θ = −k/σ over a grid of M = 30 + ⌊√N⌋ points weighted by the profile likelihood,
    /// then k̂ shrunk toward ½ with a weakly informative prior worth 10 observations (loo's gpdfit with
    /// wip = TRUE). <paramref name="sortedX"/> are the exceedances, ascending.
    /// </summary>
    public static (double K, double Sigma) FitGeneralizedPareto(ReadOnlySpan<double> sortedX)
    {
        int n = sortedX.Length;
        const double prior = 3;
        int m = 30 + (int)Math.Floor(Math.Sqrt(n));
        double xstar = sortedX[(int)Math.Floor(n / 4.0 + 0.5) - 1];   // first quartile
        var theta = new double[m];
        var logLik = new double[m];
        for (int j = 0; j < m; j++)
        {
            theta[j] = 1 / sortedX[n - 1] + (1 - Math.Sqrt(m / (j + 1 - 0.5))) / prior / xstar;
            logLik[j] = n * ProfileLogLikelihood(theta[j], sortedX);
        }
        double lse = LogSumExp(logLik);
        double thetaHat = 0;
        for (int j = 0; j < m; j++) thetaHat += theta[j] * Math.Exp(logLik[j] - lse);
        double k = 0;
        for (int i = 0; i < n; i++) k += SpecialFunctions.Log1p(-thetaHat * sortedX[i]);
        k /= n;
        double sigma = -k / thetaHat;
        const double a = 10;   // adjust_k_wip
        k = k * n / (n + a) + a * 0.5 / (n + a);
        if (double.IsNaN(k)) k = double.PositiveInfinity;
        return (k, sigma);
    }

    /// <summary>loo's lx: the profile log likelihood per observation, log(−θ / k) − k − 1 with k = mean(log1p(−θx)).</summary>
    private static double ProfileLogLikelihood(double theta, ReadOnlySpan<double> x)
    {
        double a = -theta, k = 0;
        for (int i = 0; i < x.Length; i++) k += SpecialFunctions.Log1p(a * x[i]);
        k /= x.Length;
        return Math.Log(a / k) - k - 1;
    }

    /// <summary>The generalized Pareto quantile σ·expm1(−k·log1p(−p))/k (NaN unless σ &gt; 0), as loo's qgpd.</summary>
    public static double GeneralizedParetoQuantile(double p, double k, double sigma) =>
        double.IsNaN(sigma) || sigma <= 0 ? double.NaN : sigma * SpecialFunctions.Expm1(-k * SpecialFunctions.Log1p(-p)) / k;

    /// <summary>log Σ exp(x) without overflow (matrixStats::logSumExp).</summary>
    public static double LogSumExp(ReadOnlySpan<double> x)
    {
        double max = double.NegativeInfinity;
        foreach (var v in x) max = Math.Max(max, v);
        if (double.IsNegativeInfinity(max) || double.IsPositiveInfinity(max)) return max;
        double sum = 0;
        foreach (var v in x) sum += Math.Exp(v - max);
        return max + Math.Log(sum);
    }
}
