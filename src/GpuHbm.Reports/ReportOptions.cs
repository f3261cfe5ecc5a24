using GpuHbm.Estimands;

namespace GpuHbm.Reports;

/// <summary>What the HTML report includes beyond the sections every model gets.</summary>
public sealed record ReportOptions
{
    /// <summary>Probability of the intervals in the estimand sections (default 0.9).</summary>
    public double Level { get; init; } = 0.9;

    /// <summary>Add a treatment-heterogeneity section for this treatment column (needs <see cref="Benefit"/>).</summary>
    public string? Treatment { get; init; }

    /// <summary>Which sign of the treatment effect is a benefit.</summary>
    public BenefitDirection Benefit { get; init; } = BenefitDirection.Lower;

    /// <summary>A covariate that interacts with the treatment: the treatment section adds the effect at its values (<see cref="SubgroupEffects"/>).</summary>
    public string? Moderator { get; init; }

    /// <summary>Minimal important difference on the link scale for the treatment section.</summary>
    public double? MinimalImportantDifference { get; init; }

    /// <summary>Parameters with trace and rank plots; null: the hyperparameters (b_, sd_, cor_, sigma, h2), at most <see cref="MaxDiagnosticPlots"/>.</summary>
    public IReadOnlyList<string>? DiagnosticParameters { get; init; }

    public int MaxDiagnosticPlots { get; init; } = 12;

    /// <summary>Shrinkage tables listed in full up to this many levels (the plots show every level).</summary>
    public int MaxTableRows { get; init; } = 60;
}
