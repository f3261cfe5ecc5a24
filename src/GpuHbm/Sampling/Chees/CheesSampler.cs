using System.Diagnostics;
using GpuHbm.Compute;
using GpuHbm.Kernels;
using GpuHbm.Models;
using GpuHbm.Sampling.Initialization;

namespace GpuHbm.Sampling.Chees;

/// <summary>ChEES-HMC settings beyond <see cref="SamplerOptions"/> (whose AdaptDelta and MaxDepth ChEES ignores).</summary>
public sealed record CheesOptions
{
    /// <summary>Target harmonic-mean acceptance probability (0.651, Beskos et al. 2013).</summary>
    public double TargetAcceptance { get; init; } = 0.651;

    /// <summary>
    /// Dual averaging's γ for the step size (Hoffman &amp; Gelman 2014, §3.2; Stan, TFP and BlackJAX use 0.05). Our choice
    /// of 0.2, by measurement: the harmonic mean over hundreds of chains drops to near 0 whenever one chain draws a bad
    /// momentum, so with γ = 0.05 the iterates swing by factors of 2 and their average lands where the steep
    /// harmonic-mean curve is flat (radon, 256 chains: sampling acceptance 0.93 at the averaged ε, 0.64 with γ = 0.2).
    /// </summary>
    public double StepSizeShrinkage { get; init; } = 0.2;

    /// <summary>Adam learning rate for log T (TFP's trajectory_length_adaptation_rate 0.025).</summary>
    public double LearningRate { get; init; } = 0.025;

    /// <summary>Cap on leapfrog steps per transition (T ≤ ε × this).</summary>
    public int MaxLeapfrogSteps { get; init; } = 1000;

    /// <summary>
    /// T at the start of warm-up, in the time units of the initial metric: 2.25 maximises the jittered ChEES criterion
    /// E_u[E(‖q(uT)‖² − ‖q(0)‖²)²] of a standard normal target when M⁻¹ is its covariance (see <see cref="CheesAdaptation"/>).
    /// </summary>
    public double InitialTrajectoryLength { get; init; } = CheesAdaptation.StandardNormalOptimum;

    /// <summary>
    /// Warm-up iteration t takes at most 2^(t+1) leapfrog steps (2, 4, 8, …; our rule). The first ε, from
    /// <see cref="EnsembleStepSizeSearch"/>'s harmonic mean over all chains, can be 100× smaller than the ε dual averaging
    /// settles at (radon, 64 chains: 0.002 vs 0.2), and T/ε steps at that ε cost more than the rest of the warm-up; the
    /// cap stops binding once ε has grown (by iteration 8 at the latest for T/ε ≤ 512).
    /// </summary>
    public bool DoublingStart { get; init; } = true;

    /// <summary>
    /// The metric from nutpie's √(var x / var ∇log π) over chains (<see cref="CrossChainVariance"/>) instead of the
    /// cross-chain variance of the positions (TFP's SNAPER-HMC, the default). Measured on the four reference posteriors
    /// (256 chains, 2 seeds, benchmarks/results/chees-*.md): the variance is as good or better for ChEES — eight schools
    /// 104–123k gradients before sampling vs 203–215k, radon's slow sd_county__floor ESS 1135–1300 vs 783–817.
    /// </summary>
    public bool MetricFromGradients { get; init; }

    /// <summary>Iterations between metric updates from the moving averages (1: every iteration, as TFP's SNAPER-HMC).</summary>
    public int MetricInterval { get; init; } = 1;

    /// <summary>
    /// Warm-up iterations per round: convergence is checked at the end of each round, on the last two rounds. A window
    /// of N iterations and superchains of M chains put a floor of about 1 + 1/(2·M·N_eff) under nested R-hat even at
    /// stationarity (B̂/Ŵ ≈ 1/(M·N_eff)), so slowly mixing coordinates need long windows. 25 (our choice, by measurement:
    /// benchmarks/results/chees-vs-nuts-v2-2026-11-30.md): on the four reference posteriors the rule passed at 50–75
    /// iterations instead of 100–150 with rounds of 50, with every reported quantity still matching the references.
    /// </summary>
    public int RoundLength { get; init; } = 25;

