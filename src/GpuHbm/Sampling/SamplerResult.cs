using GpuHbm.Kernels;
namespace GpuHbm.Sampling;

/// <summary>Per-draw sampler statistics of one chain (Stan's sampler parameters plus lp__), one entry per kept draw.</summary>
public sealed class SamplerStatistics
{
    internal SamplerStatistics(int capacity)
    {
        AcceptStat = new double[capacity];
        StepSize = new double[capacity];
        TreeDepth = new int[capacity];
        LeapfrogSteps = new int[capacity];
        Divergent = new bool[capacity];
        Energy = new double[capacity];
        LogDensity = new double[capacity];
    }

    /// <summary>accept_stat__.</summary>
    public double[] AcceptStat { get; private set; }
    /// <summary>stepsize__.</summary>
    public double[] StepSize { get; private set; }
    /// <summary>treedepth__.</summary>
    public int[] TreeDepth { get; private set; }
    /// <summary>n_leapfrog__.</summary>
    public int[] LeapfrogSteps { get; private set; }
    /// <summary>divergent__.</summary>
    public bool[] Divergent { get; private set; }
    /// <summary>energy__.</summary>
    public double[] Energy { get; private set; }
    /// <summary>lp__ (log density on the unconstrained scale).</summary>
    public double[] LogDensity { get; private set; }

    /// <summary>Number of entries.</summary>
    public int Count => AcceptStat.Length;

    internal void Set(int i, in NutsTransition t)
    {
        AcceptStat[i] = t.AcceptStat;
        StepSize[i] = t.StepSize;
        TreeDepth[i] = t.TreeDepth;
        LeapfrogSteps[i] = t.LeapfrogSteps;
        Divergent[i] = t.Divergent;
        Energy[i] = t.Energy;
        LogDensity[i] = t.LogDensity;
    }

    /// <summary>The entries of <paramref name="first"/> followed by those of <paramref name="second"/>.</summary>
    internal static SamplerStatistics Concat(SamplerStatistics first, SamplerStatistics second)
    {
        var s = new SamplerStatistics(0)
        {
            AcceptStat = [.. first.AcceptStat, .. second.AcceptStat],
            StepSize = [.. first.StepSize, .. second.StepSize],
            TreeDepth = [.. first.TreeDepth, .. second.TreeDepth],
            LeapfrogSteps = [.. first.LeapfrogSteps, .. second.LeapfrogSteps],
            Divergent = [.. first.Divergent, .. second.Divergent],
            Energy = [.. first.Energy, .. second.Energy],
            LogDensity = [.. first.LogDensity, .. second.LogDensity],
        };
        return s;
    }

    internal void Truncate(int count)
    {
        if (count == Count) return;
        AcceptStat = AcceptStat[..count];
        StepSize = StepSize[..count];
        TreeDepth = TreeDepth[..count];
        LeapfrogSteps = LeapfrogSteps[..count];
        Divergent = Divergent[..count];
        Energy = Energy[..count];
        LogDensity = LogDensity[..count];
    }
}

/// <summary>What warm-up produced for one chain.</summary>
/// <param name="StepSize">The adapted step size used for sampling.</param>
/// <param name="InverseMetric">The diagonal of the inverse metric (≈ posterior variances), length D.</param>
/// <param name="TrajectoryLength">For ChEES-HMC, the adapted (maximum) trajectory length T; null for NUTS.</param>
/// <param name="MetricRank">Rank of the metric's low-rank part (0: a diagonal metric).</param>
public sealed record AdaptationResult(double StepSize, double[] InverseMetric, double? TrajectoryLength = null, int MetricRank = 0)
{
    /// <summary>Automatic centring: the chain's weights λ per θ entry (<see cref="Models.Centring"/>), or null when every effect stayed non-centred.</summary>
    public double[]? Centring { get; init; }

    /// <summary>True when the chain ran automatic centring (chose its weights in warm-up, whatever it chose); false when it
    /// was off or does not apply (ChEES, device ensembles, short warm-ups, models without an independent term).</summary>
    public bool AutomaticCentring { get; init; }

    /// <summary>
    /// θ offset of the random intercept whose effects hold the model's intercept (hierarchical centring,
    /// <see cref="CentredChainDensity.AbsorbingTerm"/>), or null. The reported draws are the model's b and r either way.
    /// </summary>
    public int? InterceptTermOffset { get; init; }

    /// <summary>Effects with a centring weight above 0.</summary>
    public int CentredEffects => Centring?.Count(l => l > 0) ?? 0;

