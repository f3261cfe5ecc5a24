using MathNet.Numerics.Distributions;

namespace GpuHbm.Diagnostics;

/// <summary>
/// Rank normalization of Vehtari et al. (2021), "Rank-normalization, folding, and
/// localization: An improved R-hat for assessing convergence of MCMC", Bayesian Analysis
/// 16(2), section 3: pool all draws, replace each by its rank (average rank for ties, R's
/// <c>rank(ties.method = "average")</c>), and map rank r of S to Φ⁻¹((r − c)/(S − 2c + 1))
/// with the fractional offset c = 3/8 of Blom (1958) (posterior's <c>z_scale</c> and
/// <c>backtransform_ranks</c>).
/// </summary>
public static class RankNormalization
{
    /// <summary>Blom's fractional offset, posterior's default.</summary>
    public const double BlomOffset = 3.0 / 8.0;

    /// <summary>1-based ranks of <paramref name="x"/>, ties given their average rank.</summary>
    public static double[] AverageRanks(ReadOnlySpan<double> x)
    {
        int n = x.Length;
        var keys = x.ToArray();
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Array.Sort(keys, order);
        var ranks = new double[n];
        int start = 0;
        while (start < n)
        {
            int end = start;
            while (end + 1 < n && keys[end + 1] == keys[start]) end++;
            double rank = (start + end) / 2.0 + 1.0;   // average of 1-based ranks start+1..end+1
            for (int k = start; k <= end; k++) ranks[order[k]] = rank;
            start = end + 1;
        }
        return ranks;
    }

    /// <summary>Normal scores Φ⁻¹((r − c)/(S − 2c + 1)) of the pooled average ranks; NaN stays NaN.</summary>
    public static double[] NormalScores(ReadOnlySpan<double> x, double offset = BlomOffset)
    {
        var ranks = AverageRanks(x);
        double denominator = ranks.Length - 2 * offset + 1;
        var z = new double[ranks.Length];
        for (int i = 0; i < z.Length; i++)
            z[i] = double.IsNaN(x[i]) ? double.NaN : Normal.InvCDF(0, 1, (ranks[i] - offset) / denominator);
        return z;
    }

    /// <summary>
    /// posterior's <c>z_scale</c> on a draws matrix: ranks are taken over all chains together
    /// and the result keeps the chain layout.
    /// </summary>
    public static double[][] ZScale(double[][] chains, double offset = BlomOffset)
    {
        DrawsMatrix.Validate(chains);
        return DrawsMatrix.Unflatten(NormalScores(DrawsMatrix.Flatten(chains), offset), chains.Length);
    }

    /// <summary>
    /// Folding around the median, |x − median(x)| with the median of all draws pooled
    /// (posterior's <c>fold_draws</c>; Vehtari et al. 2021, section 4.2).
    /// </summary>
    public static double[][] Fold(double[][] chains)
    {
        DrawsMatrix.Validate(chains);
        var sorted = DrawsMatrix.Flatten(chains);
        Array.Sort(sorted);
        double median = SampleStatistics.MedianOfSorted(sorted);
        return DrawsMatrix.Map(chains, v => Math.Abs(v - median));
    }

    /// <summary>
    /// Twice the folded draws, 2|x − median| = |(x − a) + (x − b)| with a ≤ b the two middle
    /// order statistics (a = b for an odd count), for rank-based use only (tail R̂).
    /// </summary>
    /// <remarks>
    /// The two draws a and b either side of an even-count median are exactly equidistant from
    /// it, so their folded values tie and share the average rank. Computed as |x − fl((a+b)/2)|
    /// they can differ in the last bit whenever a + b is not representable, which splits the
    /// tie at random, swaps ranks 1 and 2 between chains and moves the tail R̂ by up to ~1e-4.
    /// Here both evaluate to exactly b − a (a − b is exact by Sterbenz's lemma), and scaling by
    /// 2 leaves all ranks unchanged; posterior 1.4.0's reference values (fixtures/diagnostics)
    /// match this tied form to 1e-12.
    /// </remarks>
    internal static double[][] FoldForRanks(double[][] chains, double[] sortedPooled)
    {
        int n = sortedPooled.Length;
        double a = sortedPooled[(n - 1) / 2], b = sortedPooled[n / 2];
        return DrawsMatrix.Map(chains, v => Math.Abs((v - a) + (v - b)));
    }
}