    /// <summary>
    /// The warm-up has converged when the largest nested R-hat over the window is below this … (The stopping rule as a
    /// whole is ours: TFP and BlackJAX run a fixed number of warm-up steps. Its first part is the 1.01 threshold that
    /// Vehtari et al. 2021, §4, recommend for R-hat, applied to nested R-hat as Margossian et al. 2024 do in their
    /// experiments; the window floor behind <see cref="RoundLength"/> is their §3 variance decomposition.)
    /// </summary>
    public double NestedRhatThreshold { get; init; } = 1.01;

    /// <summary>
    /// … and no coordinate's variance estimate moved by more than this factor since the previous check (our choice: the
    /// moving averages of <see cref="CrossChainVariance"/> still drift by up to ×1.3 per round at stationarity with 256
    /// chains on the reference posteriors) …
    /// </summary>
    public double MetricTolerance { get; init; } = 1.5;

    /// <summary>
    /// … and the window's mean harmonic-mean acceptance lies within this distance of the target (our choice: dual
    /// averaging's iterates keep swinging by about ±0.1 around the target on the reference posteriors).
    /// </summary>
    public double AcceptanceTolerance { get; init; } = 0.15;

    /// <summary>
    /// … and every chain's mean acceptance probability over the last round is at least this (our rule: a chain that
    /// rejects nearly every proposal at the shared step size has not reached the bulk; healthy chains average near the
    /// 0.651 target).
    /// </summary>
    public double StuckChainAcceptance { get; init; } = 0.1;

    /// <summary>Sampling iterations between bulk-ESS checks when a target ESS is set.</summary>
    public int EssCheckInterval { get; init; } = 10;

    /// <summary>Settings of the initial optimisation (the method itself is <see cref="SamplerOptions.Initialization"/>).</summary>
    public InitializationOptions Initialization { get; init; } = new();
}

/// <summary>
/// ChEES-HMC (Hoffman, Radul &amp; Sountsov 2021, "An Adaptive MCMC Scheme for Setting Trajectory Lengths in
/// Hamiltonian Monte Carlo", AISTATS): all chains run as ONE <see cref="IChainEnsemble"/> in lockstep with a
/// shared step size ε, a shared trajectory length T jittered per iteration by the Halton sequence
/// (L_t = ⌈u_t·T/ε⌉ leapfrog steps), and a shared diagonal metric.
/// </summary>
/// <remarks>
/// <para>Start (<see cref="SuperchainStarts"/>): one point per superchain, by default L-BFGS from dispersed starts on
/// the prior scale and one draw from the Laplace-style approximation around each optimum; every chain of a superchain
/// starts there (nested R-hat's design, Margossian et al. 2024). The initial metric is the cross-chain variance of the
/// starts when there are at least 8 of them, else the prior scales squared; the initial ε comes from
/// <see cref="EnsembleStepSizeSearch"/> and T from <see cref="CheesOptions.InitialTrajectoryLength"/>.</para>
/// <para>Warm-up, every iteration (iteration t at most 2^(t+1) leapfrog steps, <see cref="CheesOptions.DoublingStart"/>): ε by dual averaging on the harmonic-mean acceptance and log T by Adam on the ChEES
/// gradient (<see cref="CheesAdaptation"/>, <see cref="CheesCriterion"/>), and the diagonal metric set to exponential
/// moving averages of the cross-chain variance of the positions (<see cref="CrossChainVariance"/>, TFP's
/// SNAPERHamiltonianMonteCarlo, which also applies its estimate at every step). Every
/// <see cref="CheesOptions.RoundLength"/> iterations a check: nested R-hat of every coordinate and of log π over the
/// last two rounds (the first round at the first check; <see cref="SuperchainMonitor"/>) below <see cref="CheesOptions.NestedRhatThreshold"/>, no
/// variance estimate changed by more than <see cref="CheesOptions.MetricTolerance"/> since the previous check, and
/// the window's harmonic-mean acceptance within <see cref="CheesOptions.AcceptanceTolerance"/> of its target, and no
/// chain stuck (mean acceptance over the round at least <see cref="CheesOptions.StuckChainAcceptance"/>). With
/// <see cref="SamplerOptions.AutoWarmup"/> the warm-up stops at the first check that passes or at the cap
/// <see cref="SamplerOptions.Warmup"/>; a fixed warm-up runs all its iterations (the metric is frozen for the last
/// half round) and records whether its last check passed.</para>
/// <para>Sampling uses the averaged ε (dual averaging's x̄) and T; with <see cref="SamplerOptions.TargetEss"/> it stops
/// once the smallest bulk ESS (Vehtari et al. 2021) over θ and log π reaches the target.</para>
/// <para>Per-iteration statistics are reported with TreeDepth 0 and LeapfrogSteps = L_t.</para>
/// </remarks>
public sealed class CheesSampler
{
    private static readonly HmcSlots Hmc = HmcSlots.First;
    private static readonly EnsembleSlot ProposalMean = new(5), InitialMean = new(6), CenteredProposal = new(7), CenteredInitial = new(8),
        Sum = new(9), SumSquares = new(10), Scratch = new(11), SecondSum = new(12), SecondSumSquares = new(13);
    internal const int SlotCount = 14;