    /// <summary>Mean weight over the centred effects (0 when none).</summary>
    public double MeanCentring => CentredEffects == 0 ? 0 : Centring!.Where(l => l > 0).Average();
}

/// <summary>One chain's output.</summary>
public sealed class ChainResult
{
    internal ChainResult(int chain, int dimension, double[] draws, int drawCount, SamplerStatistics statistics,
        AdaptationResult adaptation, TimeSpan warmupTime, TimeSpan samplingTime, long warmupGradientEvaluations,
        long gradientEvaluations, int warmupIterations, int samplingIterations, int warmupDivergences)
    {
        Chain = chain;
        Dimension = dimension;
        Draws = draws;
        DrawCount = drawCount;
        Statistics = statistics;
        Adaptation = adaptation;
        WarmupTime = warmupTime;
        SamplingTime = samplingTime;
        WarmupGradientEvaluations = warmupGradientEvaluations;
        GradientEvaluations = gradientEvaluations;
        WarmupIterations = warmupIterations;
        SamplingIterations = samplingIterations;
        WarmupDivergences = warmupDivergences;
    }

    /// <summary>Chain number (0-based).</summary>
    public int Chain { get; }
    public int Dimension { get; }

    /// <summary>Kept post-warm-up draws on the unconstrained scale, DrawCount × Dimension row-major.</summary>
    public double[] Draws { get; }

    /// <summary>Number of kept draws (fewer than requested when the run was cancelled).</summary>
    public int DrawCount { get; }

    /// <summary>
    /// Draws the chain had kept before this result's first draw: 0, except for a run resumed from a checkpoint,
    /// whose earlier draws are on disk (the result holds draws FirstKept … FirstKept + DrawCount − 1).
    /// </summary>
    public int FirstKept { get; init; }

    /// <summary>Draw <paramref name="i"/> (a row of <see cref="Draws"/>).</summary>
    public ReadOnlySpan<double> Draw(int i) => Draws.AsSpan(i * Dimension, Dimension);

    /// <summary>Sampler statistics of the kept draws.</summary>
    public SamplerStatistics Statistics { get; }

    public AdaptationResult Adaptation { get; }
    public TimeSpan WarmupTime { get; }
    public TimeSpan SamplingTime { get; }

    /// <summary>Density+gradient evaluations during initialization and warm-up.</summary>
    public long WarmupGradientEvaluations { get; }

    /// <summary>All density+gradient evaluations of the chain (initialization, warm-up and sampling).</summary>
    public long GradientEvaluations { get; }

    /// <summary>Warm-up iterations completed.</summary>
    public int WarmupIterations { get; }

    /// <summary>Sampling iterations completed (before thinning).</summary>
    public int SamplingIterations { get; }

    public int WarmupDivergences { get; }

    /// <summary>Divergent transitions among the kept draws.</summary>
    public int Divergences => Statistics.Divergent.Count(d => d);
}

/// <summary>The output of <see cref="NutsSampler.Run"/>.</summary>
public sealed class SamplerResult
{
    internal SamplerResult(int dimension, IReadOnlyList<ChainResult> chains, bool cancelled, TimeSpan wallTime, SamplerOptions options)
    {
        Dimension = dimension;
        Chains = chains;
        Cancelled = cancelled;
        WallTime = wallTime;
        Options = options;
    }

    /// <summary>Length of one draw.</summary>
    public int Dimension { get; }

    /// <summary>
    /// The device failure that stopped sampling early, or null. The draws made before it are kept and
    /// <see cref="Cancelled"/> is true as well.
    /// </summary>
    public Exception? Failure { get; init; }

    /// <summary>Per-chain results, indexed by chain number.</summary>
    public IReadOnlyList<ChainResult> Chains { get; }

    /// <summary>ChEES: the initialisation, the warm-up's convergence checks and the target-ESS stop; null for NUTS.</summary>
    public Chees.EnsembleRunReport? Ensemble { get; init; }

    public int ChainCount => Chains.Count;

    /// <summary>True when the run was cancelled; the draws made until then are kept.</summary>
    public bool Cancelled { get; }

    /// <summary>Wall time of the whole run.</summary>
    public TimeSpan WallTime { get; }

    public SamplerOptions Options { get; }

    /// <summary>Chain <paramref name="chain"/>'s kept draws, DrawCount(chain) × Dimension row-major.</summary>
    public double[] Draws(int chain) => Chains[chain].Draws;

    /// <summary>Number of kept draws of chain <paramref name="chain"/>.</summary>
    public int DrawCount(int chain) => Chains[chain].DrawCount;

    /// <summary>Kept draws over all chains.</summary>
    public int TotalDraws => Chains.Sum(c => c.DrawCount);
}
