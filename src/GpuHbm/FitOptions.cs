using GpuHbm.Sampling;

namespace GpuHbm;

/// <summary>
/// Settings of a fit, with Stan's defaults. Every field maps to a CLI option of `gpuhbm fit`.
/// </summary>
public sealed record FitOptions
{
    /// <summary>gaussian, bernoulli, binomial or poisson.</summary>
    public string Family { get; init; } = "gaussian";

    /// <summary>Priors in brms-like syntax, e.g. "sd ~ normal(0, 50)"; the rest get defaults.</summary>
    public IReadOnlyList<string> Priors { get; init; } = [];

    /// <summary>
    /// Numeric columns to treat as categorical (treatment contrasts), like R's factor(): e.g. cbpp's
    /// period, coded 1..4. Non-numeric columns and grouping factors are categorical anyway.
    /// </summary>
    public IReadOnlyList<string> Factors { get; init; } = [];

    public int Chains { get; init; } = 4;
    public int Warmup { get; init; } = 1000;
    public int Draws { get; init; } = 1000;

    /// <summary>Random seed; null picks one from the clock (it is reported in fit.json so the run can be repeated).</summary>
    public ulong? Seed { get; init; }

    /// <summary>Target acceptance of step-size adaptation (Stan's adapt_delta).</summary>
    public double AdaptDelta { get; init; } = 0.8;

    /// <summary>Maximum NUTS tree depth.</summary>
    public int MaxDepth { get; init; } = 10;

    /// <summary>Drop rows with a missing value in a used column instead of failing.</summary>
    public bool DropMissing { get; init; }

    /// <summary>Chains run at once (default: one per core).</summary>
    public int? MaxParallelism { get; init; }

    /// <summary>
    /// Relationship (kinship) matrices by name, for <c>gr(id, cov = K)</c> terms: the key is the K of the
    /// formula (CLI: <c>--relmat K=PATH</c>, read by <see cref="Models.Kinship.RelationshipMatrixReader"/>).
    /// </summary>
    public IReadOnlyDictionary<string, Models.Kinship.RelationshipMatrix> RelationshipMatrices { get; init; } =
        new Dictionary<string, Models.Kinship.RelationshipMatrix>();

    /// <summary>
    /// Use the FaST-LMM fast path for a gaussian <c>y ~ X + (1 | gr(id, cov = K))</c> with one row per
    /// individual (default); false forces the general path (CLI: <c>--fast-path off</c>).
    /// </summary>
    public bool KinshipFastPath { get; init; } = true;

    /// <summary>On the fast path, also draw and report the genetic effects r_&lt;id&gt;[level,Intercept] (CLI: <c>--draw-genetic-effects</c>).</summary>
    public bool DrawGeneticEffects { get; init; }

    /// <summary>Live progress of each chain, if wanted.</summary>
    public IProgress<ChainProgress>? Progress { get; init; }

    internal void Validate()
    {
        if (Chains < 1) throw new GpuHbmException($"chains must be at least 1 (got {Chains})");
        if (Warmup < 0) throw new GpuHbmException($"warmup must be 0 or more (got {Warmup})");
        if (Draws < 1) throw new GpuHbmException($"draws must be at least 1 (got {Draws})");
        if (!(AdaptDelta > 0 && AdaptDelta < 1)) throw new GpuHbmException($"adapt-delta must be strictly between 0 and 1 (got {AdaptDelta})");
        if (MaxDepth < 1 || MaxDepth > 30) throw new GpuHbmException($"max-depth must be between 1 and 30 (got {MaxDepth})");
    }
}
