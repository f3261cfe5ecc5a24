namespace GpuHbm.Diagnostics;

/// <summary>
/// Entry point for the posterior summary and convergence diagnostics of one scalar variable,
/// matching R's posterior package 1.4.0 (Vehtari et al. 2021, "Rank-normalization, folding,
/// and localization: An improved R-hat for assessing convergence of MCMC", Bayesian Analysis
/// 16(2)). Draws are <c>double[chain][iteration]</c>, all chains of the same length.
/// Diagnostics that posterior reports as NA (non-finite or constant draws, fewer than three
/// iterations per split chain for ESS) are NaN.
/// </summary>
public static class ConvergenceDiagnostics
{
    public static double Mean(double[][] chains) { DrawsMatrix.Validate(chains); return SampleStatistics.Mean(chains); }
    public static double Sd(double[][] chains) { DrawsMatrix.Validate(chains); return SampleStatistics.StandardDeviation(chains); }
    public static double Quantile(double[][] chains, double p) => SampleStatistics.Quantile(chains, p);

    public static double Rhat(double[][] chains) => SplitRhat.RankNormalized(chains);
    public static double RhatBasic(double[][] chains) => SplitRhat.Basic(chains);

    public static double EssBulk(double[][] chains) => EffectiveSampleSize.Bulk(chains);
    public static double EssTail(double[][] chains) => EffectiveSampleSize.Tail(chains);
    public static double EssBasic(double[][] chains) => EffectiveSampleSize.Basic(chains);
    public static double EssMean(double[][] chains) => EffectiveSampleSize.Mean(chains);
    public static double EssSd(double[][] chains) => EffectiveSampleSize.StandardDeviation(chains);
    public static double EssQuantile(double[][] chains, double p) => EffectiveSampleSize.Quantile(chains, p);

    public static double McseMean(double[][] chains) => MonteCarloStandardError.Mean(chains);
    public static double McseSd(double[][] chains) => MonteCarloStandardError.StandardDeviation(chains);
    public static double McseQuantile(double[][] chains, double p) => MonteCarloStandardError.Quantile(chains, p);

    /// <summary>Nested R̂ with contiguous superchains (see <see cref="Diagnostics.NestedRhat"/>).</summary>
    public static double NestedRhat(double[][] chains, int superchainCount) => Diagnostics.NestedRhat.Compute(chains, superchainCount);

    /// <summary>E-BFMI of each chain from its energies (see <see cref="EnergyBfmi"/>).</summary>
    public static double[] Ebfmi(double[][] energies) => EnergyBfmi.PerChain(energies);

    /// <summary>
    /// All summaries of <see cref="VariableSummary"/> at once, sharing the sorted draws, the
    /// split chains and the quantile ESS between statistics. Same values as the individual
    /// functions. Thread-safe (no shared state), so callers may run variables in parallel.
    /// </summary>
    public static VariableSummary Summarize(double[][] chains)
    {
        DrawsMatrix.Validate(chains);
        var flat = DrawsMatrix.Flatten(chains);
        var sorted = (double[])flat.Clone();
        Array.Sort(sorted);
        bool invalid = DrawsMatrix.ShouldReturnNaN(chains);

        double mean = SampleStatistics.Mean(flat);
        double sd = SampleStatistics.StandardDeviation(flat);
        bool hasNaN = Array.Exists(flat, double.IsNaN);
        double q5 = hasNaN ? double.NaN : SampleStatistics.QuantileOfSorted(sorted, 0.05);
        double q50 = hasNaN ? double.NaN : SampleStatistics.QuantileOfSorted(sorted, 0.5);
        double q95 = hasNaN ? double.NaN : SampleStatistics.QuantileOfSorted(sorted, 0.95);

        var split = DrawsMatrix.SplitChains(chains);
        double rhatBasic = SplitRhat.OfChains(split);
        double essBasic = EffectiveSampleSize.OfChains(split);

        var zSplit = RankNormalization.ZScale(split);
        double rhatBulk = SplitRhat.OfChains(zSplit);
        double essBulk = EffectiveSampleSize.OfChains(zSplit);
        double rhatTail = hasNaN ? double.NaN
            : SplitRhat.OfChains(RankNormalization.ZScale(DrawsMatrix.SplitChains(RankNormalization.FoldForRanks(chains, sorted))));
        double rhat = double.IsNaN(rhatBulk) || double.IsNaN(rhatTail) ? double.NaN : Math.Max(rhatBulk, rhatTail);

        double essQ5 = double.NaN, essQ95 = double.NaN, mcseQ5 = double.NaN, mcseQ95 = double.NaN;
        if (!invalid)
        {
            essQ5 = EffectiveSampleSize.QuantileOfValidSorted(chains, sorted, 0.05);
            essQ95 = EffectiveSampleSize.QuantileOfValidSorted(chains, sorted, 0.95);
            mcseQ5 = MonteCarloStandardError.QuantileFromEss(sorted, 0.05, essQ5);
            mcseQ95 = MonteCarloStandardError.QuantileFromEss(sorted, 0.95, essQ95);
        }
        double essTail = EffectiveSampleSize.NaNMin(essQ5, essQ95);

        double essSd = EffectiveSampleSize.StandardDeviation(chains);
        double mcseSd = MonteCarloStandardError.StandardDeviation(chains);
        double mcseMean = sd / Math.Sqrt(essBasic);

        return new VariableSummary(mean, sd, q5, q50, q95, rhat, rhatBasic,
            essBulk, essTail, essBasic, essBasic, essSd, mcseMean, mcseSd, mcseQ5, mcseQ95);
    }
}
