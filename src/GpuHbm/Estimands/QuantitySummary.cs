using System.Globalization;
using GpuHbm.Diagnostics;

namespace GpuHbm.Estimands;

/// <summary>
/// The posterior summary of one derived quantity (a variance share, a group's effect, a hospital's
/// rate): mean, sd, median, the central interval at <see cref="Level"/>, and the convergence
/// diagnostics of the quantity itself (rank-normalized split R-hat, bulk and tail ESS; Vehtari et
/// al. 2021), computed from its draws as [chain][iteration]. <c>Name</c> says what the quantity is
/// ("ICC county"); <c>Level</c> is the probability of the central interval [Lower, Upper] (0.9: the
/// 5 % and 95 % quantiles). R-hat and ESS are NaN when not computed (<see cref="Quick"/>).
/// </summary>
public sealed record QuantitySummary(string Name, double Mean, double Sd, double Lower, double Median, double Upper,
    double Level, double Rhat, double EssBulk, double EssTail)
{
    /// <summary>Summarizes draws laid out as [chain][iteration] (all chains the same length).</summary>
    public static QuantitySummary Of(string name, double[][] chains, double level)
    {
        ArgumentNullException.ThrowIfNull(chains);
        CheckLevel(level);
        var s = ConvergenceDiagnostics.Summarize(chains);
        var flat = chains.SelectMany(c => c).ToArray();
        Array.Sort(flat);
        bool nan = flat.Length == 0 || double.IsNaN(flat[^1]) || Array.Exists(flat, double.IsNaN);
        double lo = nan ? double.NaN : SampleStatistics.QuantileOfSorted(flat, (1 - level) / 2);
        double hi = nan ? double.NaN : SampleStatistics.QuantileOfSorted(flat, 1 - (1 - level) / 2);
        return new QuantitySummary(name, s.Mean, s.Sd, lo, s.Q50, hi, level, s.Rhat, s.EssBulk, s.EssTail);
    }

    /// <summary>Mean, sd, median and interval only (no R-hat or ESS: NaN), for many quantities at once.</summary>
    public static QuantitySummary Quick(string name, ReadOnlySpan<double> draws, double level)
    {
        CheckLevel(level);
        var sorted = draws.ToArray();
        Array.Sort(sorted);
        double mean = SampleStatistics.Mean(draws), sd = SampleStatistics.StandardDeviation(draws);
        bool nan = double.IsNaN(mean);
        return new QuantitySummary(name, mean, sd,
            nan ? double.NaN : SampleStatistics.QuantileOfSorted(sorted, (1 - level) / 2),
            nan ? double.NaN : SampleStatistics.QuantileOfSorted(sorted, 0.5),
            nan ? double.NaN : SampleStatistics.QuantileOfSorted(sorted, 1 - (1 - level) / 2),
            level, double.NaN, double.NaN, double.NaN);
    }

    internal static void CheckLevel(double level)
    {
        if (!(level > 0 && level < 1))
            throw new GpuHbmException($"the interval probability must lie strictly between 0 and 1, but it is {level.ToString(CultureInfo.InvariantCulture)}");
    }

    /// <summary>Column headers of the interval for this level, e.g. ("q5", "q95") at 0.9.</summary>
    public static (string Lower, string Upper) IntervalHeaders(double level)
    {
        string F(double p) => "q" + (100 * p).ToString("0.##", CultureInfo.InvariantCulture);
        return (F((1 - level) / 2), F(1 - (1 - level) / 2));
    }
}