    private readonly CheesOptions _chees;
    private readonly ChainEnsembleFactory _factory;

    /// <param name="ensembleFactory">The backend: creates the one ensemble of all chains (the managed CPU's or a device's).</param>
    /// <param name="cheesOptions">ChEES settings; null for the defaults.</param>
    public CheesSampler(ChainEnsembleFactory ensembleFactory, CheesOptions? cheesOptions = null)
    {
        ArgumentNullException.ThrowIfNull(ensembleFactory);
        _chees = cheesOptions ?? new CheesOptions();
        if (!(_chees.TargetAcceptance > 0 && _chees.TargetAcceptance < 1)) throw new ArgumentException("TargetAcceptance must lie in (0, 1).");
        if (!(_chees.LearningRate > 0)) throw new ArgumentException("LearningRate must be positive.");
        if (_chees.MaxLeapfrogSteps < 1) throw new ArgumentException("MaxLeapfrogSteps must be at least 1.");
        if (_chees.RoundLength < 4) throw new ArgumentException("RoundLength must be at least 4.");
        if (!(_chees.NestedRhatThreshold > 1)) throw new ArgumentException("NestedRhatThreshold must exceed 1.");
        if (!(_chees.MetricTolerance > 1)) throw new ArgumentException("MetricTolerance must exceed 1.");
        if (_chees.EssCheckInterval < 1) throw new ArgumentException("EssCheckInterval must be at least 1.");
        if (!(_chees.StepSizeShrinkage > 0)) throw new ArgumentException("StepSizeShrinkage must be positive.");
        if (_chees.MetricInterval < 1) throw new ArgumentException("MetricInterval must be at least 1.");
        if (!(_chees.InitialTrajectoryLength > 0)) throw new ArgumentException("InitialTrajectoryLength must be positive.");
        _factory = ensembleFactory;
    }

