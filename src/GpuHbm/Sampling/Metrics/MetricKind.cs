namespace GpuHbm.Sampling.Metrics;

/// <summary>How NUTS warm-up adapts the metric (CLI: <c>--metric</c>).</summary>
public enum MetricKind
{
    /// <summary>
    /// <c>stan-diag</c>: Stan's windowed adaptation (75 / 25 doubling / 50) of a diagonal metric from the regularised
    /// variance of the draws (<see cref="StanVarianceEstimator"/>, <see cref="WindowedAdaptationSchedule"/>).
    /// </summary>
    StanDiagonal,

    /// <summary>
    /// <c>diag</c>: nutpie's diagonal metric from draws and gradients (<see cref="DrawGradientDiagonalEstimator"/>),
    /// started from the initial gradient and updated after every draw on nutpie's overlapping windows
    /// (<see cref="NutpieMetricWarmup"/>).
    /// </summary>
    Diagonal,

    /// <summary><c>low-rank</c>: nutpie's low-rank-modified diagonal metric (<see cref="LowRankEstimator"/>) on nutpie's windows.</summary>
    LowRank,
}

/// <summary>Names of <see cref="MetricKind"/> as the CLI and fit.json spell them.</summary>
public static class MetricKinds
{
    /// <summary>All names, in the order of the enum.</summary>
    public static IReadOnlyList<string> Names { get; } = ["stan-diag", "diag", "low-rank"];

    public static string Name(this MetricKind kind) => Names[(int)kind];

    /// <summary>Parses a name (case-insensitive); null when unknown.</summary>
    public static MetricKind? Parse(string? name)
    {
        for (int i = 0; i < Names.Count; i++)
            if (string.Equals(Names[i], name?.Trim(), StringComparison.OrdinalIgnoreCase)) return (MetricKind)i;
        return null;
    }
}
