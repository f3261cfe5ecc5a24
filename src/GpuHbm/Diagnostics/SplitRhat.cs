namespace GpuHbm.Diagnostics;

/// <summary>
/// Potential scale reduction factor R̂. The classic estimator (Gelman et al. 2013, BDA3,
/// section 11.4) on given chains, its split-chain version (<c>rhat_basic</c>), and the
/// rank-normalized split R̂ of Vehtari et al. (2021), "Rank-normalization, folding, and
/// localization: An improved R-hat for assessing convergence of MCMC", Bayesian Analysis
/// 16(2): the larger of bulk R̂ (on rank-normalized split chains) and tail R̂ (on rank-
/// normalized split chains of the draws folded around their median) — posterior 1.4.0's
/// <c>rhat</c>.
/// </summary>
public static class SplitRhat
{
    /// <summary>
    /// R̂ of the chains as given (posterior's <c>.rhat</c>):
    /// sqrt(((N − 1)/N · W + B/N) / W) with W the mean within-chain variance and B/N the
    /// variance of the chain means. NaN for non-finite or constant draws.
    /// </summary>
    public static double OfChains(double[][] chains)
    {
        DrawsMatrix.Validate(chains);
        if (DrawsMatrix.ShouldReturnNaN(chains)) return double.NaN;
        int chainCount = chains.Length;
        int n = chains[0].Length;
        var chainMeans = new double[chainCount];
        double withinSum = 0;
        for (int c = 0; c < chainCount; c++)
        {
            chainMeans[c] = SampleStatistics.Mean(chains[c]);
            withinSum += SampleStatistics.Variance(chains[c]);
        }
        double varBetween = n * SampleStatistics.Variance(chainMeans);   // B
        double varWithin = withinSum / chainCount;                        // W
        return Math.Sqrt((varBetween / varWithin + n - 1) / n);
    }

    /// <summary>Split R̂ without rank normalization (posterior's <c>rhat_basic</c>, split = TRUE).</summary>
    public static double Basic(double[][] chains)
    {
        DrawsMatrix.Validate(chains);
        return OfChains(DrawsMatrix.SplitChains(chains));
    }

    /// <summary>Rank-normalized split R̂ of the draws (the "bulk" R̂).</summary>
    public static double Bulk(double[][] chains)
    {
        DrawsMatrix.Validate(chains);
        return OfChains(RankNormalization.ZScale(DrawsMatrix.SplitChains(chains)));
    }

    /// <summary>
    /// Rank-normalized split R̂ of the draws folded around their median (the "tail" R̂). The
    /// two draws either side of an even-count median fold to an exact tie (see
    /// <see cref="RankNormalization.FoldForRanks"/>).
    /// </summary>
    public static double Tail(double[][] chains)
    {
        DrawsMatrix.Validate(chains);
        var sorted = DrawsMatrix.Flatten(chains);
        if (Array.Exists(sorted, double.IsNaN)) return double.NaN;
        Array.Sort(sorted);
        return OfChains(RankNormalization.ZScale(DrawsMatrix.SplitChains(RankNormalization.FoldForRanks(chains, sorted))));
    }

    /// <summary>posterior's <c>rhat</c>: max(bulk R̂, tail R̂), NaN when either is NaN.</summary>
    public static double RankNormalized(double[][] chains)
    {
        double bulk = Bulk(chains);
        double tail = Tail(chains);
        return double.IsNaN(bulk) || double.IsNaN(tail) ? double.NaN : Math.Max(bulk, tail);
    }
}
