using GpuHbm.Diagnostics;

namespace GpuHbm.Loo;

/// <summary>
/// r_eff = ESS / S of exp(log p(y_i | θ)) over the chains, the relative efficiency PSIS-LOO uses for its
/// tail lengths and n_eff, computed as R's loo 2.5.1 does (relative_eff → ess_rfun): the pre-rank-normalization
/// Stan ESS of the unsplit chains, Geyer's initial positive and monotone sequences, the improved
/// (antithetic-aware) truncation, and ESS at least S/log10(S) times smaller than S·log10(S).
/// </summary>
public static class RelativeEfficiency
{
    /// <param name="chains">The quantity per chain ([chain][iteration], equal lengths).</param>
    public static double Of(double[][] chains)
    {
        ArgumentNullException.ThrowIfNull(chains);
        int m = chains.Length, n = chains[0].Length;
        var acov = Autocovariance.ComputeMany(chains);
        // loo's autocovariance divides R's unnormalized inverse FFT over 2·M points (M = fft_next_good_size(N))
        // by 2N², i.e. the biased autocovariance times M/N; reproduced so that r_eff matches for any N.
        double scale = (double)FftNextGoodSize(n) / n;
        var chainMean = new double[m];
        for (int c = 0; c < m; c++)
        {
            for (int t = 0; t < n; t++) acov[c][t] *= scale;
            chainMean[c] = SampleStatistics.Mean(chains[c]);
        }
        double MeanAcov(int lag)
        {
            double s = 0;
            for (int c = 0; c < m; c++) s += acov[c][lag];
            return s / m;
        }
        double meanVar = MeanAcov(0) * n / (n - 1.0);
        double varPlus = meanVar * (n - 1.0) / n;
        if (m > 1) varPlus += SampleStatistics.Variance(chainMean);

        var rho = new double[n];
        int t0 = 0;
        double rhoEven = 1, rhoOdd = 1 - (meanVar - MeanAcov(1)) / varPlus;
        rho[0] = rhoEven;
        rho[1] = rhoOdd;
        while (t0 < n - 5 && !double.IsNaN(rhoEven + rhoOdd) && rhoEven + rhoOdd > 0)
        {
            t0 += 2;
            rhoEven = 1 - (meanVar - MeanAcov(t0)) / varPlus;
            rhoOdd = 1 - (meanVar - MeanAcov(t0 + 1)) / varPlus;
            if (rhoEven + rhoOdd >= 0)
            {
                rho[t0] = rhoEven;
                rho[t0 + 1] = rhoOdd;
            }
        }
        int maxT = t0;
        if (rhoEven > 0) rho[maxT] = rhoEven;
        for (int t = 0; t <= maxT - 4;)
        {
            t += 2;
            if (rho[t] + rho[t + 1] > rho[t - 2] + rho[t - 1])
            {
                rho[t] = (rho[t - 2] + rho[t - 1]) / 2;
                rho[t + 1] = rho[t];
            }
        }
        double total = (double)m * n;
        double sum = 0;
        for (int t = 0; t < maxT; t++) sum += rho[t];
        if (maxT == 0) sum = rho[0];   // R's rho_hat_t[1:0] is rho_hat_t[1]
        double tau = -1 + 2 * sum + rho[maxT];
        tau = Math.Max(tau, 1 / Math.Log10(total));
        return total / tau / total;   // ESS / S
    }

    /// <summary>The smallest size ≥ N whose only prime factors are 2, 3 and 5 (R's nextn, as loo's fft_next_good_size).</summary>
    internal static int FftNextGoodSize(int n)
    {
        if (n <= 2) return 2;
        while (true)
        {
            int m = n;
            while (m % 2 == 0) m /= 2;
            while (m % 3 == 0) m /= 3;
            while (m % 5 == 0) m /= 5;
            if (m <= 1) return n;
            n++;
        }
    }
}
