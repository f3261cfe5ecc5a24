namespace GpuHbm.Diagnostics;

/// <summary>
/// The multi-chain effective sample size of Vehtari et al. (2021), "Rank-normalization,
/// folding, and localization: An improved R-hat for assessing convergence of MCMC",
/// Bayesian Analysis 16(2), section 3.2, as coded in posterior 1.4.0 (<c>.ess</c> in
/// R/convergence.R): combined autocorrelations ρ̂_t = 1 − (W − mean_m acov_m(t)) / var⁺,
/// truncated by Geyer's initial positive sequence, made monotone by Geyer's initial monotone
/// sequence, τ̂ = −1 + 2 Σ_{t&lt;T} ρ̂_t + ρ̂_T (the improved estimate for antithetic chains),
/// τ̂ ≥ 1/log10(MN), ESS = MN / τ̂.
/// </summary>
public static class EffectiveSampleSize
{
    /// <summary>
    /// ESS of the chains exactly as given (no splitting or transformation; posterior's
    /// <c>.ess</c>). NaN when there are fewer than 3 iterations, a non-finite draw, or all draws
    /// are equal.
    /// </summary>
    public static double OfChains(double[][] chains)
    {
        DrawsMatrix.Validate(chains);
        int chainCount = chains.Length;
        int n = chains[0].Length;
        if (n < 3 || DrawsMatrix.ShouldReturnNaN(chains)) return double.NaN;

        // Mean autocovariance over chains at every lag.
        var acovMeans = new double[n];
        var chainMeans = new double[chainCount];
        var acovs = Autocovariance.ComputeMany(chains);
        for (int c = 0; c < chainCount; c++)
        {
            var acov = acovs[c];
            for (int t = 0; t < n; t++) acovMeans[t] += acov[t];
            chainMeans[c] = SampleStatistics.Mean(chains[c]);
        }
        for (int t = 0; t < n; t++) acovMeans[t] /= chainCount;

        double meanVar = acovMeans[0] * n / (n - 1);          // W, the mean within-chain variance
        double varPlus = meanVar * (n - 1) / n;                // var⁺ = (N−1)/N · W + B/N
        if (chainCount > 1) varPlus += SampleStatistics.Variance(chainMeans);

        // Geyer's initial positive sequence. rho[t] is R's rho_hat_t[t + 1].
        var rho = new double[n];
        int lag = 0;
        double rhoEven = 1;
        rho[0] = rhoEven;
        double rhoOdd = 1 - (meanVar - acovMeans[1]) / varPlus;
        rho[1] = rhoOdd;
        while (lag < n - 5 && !double.IsNaN(rhoEven + rhoOdd) && rhoEven + rhoOdd > 0)
        {
            lag += 2;
            rhoEven = 1 - (meanVar - acovMeans[lag]) / varPlus;
            rhoOdd = 1 - (meanVar - acovMeans[lag + 1]) / varPlus;
            if (rhoEven + rhoOdd >= 0)
            {
                rho[lag] = rhoEven;
                rho[lag + 1] = rhoOdd;
            }
        }
        int maxLag = lag;
        // Used by the improved estimate.
        if (rhoEven > 0) rho[maxLag] = rhoEven;

        // Geyer's initial monotone sequence.
        lag = 0;
        while (lag <= maxLag - 4)
        {
            lag += 2;
            double previousPair = rho[lag - 2] + rho[lag - 1];
            if (rho[lag] + rho[lag + 1] > previousPair)
            {
                rho[lag] = previousPair / 2;
                rho[lag + 1] = rho[lag];
            }
        }

        double total = (double)chainCount * n;
        // R's sum(rho_hat_t[1:max_t]): for max_t = 0, 1:0 selects element 1 only.
        double sum = 0;
        int last = Math.Max(maxLag, 1);
        for (int t = 0; t < last; t++) sum += rho[t];
        double tau = -1 + 2 * sum + rho[maxLag];
        // Safety bound: ESS at most MN·log10(MN).
        tau = Math.Max(tau, 1 / Math.Log10(total));
        return total / tau;
    }

    /// <summary>Split-chain ESS of the raw draws (posterior's <c>ess_basic</c> with split = TRUE).</summary>
    public static double Basic(double[][] chains) => OfChains(DrawsMatrix.SplitChains(Checked(chains)));

    /// <summary>Non-split ESS of the raw draws (posterior's <c>ess_basic</c> with split = FALSE).</summary>
    public static double BasicUnsplit(double[][] chains) => OfChains(Checked(chains));

    /// <summary>ESS for the mean: split-chain ESS of the raw draws (posterior's <c>ess_mean</c>).</summary>
    public static double Mean(double[][] chains) => Basic(chains);

    /// <summary>Bulk-ESS: split-chain ESS of the rank-normalized draws (posterior's <c>ess_bulk</c>).</summary>
    public static double Bulk(double[][] chains) =>
        OfChains(RankNormalization.ZScale(DrawsMatrix.SplitChains(Checked(chains))));

    /// <summary>
    /// ESS of the quantile at <paramref name="p"/>: split-chain ESS of the indicator
    /// I(x ≤ q̂_p) with q̂_p the pooled type-7 quantile (posterior's <c>.ess_quantile</c>;
    /// for p = 1 it uses p = (S − 1/2)/S).
    /// </summary>
    public static double Quantile(double[][] chains, double p)
    {
        var sorted = DrawsMatrix.SortedForQuantile(chains, p);
        return sorted is null ? double.NaN : QuantileOfValidSorted(chains, sorted, p);
    }

    /// <summary><see cref="Quantile"/> given the pooled sorted draws; assumes the NaN checks were done.</summary>
    internal static double QuantileOfValidSorted(double[][] chains, double[] sorted, double p)
    {
        if (p == 1) p = (sorted.Length - 0.5) / sorted.Length;
        double q = SampleStatistics.QuantileOfSorted(sorted, p);
        return OfChains(DrawsMatrix.SplitChains(DrawsMatrix.Map(chains, v => v <= q ? 1.0 : 0.0)));
    }

    /// <summary>Tail-ESS: the smaller of the quantile ESS at 5 % and 95 % (posterior's <c>ess_tail</c>).</summary>
    public static double Tail(double[][] chains)
    {
        Checked(chains);
        if (DrawsMatrix.ShouldReturnNaN(chains)) return double.NaN;
        var sorted = DrawsMatrix.Flatten(chains);
        Array.Sort(sorted);
        return NaNMin(QuantileOfValidSorted(chains, sorted, 0.05), QuantileOfValidSorted(chains, sorted, 0.95));
    }

    /// <summary>
    /// ESS for the standard deviation as in posterior 1.4.0 (<c>ess_sd</c>, since 1.2.2 /
    /// PR #233): split-chain ESS of the absolute deviations |x − mean(x)|. (posterior 1.6.1 and
    /// later use the squared deviations instead, PR #388.)
    /// </summary>
    public static double StandardDeviation(double[][] chains)
    {
        Checked(chains);
        double mean = SampleStatistics.Mean(chains);
        return Basic(DrawsMatrix.Map(chains, v => Math.Abs(v - mean)));
    }

    /// <summary>R's <c>min</c>: NaN when either argument is NaN.</summary>
    internal static double NaNMin(double a, double b) => double.IsNaN(a) || double.IsNaN(b) ? double.NaN : Math.Min(a, b);

    private static double[][] Checked(double[][] chains)
    {
        DrawsMatrix.Validate(chains);
        return chains;
    }
}
