namespace GpuHbm.Diagnostics;

/// <summary>
/// Nested R̂ of Margossian, Hoffman, Sountsov, Riou-Durand, Vehtari and Gelman (2024),
/// "Nested R-hat: assessing the convergence of Markov chain Monte Carlo when running many
/// short chains", Bayesian Analysis, doi:10.1214/24-BA1453, for K superchains of M chains of
/// N iterations (chains within a superchain start from the same point):
/// <code>
///   B̂_ν = 1/(K − 1) Σ_k (f̄_k − f̄)²                        between-superchain variance
///   B̃_k = 1/(M − 1) Σ_m (f̄_km − f̄_k)²   (0 when M = 1)     between-chain variance in superchain k
///   W̃_k = 1/M Σ_m 1/(N − 1) Σ_n (f_nmk − f̄_km)²   (0 when N = 1)   within-chain variance
///   Ŵ_ν = 1/K Σ_k (B̃_k + W̃_k)
///   R̂_ν = sqrt(1 + B̂_ν / Ŵ_ν)
/// </code>
/// where f̄_km is a chain mean, f̄_k a superchain mean and f̄ the mean of the superchain means.
/// The same computation as posterior's <c>rhat_nested</c> (added in 1.5.0).
/// </summary>
public static class NestedRhat
{
    /// <summary>
    /// Nested R̂ with the chains grouped into <paramref name="superchainCount"/> contiguous
    /// superchains of equal size (chains 0..M−1 form superchain 0, and so on). NaN for
    /// non-finite or constant draws, or a single superchain.
    /// </summary>
    public static double Compute(double[][] chains, int superchainCount)
    {
        DrawsMatrix.Validate(chains);
        if (superchainCount < 1 || chains.Length % superchainCount != 0)
            throw new ArgumentException($"{chains.Length} chains cannot be grouped into {superchainCount} superchains of equal size.", nameof(superchainCount));
        if (DrawsMatrix.ShouldReturnNaN(chains)) return double.NaN;

        int chainsPerSuperchain = chains.Length / superchainCount;
        int n = chains[0].Length;
        var superchainMeans = new double[superchainCount];
        double withinSuperchainSum = 0;
        var chainMeans = new double[chainsPerSuperchain];
        for (int k = 0; k < superchainCount; k++)
        {
            double withinChain = 0;
            for (int m = 0; m < chainsPerSuperchain; m++)
            {
                var chain = chains[k * chainsPerSuperchain + m];
                chainMeans[m] = SampleStatistics.Mean(chain);
                if (n > 1) withinChain += SampleStatistics.Variance(chain);
            }
            withinChain /= chainsPerSuperchain;                                               // W̃_k
            double betweenChain = chainsPerSuperchain > 1 ? SampleStatistics.Variance(chainMeans) : 0; // B̃_k
            superchainMeans[k] = SampleStatistics.Mean(chainMeans);                           // f̄_k (equal chain lengths)
            withinSuperchainSum += withinChain + betweenChain;
        }
        double betweenSuperchain = SampleStatistics.Variance(superchainMeans);                // B̂_ν
        double withinSuperchain = withinSuperchainSum / superchainCount;                      // Ŵ_ν
        return Math.Sqrt(1 + betweenSuperchain / withinSuperchain);
    }
}