    /// <summary>Warm-up and sampling for the whole ensemble; cancellation returns the draws made so far (Cancelled = true).</summary>
    public SamplerResult Run(IBatchedDensity density, SamplerOptions options, IProgress<ChainProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(density);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate(density.Dimension);
        var clock = Stopwatch.StartNew();
        int chains = options.Chains, d = density.Dimension;
        int superchains = options.Superchains ?? chains, perSuperchain = chains / superchains;
        var scale = options.Scale ?? ParameterScale.Unit(d);
        var all = Enumerable.Repeat(true, chains).ToArray();
        var lp = new double[chains];
        int total = options.Warmup + options.Draws;
        int reportEvery = options.ProgressInterval > 0 ? options.ProgressInterval : Math.Max(1, total / 100);
        var divergences = new int[chains];
        var warmupClock = Stopwatch.StartNew();

        // A checkpoint is taken only after warm-up (ChEES adapts the whole ensemble at once); resuming a run stopped
        // during warm-up repeats warm-up, which gives the same draws because every random number is keyed by iteration.
        var resume = SamplerCheckpoint.Find(options.Resume, "chees", 0, chains, d);
        if (resume is not null && (resume.WarmupDone > options.Warmup || !options.AutoWarmup && resume.WarmupDone != options.Warmup))
            throw new GpuHbmSamplingException(options.AutoWarmup
                ? $"a ChEES checkpoint must be taken after warm-up (at most {options.Warmup} iterations), not after {resume.WarmupDone}"
                : $"a ChEES checkpoint must be taken after warm-up ({options.Warmup} iterations), not after {resume.WarmupDone}");

        // Starting points: one per superchain, found on an ensemble of its own before the main one exists.
        InitializationReport initialization = new() { Method = "given", Starts = chains };
        double[][]? starts = null;
        bool given = options.InitialPositions is not null && options.Initialization != InitializationMethod.Laplace;
        if (resume is null && !given)
        {
            var startIds = Enumerable.Range(0, superchains).Select(k => (uint)(k * perSuperchain)).ToArray();
            (starts, initialization) = SuperchainStarts.Find(density, _factory, startIds, options.Seed, scale,
                _chees.Initialization with { Method = options.Initialization },
                options.InitialPositions is { } points ? startIds.Select(id => points[(int)id]).ToArray() : null);
        }

        using var e = _factory(density, Enumerable.Range(0, chains).Select(c => (uint)c).ToArray(), SlotCount, options.Seed);
        if (resume is not null) { }
        else if (starts is null) ChainInitializer.Initialize(e, Hmc.Position, Hmc.Gradient, options.InitialPositions, 0, lp);
        else
        {
            for (int c = 0; c < chains; c++) e.WriteRow(Hmc.Position, c, starts[c / perSuperchain]);
            e.Evaluate(Hmc.Position, Hmc.Gradient, all, lp);
            if (lp.Any(double.IsNegativeInfinity)) throw new GpuHbmSamplingException("the density is not finite at a starting point found by the initialisation.");
        }

        var inverseMetric = resume is null ? InitialMetric(e, scale, superchains, given) : Enumerable.Repeat(1.0, d).ToArray();   // restored below
        for (int c = 0; c < chains; c++) e.SetInverseMetric(c, inverseMetric);
        double stepSize = options.InitialStepSize;
        if (options.Warmup > 0 && resume is null) stepSize = EnsembleStepSizeSearch.Run(e, Hmc, lp, stepSize, 0);
        var adaptation = new CheesAdaptation(stepSize, _chees.TargetAcceptance, _chees.LearningRate, _chees.MaxLeapfrogSteps,
            _chees.InitialTrajectoryLength, _chees.StepSizeShrinkage);
        var transition = new JitteredHmcTransition(e, Hmc, chains);
        var criterion = new CheesCriterion(e, Hmc, ProposalMean, InitialMean, CenteredProposal, CenteredInitial);
        // Two staggered windows: each check (every round) looks at the last two rounds (one round at the first check).
        SuperchainMonitor[] monitors = [new(e, Hmc.Position, Sum, SumSquares, Scratch, superchains),
            new(e, Hmc.Position, SecondSum, SecondSumSquares, Scratch, superchains)];
        monitors[0].Reset();
        var ema = new CrossChainVariance(d);
        var checks = new List<WarmupCheck>();
        var roundAcceptance = new double[chains];
        bool converged = false;
        string? notConverged = options.Warmup > 0 ? "no convergence check was made (the warm-up is shorter than one round)" : "no warm-up";
        long initializationGradients = initialization.GradientEvaluations;

        int warmupDone = 0;
        int round = _chees.RoundLength;
        // A fixed warm-up keeps its last half round on one metric so that ε is tuned to the metric sampling uses.
        int freezeMetricAt = options.AutoWarmup ? int.MaxValue : options.Warmup - round / 2;
        var previousEstimate = inverseMetric;
        for (int roundStart = 0, r = 0; roundStart < options.Warmup && resume is null && !cancellationToken.IsCancellationRequested; r++)
        {
            int roundEnd = Math.Min(roundStart + round, options.Warmup);
            if (r == 1) monitors[1].Reset();
            Array.Clear(roundAcceptance);
            for (int t = roundStart; t < roundEnd && !cancellationToken.IsCancellationRequested; t++)
            {
                double u = HaltonSequence.At(t);
                int steps = Steps(u, adaptation.TrajectoryLength, adaptation.StepSize);
                if (_chees.DoublingStart && t < 30 && steps > 2 << t)
                {
                    // Capped: the ChEES gradient is the derivative at the time actually integrated, L·ε = u′·T.
                    steps = 2 << t;
                    u = steps * adaptation.StepSize / adaptation.TrajectoryLength;
                }
                transition.Propose((uint)t, adaptation.StepSize, steps, lp);
                var (harmonicMean, gradient) = criterion.Compute(transition, u);
                ema.Add(criterion.InitialMean, criterion.InitialMeanOfSquares, criterion.GradientMean, criterion.GradientMeanOfSquares, t);
                transition.Accept((uint)t, lp);
                adaptation.Update(harmonicMean, gradient);
                if (t + 1 < freezeMetricAt && (t + 1) % _chees.MetricInterval == 0)
                {
                    inverseMetric = ema.Estimate((long)chains * ema.Points, inverseMetric, _chees.MetricFromGradients);
                    for (int c = 0; c < chains; c++) e.SetInverseMetric(c, inverseMetric);
                }
                monitors[0].Add(lp, harmonicMean);
                for (int c = 0; c < chains; c++) roundAcceptance[c] += transition.Divergent[c] ? 0 : transition.AcceptProbability[c];
                if (r >= 1) monitors[1].Add(lp, harmonicMean);
                for (int c = 0; c < chains; c++) if (transition.Divergent[c]) divergences[c]++;
                warmupDone = t + 1;
                if (warmupDone % reportEvery == 0 || warmupDone == options.Warmup)
                    Report(progress, chains, warmupDone, total, SamplerPhase.Warmup, divergences, transition.Reports);
            }
            if (warmupDone < roundEnd) break;   // cancelled

            // The round's check: superchains agree, the metric estimate has settled since the last check, ε hits its target.
            var monitor = r == 0 ? monitors[0] : monitors[(r - 1) % 2];
            var (nestedRhat, worst) = monitor.Check();
            var estimate = ema.Estimate((long)chains * ema.Points, inverseMetric, _chees.MetricFromGradients);
            double metricChange = 0;
            for (int i = 0; i < d; i++) metricChange = Math.Max(metricChange, Math.Abs(Math.Log(estimate[i] / previousEstimate[i])));
            previousEstimate = estimate;
            double acceptance = monitor.MeanAcceptance;
            long gradientsSoFar = initializationGradients + Enumerable.Range(0, chains).Sum(e.GradientEvaluations);
            checks.Add(new WarmupCheck(warmupDone, nestedRhat, worst, metricChange, acceptance, adaptation.StepSize, adaptation.TrajectoryLength, gradientsSoFar));
            notConverged = WarmupRule.Verdict(_chees, nestedRhat, worst, metricChange, acceptance, monitor.Count, roundAcceptance, roundEnd - roundStart);
            converged = notConverged is null;
            if (r >= 1) monitor.Reset();   // reopened for the round after next
            roundStart = roundEnd;
            if (converged && options.AutoWarmup) break;
        }
        bool warmupComplete = resume is not null || warmupDone == options.Warmup || converged && options.AutoWarmup;
        if (options.Warmup > 0 && warmupComplete && resume is null) stepSize = adaptation.FinalStepSize;
        double trajectoryLength = options.Warmup > 0 ? adaptation.FinalTrajectoryLength : stepSize;
        var warmupDivergences = (int[])divergences.Clone();
        var warmupEvaluations = Enumerable.Range(0, chains).Select(e.GradientEvaluations).ToArray();
        var warmupTime = warmupClock.Elapsed;
        var report = new EnsembleRunReport
        {
            Initialization = initialization,
            Superchains = superchains,
            AutoWarmup = options.AutoWarmup,
            WarmupLimit = options.Warmup,
            WarmupIterations = warmupDone,
            WarmupConverged = converged,
            NestedRhatThreshold = _chees.NestedRhatThreshold,
            NotConvergedReason = converged ? null : notConverged,
            Checks = checks,
            WarmupGradientEvaluations = initializationGradients + warmupEvaluations.Sum(),
            TargetEss = options.TargetEss,
        };

        var samplingTimeBefore = TimeSpan.Zero;
        var evaluationOffset = new long[chains];
        int samplingDone = 0;
        double essAtStop = double.NaN, samplingHarmonicSum = 0;
        (double[][] Draws, double[][] LogDensity)? keptBefore = null;
        if (resume is not null)
        {
            var state = CheesState.Restore(resume, e, Hmc, lp, inverseMetric, divergences, warmupDivergences, warmupEvaluations, evaluationOffset);
            (stepSize, trajectoryLength, warmupTime, samplingTimeBefore) = (state.StepSize, state.TrajectoryLength, state.WarmupTime, state.SamplingTime);
            (report, samplingHarmonicSum, keptBefore) = (state.Report, state.SamplingHarmonicSum, state.KeptDraws);
            warmupDone = resume.WarmupDone;
            samplingDone = resume.SamplingDone;
        }

        var samplingClock = Stopwatch.StartNew();
        var observer = options.Observer;
        var recorder = new DrawRecorder(e, Hmc.Position, options.Draws, options.Thin, 0, resume?.Kept ?? 0, observer);
        if (keptBefore is { } kept) recorder.KeepEarlier(kept.Draws, kept.LogDensity);
        bool targetReached = false;
        Exception? failure = null;
        // With a target ESS the stopping rule needs every kept draw, so the checkpoint carries them (chains × kept × (D + 1) doubles).
        void Checkpoint() => observer!.OnCheckpoint(CheesState.Save(e, Hmc, lp, warmupDone, samplingDone, recorder.KeptTotal,
            new CheesState(stepSize, trajectoryLength, warmupTime, samplingTimeBefore + samplingClock.Elapsed, report, samplingHarmonicSum,
                options.TargetEss is null ? null : recorder.AllKept()),
            inverseMetric, divergences, warmupDivergences, warmupEvaluations, evaluationOffset));
        if (warmupComplete)
        {
            for (int m = samplingDone; m < options.Draws && !cancellationToken.IsCancellationRequested; m++)
            {
                int t = warmupDone + m;
                try
                {
                    transition.Propose((uint)t, stepSize, Steps(HaltonSequence.At(t), trajectoryLength, stepSize), lp);
                    transition.Accept((uint)t, lp);
                }
                catch (DeviceException ex)
                {
                    // A lost device or a failed launch: keep what was drawn (the draws are on the host already).
                    failure = ex;
                    break;
                }
                double inverseSum = 0;
                for (int c = 0; c < chains; c++)
                {
                    if (transition.Divergent[c]) divergences[c]++;
                    inverseSum += 1 / (transition.Divergent[c] ? 0 : transition.AcceptProbability[c]);
                }
                samplingHarmonicSum += chains / inverseSum;
                recorder.Record(m, transition.Reports);
                samplingDone = m + 1;
                if ((warmupDone + samplingDone) % reportEvery == 0 || samplingDone == options.Draws)
                    Report(progress, chains, warmupDone + samplingDone, total, SamplerPhase.Sampling, divergences, transition.Reports);
                if (options.TargetEss is { } target && recorder.KeptTotal >= 4 && samplingDone % _chees.EssCheckInterval == 0)
                {
                    essAtStop = recorder.SmallestBulkEss();
                    if (essAtStop >= target) { targetReached = true; break; }
                }
                if (observer is not null && samplingDone < options.Draws && observer.CheckpointDue(0)) Checkpoint();
            }
            if (options.TargetEss is not null && !targetReached && recorder.KeptTotal >= 4) essAtStop = recorder.SmallestBulkEss();
            // A run stopped during sampling leaves a checkpoint where it stopped, so that it can be resumed from there.
            if (observer is not null && failure is null && samplingDone < options.Draws && !targetReached) Checkpoint();
        }
        var samplingTime = samplingTimeBefore + samplingClock.Elapsed;

        var results = new ChainResult[chains];
        for (int c = 0; c < chains; c++)
        {
            var (chainDraws, chainStats) = recorder.Take(c);
            results[c] = new ChainResult(c, d, chainDraws, recorder.Kept, chainStats,
                new AdaptationResult(stepSize, (double[])inverseMetric.Clone(), trajectoryLength), warmupTime, samplingTime,
                warmupEvaluations[c], evaluationOffset[c] + e.GradientEvaluations(c), warmupDone, samplingDone, warmupDivergences[c])
            { FirstKept = recorder.FirstKept };
        }
        bool cancelled = failure is not null ||
            cancellationToken.IsCancellationRequested && (!warmupComplete || samplingDone < options.Draws && !targetReached);
        report = report with
        {
            EssAtStop = essAtStop,
            TargetEssReached = targetReached,
            SamplingHarmonicMeanAcceptance = samplingDone > 0 ? samplingHarmonicSum / samplingDone : double.NaN,
            StepSize = stepSize,
            TrajectoryLength = trajectoryLength,
        };
        return new SamplerResult(d, results, cancelled, clock.Elapsed, options) { Failure = failure, Ensemble = report };

        int Steps(double jitter, double length, double eps) =>
            (int)Math.Clamp(Math.Ceiling(jitter * length / eps), 1, _chees.MaxLeapfrogSteps);
    }

