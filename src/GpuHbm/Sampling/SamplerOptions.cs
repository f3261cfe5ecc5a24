using GpuHbm.Sampling.Metrics;

namespace GpuHbm.Sampling;

/// <summary>Settings of a NUTS run; the defaults are Stan's.</summary>
public sealed record SamplerOptions
{
    /// <summary>Number of chains.</summary>
    public int Chains { get; init; } = 4;

    /// <summary>Warm-up (adaptation) iterations per chain; not kept.</summary>
    public int Warmup { get; init; } = 1000;

    /// <summary>Sampling iterations per chain after warm-up (before thinning).</summary>
    public int Draws { get; init; } = 1000;

    /// <summary>Philox key: the same seed gives bit-identical draws whatever the parallelism.</summary>
    public ulong Seed { get; init; }

    /// <summary>Target mean accept_stat δ of step-size adaptation (Stan's adapt_delta).</summary>
    public double AdaptDelta { get; init; } = 0.8;

    /// <summary>
    /// NUTS on the CPU: choose a partial centring of every independent group-level term's effects during warm-up, per
    /// chain, from the data's information at the chain's position (<see cref="Models.Centring"/>); the draws are reported
    /// on the model's θ either way. Needs at least <see cref="CentredChainDensity.MinimumWarmup"/> warm-up iterations;
    /// ignored by ChEES, by device ensembles and by models without such terms. False here (the sampler's own default);
    /// fits through <see cref="FitOptions"/> turn it on unless <see cref="FitOptions.AutomaticCentring"/> is false.
    /// </summary>
    public bool AutomaticCentring { get; init; }

    /// <summary>How NUTS warm-up adapts the metric (<see cref="MetricKind"/>); ChEES ignores it.</summary>
    public MetricKind Metric { get; init; } = MetricKind.StanDiagonal;

    /// <summary>Maximum tree depth (1 … 30).</summary>
    public int MaxDepth { get; init; } = 10;

    /// <summary>Keep every Thin-th sampling iteration (iterations 0, Thin, 2·Thin, … as Stan).</summary>
    public int Thin { get; init; } = 1;

