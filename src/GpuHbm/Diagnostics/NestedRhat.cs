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

        var means = new double[chains.Length];
        var variances = new double[chains.Length];
        for (int c = 0; c < chains.Length; c++)
        {
            means[c] = SampleStatistics.Mean(chains[c]);
            variances[c] = chains[c].Length > 1 ? SampleStatistics.Variance(chains[c]) : 0;
        }
        return FromChainMoments(means, variances, superchainCount);
    }

    /// <summary>
    /// Nested R̂ from each chain's mean f̄_km and within-chain variance (denominator N − 1; 0 when N = 1), chains
    /// grouped as in <see cref="Compute(double[][], int)"/>: the same formula without the draws, for samplers that keep
    /// running sums on the ensemble rather than every draw (the auto warm-up of <see cref="Sampling.Chees.CheesSampler"/>).
    /// </summary>
    public static double FromChainMoments(ReadOnlySpan<double> chainMeans, ReadOnlySpan<double> chainVariances, int superchainCount)
    {
        int chainCount = chainMeans.Length;
        if (chainVariances.Length != chainCount) throw new ArgumentException("one variance per chain mean is needed.", nameof(chainVariances));
        if (superchainCount < 1 || chainCount % superchainCount != 0)
            throw new ArgumentException($"{chainCount} chains cannot be grouped into {superchainCount} superchains of equal size.", nameof(superchainCount));
        int chainsPerSuperchain = chainCount / superchainCount;
        var superchainMeans = new double[superchainCount];
        double withinSuperchainSum = 0;
        for (int k = 0; k < superchainCount; k++)
        {
            var means = chainMeans.Slice(k * chainsPerSuperchain, chainsPerSuperchain);
            double withinChain = 0;
            foreach (double v in chainVariances.Slice(k * chainsPerSuperchain, chainsPerSuperchain)) withinChain += v;
            withinChain /= chainsPerSuperchain;                                               // W̃_k
            double betweenChain = chainsPerSuperchain > 1 ? SampleStatistics.Variance(means) : 0; // B̃_k
            superchainMeans[k] = SampleStatistics.Mean(means);                                // f̄_k (equal chain lengths)
            withinSuperchainSum += withinChain + betweenChain;
        }
        double betweenSuperchain = SampleStatistics.Variance(superchainMeans);                // B̂_ν
        double withinSuperchain = withinSuperchainSum / superchainCount;                      // Ŵ_ν
        return Math.Sqrt(1 + betweenSuperchain / withinSuperchain);
    }
}