    /// <summary>
    /// Our rule (TFP's SNAPER starts from the identity, BlackJAX's ChEES takes no metric adaptation): the metric the
    /// warm-up starts with: from the cross-chain moments of the starts (their variance, or nutpie's
    /// √(var x / var ∇log π) with <see cref="CheesOptions.MetricFromGradients"/>; Stan's regularisation
    /// with n = the number of distinct starts) when there are at least 8 distinct starts, else the prior scales squared.
    /// (Starting with nutpie's estimate and continuing with the variance was measured too and was not better.)
    /// </summary>
    private double[] InitialMetric(IChainEnsemble e, ParameterScale scale, int superchains, bool given)
    {
        int d = e.Dimension;
        var metric = new double[d];
        for (int i = 0; i < d; i++) metric[i] = scale.Scale[i] * scale.Scale[i];
        int distinct = given ? e.Chains : superchains;
        if (distinct < 8) return metric;
        var ones = Enumerable.Repeat(1.0, e.Chains).ToArray();
        var all = Enumerable.Repeat(true, e.Chains).ToArray();
        double[] mean = new double[d], meanOfSquares = new double[d], gradientMean = new double[d], gradientMeanOfSquares = new double[d];
        e.CrossChainMoments(Hmc.Position, ones, all, mean, meanOfSquares);
        e.CrossChainMoments(Hmc.Gradient, ones, all, gradientMean, gradientMeanOfSquares);
        var moments = new CrossChainVariance(d);
        moments.Add(mean, meanOfSquares, gradientMean, gradientMeanOfSquares, 0);
        return moments.Estimate(distinct, metric, _chees.MetricFromGradients);
    }

    private static void Report(IProgress<ChainProgress>? progress, int chains, int iteration, int total, SamplerPhase phase, int[] divergences,
        NutsTransition[] reports)
    {
        if (progress is null) return;
        for (int c = 0; c < chains; c++)
            progress.Report(new ChainProgress(c, iteration, total, phase, divergences[c], reports[c].StepSize));
    }
}