    /// <summary>Most chains (ensembles) run at once.</summary>
    public int MaxParallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>Step size before the initial search (Stan's stepsize = 1); also sets the first μ = log(10·ε).</summary>
    public double InitialStepSize { get; init; } = 1.0;

    /// <summary>Iterations between progress reports per chain; 0 picks about 1% of Warmup + Draws.</summary>
    public int ProgressInterval { get; init; }

    /// <summary>
    /// Optional starting points on the unconstrained scale, one array of length D per chain; when null each chain
    /// starts from uniform(−2, 2) draws (Stan's default), retried up to 100 times where the density or gradient is not finite.
    /// </summary>
    public IReadOnlyList<double[]>? InitialPositions { get; init; }

    /// <summary>
    /// ChEES: choose the warm-up length by the ensemble convergence rule (nested R-hat over superchains, metric and step
    /// size settled), with <see cref="Warmup"/> as the cap. NUTS ignores it.
    /// </summary>
    public bool AutoWarmup { get; init; }

    /// <summary>ChEES: stop sampling once the smallest bulk ESS over θ and log π reaches this (<see cref="Draws"/> is then the cap); null: run all draws.</summary>
    public int? TargetEss { get; init; }

    /// <summary>Prior location and scale of each coordinate of θ (from the model); ChEES starts chains and sets its initial metric from it. Null: location 0, scale 1.</summary>
    public Models.ParameterScale? Scale { get; init; }

    /// <summary>
    /// ChEES: number of superchains, contiguous groups of chains that share a starting point (nested R-hat needs them,
    /// Margossian et al. 2024); must divide <see cref="Chains"/>. Null: every chain is its own superchain.
    /// </summary>
    public int? Superchains { get; init; }

    /// <summary>
    /// ChEES: how the starting points are chosen. With <see cref="InitialPositions"/>, Laplace runs the optimiser from the
    /// given points of each superchain's first chain; any other method starts the chains exactly there.
    /// </summary>
    public Initialization.InitializationMethod Initialization { get; init; } = Sampling.Initialization.InitializationMethod.Laplace;

    /// <summary>ChEES settings beyond these (rounds, thresholds, step-size and trajectory adaptation); null: the defaults.</summary>
    public Chees.CheesOptions? Chees { get; init; }

    /// <summary>Receives each kept draw as it is made, and checkpoints of the sampler's state; null for none.</summary>
    public ISamplingObserver? Observer { get; init; }

    /// <summary>
    /// Checkpoints of an interrupted run with the same seed and settings: each ensemble continues from its
    /// checkpoint (one that has none starts afresh) and produces the draws the uninterrupted run would have.
    /// </summary>
    public IReadOnlyList<SamplerCheckpoint>? Resume { get; init; }

    /// <summary>Checks the options against a dimension; throws <see cref="ArgumentException"/> naming the bad setting.</summary>
    public void Validate(int dimension)
    {
        if (Chains < 1) throw new ArgumentException("Chains must be at least 1.");
        if (Warmup < 0) throw new ArgumentException("Warmup must not be negative.");
        if (Warmup >= 1 << 20) throw new ArgumentException("Warmup must be below 1,048,576 iterations.");
        if (Draws < 0) throw new ArgumentException("Draws must not be negative.");
        if ((long)Warmup + Draws > int.MaxValue) throw new ArgumentException("Warmup + Draws is too large.");
        if (!(AdaptDelta > 0 && AdaptDelta < 1)) throw new ArgumentException("AdaptDelta must lie strictly between 0 and 1.");
        if (MaxDepth < 1 || MaxDepth > Nuts.DepthLimit) throw new ArgumentException($"MaxDepth must lie between 1 and {Nuts.DepthLimit}.");
        if (!Enum.IsDefined(Metric)) throw new ArgumentException($"Metric {(int)Metric} is not a metric adaptation.");
        if (ProgressInterval < 0) throw new ArgumentException("ProgressInterval must not be negative.");
        if (Thin < 1) throw new ArgumentException("Thin must be at least 1.");
        if (MaxParallelism < 1) throw new ArgumentException("MaxParallelism must be at least 1.");
        if (!(InitialStepSize > 0) || !double.IsFinite(InitialStepSize)) throw new ArgumentException("InitialStepSize must be finite and positive.");
        if (TargetEss is < 1) throw new ArgumentException("TargetEss must be at least 1.");
        if (Superchains is { } k && (k < 1 || Chains % k != 0)) throw new ArgumentException($"Superchains ({k}) must divide Chains ({Chains}).");
        if (Scale is not null && Scale.Dimension != dimension) throw new ArgumentException($"Scale has dimension {Scale.Dimension}, the density {dimension}.");
        if (InitialPositions is { } init)
        {
            if (init.Count != Chains) throw new ArgumentException($"InitialPositions has {init.Count} entries for {Chains} chains.");
            for (int c = 0; c < init.Count; c++)
                if (init[c] is null || init[c].Length != dimension)
                    throw new ArgumentException($"InitialPositions[{c}] must have length {dimension}.");
        }
    }
}

/// <summary>Which phase a chain is in.</summary>
public enum SamplerPhase
{
    Warmup,
    Sampling,
}

/// <summary>A progress report from one chain.</summary>
/// <param name="Chain">Chain number.</param>
/// <param name="Iteration">Iterations completed so far (warm-up and sampling together).</param>
/// <param name="TotalIterations">Warmup + Draws.</param>
/// <param name="Phase">Warm-up or sampling.</param>
/// <param name="Divergences">Divergent transitions so far (warm-up and sampling together).</param>
/// <param name="StepSize">The step size of the latest transition.</param>
public readonly record struct ChainProgress(int Chain, int Iteration, int TotalIterations, SamplerPhase Phase, int Divergences, double StepSize);
