using System.Globalization;

namespace GpuHbm.Sampling.Chees;

/// <summary>
/// The verdict of one warm-up check of <see cref="CheesSampler"/> (the thresholds are <see cref="CheesOptions"/>'): the
/// superchains agree (nested R-hat over the window below <see cref="CheesOptions.NestedRhatThreshold"/>), the metric
/// estimate has settled (no variance moved by more than <see cref="CheesOptions.MetricTolerance"/> since the last
/// check), ε hits its target (the window's mean harmonic-mean acceptance within <see cref="CheesOptions.AcceptanceTolerance"/>),
/// and no chain is stuck (every chain's mean acceptance over the round at least <see cref="CheesOptions.StuckChainAcceptance"/>).
/// </summary>
internal static class WarmupRule
{
    /// <summary>Null when the check passes, else the first failed condition in words.</summary>
    /// <param name="options">The thresholds.</param>
    /// <param name="nestedRhat">The largest nested R-hat over θ and log π in the window.</param>
    /// <param name="worst">Its coordinate (−1: log π).</param>
    /// <param name="metricChange">The largest |log| ratio of a variance estimate to the previous check's.</param>
    /// <param name="acceptance">The window's mean harmonic-mean acceptance.</param>
    /// <param name="window">Iterations in the window.</param>
    /// <param name="roundAcceptanceSums">Per chain, the sum of its acceptance probabilities over the round (divergent: 0).</param>
    /// <param name="roundLength">Iterations in the round.</param>
    public static string? Verdict(CheesOptions options, double nestedRhat, int worst, double metricChange, double acceptance, int window,
        ReadOnlySpan<double> roundAcceptanceSums, int roundLength)
    {
        var inv = CultureInfo.InvariantCulture;
        if (!(nestedRhat < options.NestedRhatThreshold))
            return string.Create(inv, $"nested R-hat {nestedRhat:F4} ({(worst < 0 ? "log density" : $"theta[{worst}]")}) is not below {options.NestedRhatThreshold}");
        if (!(metricChange <= Math.Log(options.MetricTolerance)))
            return string.Create(inv, $"the metric is still changing (a variance moved by a factor {Math.Exp(metricChange):F2} in the last round)");
        if (!(Math.Abs(acceptance - options.TargetAcceptance) <= options.AcceptanceTolerance))
            return string.Create(inv, $"the harmonic-mean acceptance {acceptance:F2} is not near its target {options.TargetAcceptance}");
        if (window < 2) return "the window was too short";
        return StuckChain(options, roundAcceptanceSums, roundLength);
    }

    // One chain stuck where the shared step size is far too large for it (a chain far in a tail: its proposals are all
    // rejected) barely moves nested R-hat with many chains per superchain (its disagreement lands in the within
    // variance), so the check also asks every chain to have moved: measured on radon with 1,024 chains, one chain
    // sat at sd_county__Intercept = 2.1 (posterior 0.32 ± 0.05) with mean acceptance 0.01 while nested R-hat was 1.002.
    private static string? StuckChain(CheesOptions options, ReadOnlySpan<double> roundAcceptanceSums, int roundLength)
    {
        int slowest = 0;
        for (int c = 1; c < roundAcceptanceSums.Length; c++) if (roundAcceptanceSums[c] < roundAcceptanceSums[slowest]) slowest = c;
        double meanAcceptance = roundAcceptanceSums[slowest] / roundLength;
        return meanAcceptance >= options.StuckChainAcceptance ? null
            : string.Create(CultureInfo.InvariantCulture,
                $"chain {slowest + 1} is stuck (mean acceptance {meanAcceptance:F3} over the last {roundLength} iterations, below {options.StuckChainAcceptance})");
    }
}
