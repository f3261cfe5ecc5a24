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

    /// <summary>
    /// Chains. Default: 4 for NUTS; <see cref="DefaultCheesChains"/> for ChEES (4 superchains of 16: the ensemble whose
    /// initialisation and warm-up cost no more gradients than 4 NUTS chains' warm-up on the reference posteriors,
    /// benchmarks/results/chees-vs-nuts-v2-2026-11-30.md; on a GPU more chains cost little more wall time).
    /// </summary>
    public int Chains { get => _chains ?? (IsChees ? DefaultCheesChains : 4); init => _chains = value; }
    private readonly int? _chains;

    /// <summary>ChEES's default ensemble size.</summary>
    public const int DefaultCheesChains = 64;

    /// <summary>
    /// Warm-up iterations per chain. Null (the default) means the sampler's default: 1000 for NUTS; for ChEES "auto",
    /// the warm-up stops when the ensemble has converged (nested R-hat over superchains, metric and step size settled),
    /// capped by <see cref="MaxWarmup"/> — when the chains form superchains (<see cref="NestedRhatSuperchains"/>), else 1000.
    /// </summary>
    public int? Warmup { get; init; }

    /// <summary>The cap of the automatic warm-up (ChEES, <see cref="Warmup"/> null).</summary>
    public int MaxWarmup { get; init; } = 1000;

    public int Draws { get; init; } = 1000;

    /// <summary>ChEES: stop sampling once the smallest bulk ESS over the parameters reaches this (<see cref="Draws"/> is then the cap).</summary>
    public int? TargetEss { get; init; }

    /// <summary>
    /// How ChEES chooses its starting points: "auto" or "laplace" (L-BFGS from dispersed starts on the prior scale, then a
    /// draw from the Laplace-style approximation around each optimum), "prior" (location ± 2 scales of the priors) or
    /// "uniform" (Stan's uniform(−2, 2)). NUTS always starts as Stan does.
    /// </summary>
    public string Init { get; init; } = "auto";

    /// <summary>
    /// Starting points on the unconstrained scale θ (see the model's ParameterLayout), one array of length D per chain;
    /// null lets the sampler choose (<see cref="Init"/>). The chains start exactly there unless <see cref="Init"/> is
    /// "laplace" (ChEES), which runs the optimiser from the points of each superchain's first chain. For nested R-hat,
    /// give the chains of a superchain the same start.
    /// </summary>
    public IReadOnlyList<double[]>? InitialValues { get; init; }

    /// <summary>ChEES settings beyond the defaults (library only: rounds, thresholds, adaptation rates); null: the defaults.</summary>
    public Sampling.Chees.CheesOptions? Chees { get; init; }

    /// <summary>True for ChEES.</summary>
    public bool IsChees => string.Equals(Sampler, "chees", StringComparison.OrdinalIgnoreCase);

    /// <summary>True when the warm-up length is chosen by the convergence rule (ChEES with superchains and no fixed warm-up).</summary>
    public bool AutoWarmup => Warmup is null && IsChees && NestedRhatSuperchains() is not null;

    /// <summary>The fixed warm-up length, or the cap of the automatic warm-up.</summary>
    public int ResolvedWarmup => Warmup ?? (AutoWarmup ? MaxWarmup : 1000);

    /// <summary>Random seed; null picks one from the clock (it is reported in fit.json so the run can be repeated).</summary>
    public ulong? Seed { get; init; }

    /// <summary>Target acceptance of step-size adaptation (Stan's adapt_delta).</summary>
    public double AdaptDelta { get; init; } = 0.8;

    /// <summary>Maximum NUTS tree depth.</summary>
    public int MaxDepth { get; init; } = 10;

    /// <summary>
    /// NUTS metric adaptation (CLI: <c>--metric</c>): "diag" (nutpie's diagonal from draws and gradients), "low-rank"
    /// (nutpie's low-rank-modified diagonal) or "stan-diag" (Stan's windowed diagonal); null for
    /// <see cref="DefaultMetric"/> (<see cref="Sampling.Metrics.MetricKind"/>). <see cref="Glmm.Plan"/> fixes it.
    /// </summary>
    public string? Metric { get; init; }

    /// <summary>The metric adaptation used when <see cref="Metric"/> is null (chosen by benchmarks/results/metric-*.md).</summary>
    public const Sampling.Metrics.MetricKind DefaultMetric = Sampling.Metrics.MetricKind.Diagonal;

    /// <summary>The metric adaptation these options ask for.</summary>
    public Sampling.Metrics.MetricKind MetricKind() =>
        Metric is null ? DefaultMetric
            : Sampling.Metrics.MetricKinds.Parse(Metric) ?? throw new GpuHbmException($"unknown metric '{Metric}' (use {string.Join(", ", Sampling.Metrics.MetricKinds.Names)})");

    /// <summary>
    /// NUTS on the CPU (CLI: <c>--centring auto|off</c>): choose during warm-up, per chain, how far to centre the effects of
    /// every independent group-level term (<c>(1 | g)</c>, <c>(x || g)</c>) from the data's information about each effect
    /// (Models/Centring.cs); correlated and relationship terms stay non-centred. The reported draws are the same parameters
    /// either way. False (the default): every effect non-centred. Opt-in for now: with a short warm-up (150 iterations,
    /// centring at iteration 22) sleepstudy's (1 | Subject) chains did not mix (R-hat 2.0), see notes in Models/Centring.cs.
    /// </summary>
    public bool AutomaticCentring { get; init; }

    /// <summary>Drop rows with a missing value in a used column instead of failing.</summary>
    public bool DropMissing { get; init; }

    /// <summary>Chains run at once (default: one per core).</summary>
    public int? MaxParallelism { get; init; }

    /// <summary>
    /// Where the chains run: "auto" (CUDA, else an OpenCL GPU, else the managed CPU), "cpu", "opencl" or "cuda"
    /// (see <see cref="Compute.BackendSelection"/>). On a device backend all chains run as one ensemble.
    /// </summary>
    public string Backend { get; init; } = "auto";

    /// <summary>Device index within the backend (as `gpuhbm devices` lists them); null for the first usable one.</summary>
    public int? Device { get; init; }

    /// <summary>"nuts" (Stan's NUTS, per-chain adaptation) or "chees" (ChEES-HMC: all chains in lockstep, shared adaptation).</summary>
    public string Sampler { get; init; } = "nuts";

    /// <summary>
    /// Number of superchains for nested R-hat (ChEES runs only): chains are grouped into this many contiguous
    /// superchains of equal size, the chains of a superchain sharing their starting point. Null: superchains of
    /// <see cref="DefaultSuperchainSize"/> chains, or no nested R-hat when the chain count allows none.
    /// </summary>
    public int? Superchains { get; init; }

    /// <summary>
    /// Chains per superchain when <see cref="Superchains"/> is not given, or null when <paramref name="chains"/> allows no
    /// two superchains: 16 for a multiple of 16 chains from 32 on (C/32 beyond 512 chains, so at most 32 superchains),
    /// else 8 for a multiple of 8 from 16 on. At stationarity nested R-hat is about √(1 + 1/(M·N_eff)) for superchains of
    /// M chains with N_eff effective draws each (Margossian et al. 2024), so short chains need large superchains for
    /// the 1.01 rule; 16 keeps 50 draws per chain under it on the reference posteriors while leaving 16 superchains
    /// to compare from 256 chains.
    /// </summary>
    public static int? DefaultSuperchainSize(int chains)
    {
        if (chains >= 32 && chains % 16 == 0) return chains > 512 && chains % 32 == 0 ? chains / 32 : 16;
        if (chains >= 16 && chains % 8 == 0) return 8;
        return null;
    }

    /// <summary>The superchain count nested R-hat uses for this fit, or null when it is not computed (NUTS, or too few chains).</summary>
    public int? NestedRhatSuperchains()
    {
        if (!IsChees) return null;
        if (Superchains is { } k) return k;
        return DefaultSuperchainSize(Chains) is { } m ? Chains / m : null;
    }

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

    /// <summary>
    /// Relationship-matrix files by name (CLI: <c>--relmat K=PATH</c>), recorded in the fit folder's manifest so that a
    /// resumed run (<see cref="Glmm.Resume"/>) can read the matrices again. Optional for library use.
    /// </summary>
    public IReadOnlyDictionary<string, string> RelationshipMatrixFiles { get; init; } = new Dictionary<string, string>();

    /// <summary>The PSD tolerance those files were read with (CLI: <c>--relmat-psd-tolerance</c>); null for each format's default.</summary>
    public double? RelationshipMatrixPsdTolerance { get; init; }

    /// <summary>
    /// A folder to stream the fit into (CLI: <c>--output</c>): it is created and checked before anything else, draws.csv
    /// and sampler.csv grow during sampling, checkpoints allow <see cref="Glmm.Resume"/>, and summary.csv and fit.json
    /// are written at the end (layout: <see cref="Results.FitFolder"/>). Null: nothing is written (use Fit.Save).
    /// </summary>
    public string? OutputDirectory { get; init; }

    /// <summary>Replace a fit already in <see cref="OutputDirectory"/> (all of its files); otherwise such a folder is refused (CLI: <c>--overwrite</c>).</summary>
    public bool Overwrite { get; init; }

    /// <summary>How often streamed draws are flushed to the disk and checkpoints taken (default 2 s).</summary>
    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Live progress of each chain, if wanted.</summary>
    public IProgress<ChainProgress>? Progress { get; init; }

    /// <summary>Checks every option's range; a <see cref="GpuHbmOptionException"/> names the option (CLI and library spelling) and what it must be.</summary>
    public void Validate()
    {
        static GpuHbmOptionException Bad(string option, string property, string problem) => new(option, property, problem);
        if (Chains < 1) throw Bad("--chains", nameof(Chains), $"must be at least 1 (got {Chains})");
        if (Warmup < 0) throw Bad("--warmup", nameof(Warmup), $"must be 0 or more, or auto (got {Warmup})");
        if (Draws < 1) throw Bad("--draws", nameof(Draws), $"must be at least 1 (got {Draws})");
        if (Warmup >= 1 << 20) throw Bad("--warmup", nameof(Warmup), $"must be below {1 << 20} (got {Warmup})");
        if (MaxWarmup < 1) throw Bad("--max-warmup", nameof(MaxWarmup), $"must be at least 1 (got {MaxWarmup})");
        if (MaxWarmup >= 1 << 20) throw Bad("--max-warmup", nameof(MaxWarmup), $"must be below {1 << 20} (got {MaxWarmup})");
        if ((long)ResolvedWarmup + Draws > int.MaxValue / 2) throw Bad("--draws", nameof(Draws), $"with --warmup must total below {int.MaxValue / 2} iterations (got {Draws} + {ResolvedWarmup})");
        if (TargetEss is { } ess)
        {
            if (ess < 1) throw Bad("--target-ess", nameof(TargetEss), $"must be at least 1 (got {ess})");
            if (!IsChees) throw Bad("--target-ess", nameof(TargetEss), "needs --sampler chees (NUTS runs the requested draws)");
        }
        if (Init?.ToLowerInvariant() is not ("auto" or "laplace" or "prior" or "uniform"))
            throw Bad("--init", nameof(Init), $"must be auto, laplace, prior or uniform (got '{Init}')");
        if (InitialValues is not null && Init.ToLowerInvariant() is "prior" or "uniform")
            throw Bad("--init", nameof(Init), $"{Init} draws its own starting points; drop the initial values or use --init auto or laplace");
        if (!IsChees && Init.ToLowerInvariant() is not ("auto" or "uniform"))
            throw Bad("--init", nameof(Init), $"{Init} needs --sampler chees (NUTS starts from Stan's uniform(-2, 2))");
        if (!(AdaptDelta > 0 && AdaptDelta < 1)) throw Bad("--adapt-delta", nameof(AdaptDelta), $"must be strictly between 0 and 1, e.g. 0.95 (got {AdaptDelta})");
        if (MaxDepth < 1 || MaxDepth > 30) throw Bad("--max-depth", nameof(MaxDepth), $"must be between 1 and 30 (got {MaxDepth})");
        if (MaxParallelism is < 1)
            throw Bad("--threads", nameof(MaxParallelism), $"must be at least 1: it is how many chains run at once (got {MaxParallelism}); leave it out for one per core");
        _ = MetricKind();
        Compute.BackendSelection.Normalize(Backend);
        if (Device is < 0) throw Bad("--device", nameof(Device), $"must be 0 or more, as `gpuhbm devices` numbers them (got {Device})");
        if (Sampler?.ToLowerInvariant() is not ("nuts" or "chees")) throw Bad("--sampler", nameof(Sampler), $"must be nuts or chees (got '{Sampler}')");
        if (Superchains is { } k && (k < 2 || Chains % k != 0))
            throw Bad("--superchains", nameof(Superchains), $"must be at least 2 and divide the number of chains ({Chains}); got {k}");
        if (!(CheckpointInterval > TimeSpan.Zero)) throw Bad("--checkpoint-interval", nameof(CheckpointInterval), $"must be positive (got {CheckpointInterval})");
        var duplicates = Factors.GroupBy(f => f, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicates is not null) throw Bad("--factor", nameof(Factors), $"names '{duplicates.Key}' twice");
    }
}
