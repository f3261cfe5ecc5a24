using System.Diagnostics;
using GpuHbm.Compute;
using GpuHbm.Kernels;
using GpuHbm.Models;

namespace GpuHbm.Sampling.Chees;

/// <summary>ChEES-HMC settings beyond <see cref="SamplerOptions"/> (whose AdaptDelta and MaxDepth ChEES ignores).</summary>
public sealed record CheesOptions
{
    /// <summary>Target harmonic-mean acceptance probability (0.651, Beskos et al. 2013).</summary>
    public double TargetAcceptance { get; init; } = 0.651;

    /// <summary>Adam learning rate for log T (TFP's trajectory_length_adaptation_rate 0.025).</summary>
    public double LearningRate { get; init; } = 0.025;

    /// <summary>Cap on leapfrog steps per transition (T ≤ ε × this).</summary>
    public int MaxLeapfrogSteps { get; init; } = 1000;
}

/// <summary>
/// ChEES-HMC (Hoffman, Radul &amp; Sountsov 2021, "An Adaptive MCMC Scheme for Setting Trajectory Lengths in
/// Hamiltonian Monte Carlo", AISTATS): all chains run as ONE <see cref="IChainEnsemble"/> in lockstep with a
/// shared step size ε, a shared trajectory length T jittered per iteration by the Halton sequence
/// (L_t = ⌈u_t·T/ε⌉ leapfrog steps), and a shared diagonal metric. Warm-up tunes ε and T with
/// <see cref="CheesAdaptation"/> and estimates the metric from the cross-chain variance pooled over Stan's
/// slow windows (<see cref="WindowedAdaptationSchedule"/>).
/// </summary>
/// <remarks>
/// The ChEES gradient of chain c (TFP's _update_trajectory_grad / chees_criterion): with q̃′ = q′ − m′ (m′ the
/// acceptance-weighted cross-chain mean of the proposals) and q̃ = q − m (m the plain cross-chain mean of the
/// starting points), ∂ChEES_c/∂T = u_t · (‖q̃′‖² − ‖q̃‖²) · q̃′·M⁻¹p′, since dq′/dt = M⁻¹p′ and t = u_t·T.
/// The ensemble gradient is Σ a_c g_c / Σ (a_c + 1e-20) over non-divergent chains with acceptance a_c.
/// Per-iteration statistics are reported with TreeDepth 0 and LeapfrogSteps = L_t.
/// </remarks>
public sealed class CheesSampler
{
    private static readonly HmcSlots Hmc = HmcSlots.First;
    private static readonly EnsembleSlot ProposalMean = new(5), InitialMean = new(6), CenteredProposal = new(7), CenteredInitial = new(8);
    internal const int SlotCount = 9;

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
        using var e = _factory(density, Enumerable.Range(0, chains).Select(c => (uint)c).ToArray(), SlotCount, options.Seed);
        var all = Enumerable.Repeat(true, chains).ToArray();
        var ones = Enumerable.Repeat(1.0, chains).ToArray();
        var lp = new double[chains];
        int total = options.Warmup + options.Draws;
        int reportEvery = options.ProgressInterval > 0 ? options.ProgressInterval : Math.Max(1, total / 100);
        var divergences = new int[chains];

        var warmupClock = Stopwatch.StartNew();
        // A checkpoint is taken only after warm-up (ChEES adapts the whole ensemble at once); resuming a run stopped
        // during warm-up repeats warm-up, which gives the same draws because every random number is keyed by iteration.
        var resume = SamplerCheckpoint.Find(options.Resume, "chees", 0, chains, d);
        if (resume is not null && resume.WarmupDone != options.Warmup)
            throw new GpuHbmSamplingException($"a ChEES checkpoint must be taken after warm-up ({options.Warmup} iterations), not after {resume.WarmupDone}");
        if (resume is null) ChainInitializer.Initialize(e, Hmc.Position, Hmc.Gradient, options.InitialPositions, 0, lp);
        var perChainStep = Enumerable.Repeat(options.InitialStepSize, chains).ToArray();
        var inverseMetric = Enumerable.Repeat(1.0, d).ToArray();
        double stepSize = options.InitialStepSize;
        if (options.Warmup > 0 && resume is null)
        {
            StepSizeSearch.Run(e, Hmc, lp, perChainStep, all, 0);
            stepSize = Median(perChainStep);
        }
        var adaptation = new CheesAdaptation(stepSize, _chees.TargetAcceptance, _chees.LearningRate, _chees.MaxLeapfrogSteps);
        var schedule = new WindowedAdaptationSchedule(options.Warmup);
        var transition = new JitteredHmcTransition(e, Hmc, chains);
        var windowMean = new double[d];
        var windowMeanOfSquares = new double[d];
        var mean = new double[d];
        var meanOfSquares = new double[d];
        int windowIterations = 0;
        var dots = new double[3 * chains];
        var weights = new double[chains];

        int warmupDone = 0;
        for (int t = 0; t < options.Warmup && resume is null && !cancellationToken.IsCancellationRequested; t++)
        {
            double u = HaltonSequence.At(t);
            int steps = Steps(u, adaptation.TrajectoryLength, adaptation.StepSize);
            transition.Propose((uint)t, adaptation.StepSize, steps, lp);

            // Step-size statistic: the harmonic mean over ALL chains of the acceptance probabilities, a divergent
            // chain counting as 0 (TFP: reduce_log_harmonic_mean_exp of log_accept_ratio over the chain axis). One chain
            // that cannot move at the shared ε pulls the statistic to 0 and ε down until it moves; leaving divergent
            // chains out would let the others push ε up while those chains stay stuck at their initial points.
            double harmonicDenominator = 0;
            for (int c = 0; c < chains; c++)
            {
                double a = transition.Divergent[c] ? 0 : transition.AcceptProbability[c];
                weights[c] = a;
                harmonicDenominator += 1 / a; // +∞ for a = 0
            }
            double harmonicMean = chains / harmonicDenominator;

            // ChEES gradient before the accept step (Position still holds the starting points).
            double gradient = double.NaN;
            if (e.CrossChainMoments(Hmc.Q, weights, all, mean, meanOfSquares) > 0)
            {
                e.Broadcast(ProposalMean, mean, all);
                e.CrossChainMoments(Hmc.Position, ones, all, mean, meanOfSquares);
                e.Broadcast(InitialMean, mean, all);
                e.Combine(CenteredProposal, Hmc.Q, 1, ProposalMean, -1, all);
                e.Combine(CenteredInitial, Hmc.Position, 1, InitialMean, -1, all);
                e.Dots([new(CenteredProposal, CenteredProposal, DotWeight.None), new(CenteredInitial, CenteredInitial, DotWeight.None),
                    new(CenteredProposal, Hmc.P, DotWeight.InverseMetric)], all, dots);
                double numerator = 0, denominator = 0;
                for (int c = 0; c < chains; c++)
                {
                    if (transition.Divergent[c]) continue;
                    double a = transition.AcceptProbability[c];
                    double g = u * (dots[c] - dots[chains + c]) * dots[2 * chains + c];
                    if (a > 1e-4 && double.IsFinite(g)) numerator += a * g;
                    denominator += a + 1e-20;
                }
                gradient = numerator / denominator;
            }
            transition.Accept((uint)t, lp);
            adaptation.Update(harmonicMean, gradient);

            if (schedule.InSlowWindow(t))
            {
                e.CrossChainMoments(Hmc.Position, ones, all, mean, meanOfSquares);
                for (int i = 0; i < d; i++) { windowMean[i] += mean[i]; windowMeanOfSquares[i] += meanOfSquares[i]; }
                windowIterations++;
            }
            if (schedule.IsWindowEnd(t) && windowIterations > 0)
            {
                // Pooled cross-chain variance over the window, regularized as Stan's (n/(n+5))·var + 1e-3·5/(n+5).
                long n = (long)windowIterations * chains;
                var previousMetric = (double[])inverseMetric.Clone();
                for (int i = 0; i < d; i++)
                {
                    double m = windowMean[i] / windowIterations;
                    double variance = Math.Max(0, windowMeanOfSquares[i] / windowIterations - m * m) * n / Math.Max(1, n - 1);
                    inverseMetric[i] = variance;
                }
                DiagonalMetric.Regularize(inverseMetric, n);
                for (int c = 0; c < chains; c++) e.SetInverseMetric(c, inverseMetric);
                Array.Clear(windowMean);
                Array.Clear(windowMeanOfSquares);
                windowIterations = 0;
                Array.Fill(perChainStep, adaptation.StepSize);
                StepSizeSearch.Run(e, Hmc, lp, perChainStep, all, (uint)t + 1);
                adaptation.Restart(Median(perChainStep), CheesAdaptation.TrajectoryScale(previousMetric, inverseMetric));
            }
            for (int c = 0; c < chains; c++) if (transition.Divergent[c]) divergences[c]++;
            warmupDone = t + 1;
            if (warmupDone % reportEvery == 0 || warmupDone == options.Warmup)
                Report(progress, chains, warmupDone, total, SamplerPhase.Warmup, divergences, transition.Reports);
        }
        if (warmupDone == options.Warmup && options.Warmup > 0)
            stepSize = adaptation.FinalStepSize;
        double trajectoryLength = options.Warmup > 0 ? adaptation.FinalTrajectoryLength : stepSize;
        var warmupDivergences = (int[])divergences.Clone();
        var warmupEvaluations = Enumerable.Range(0, chains).Select(e.GradientEvaluations).ToArray();
        var warmupTime = warmupClock.Elapsed;
        var samplingTimeBefore = TimeSpan.Zero;
        var evaluationOffset = new long[chains];
        int samplingDone = 0;
        if (resume is not null)
        {
            warmupDone = options.Warmup;
            var state = CheesState.Restore(resume, e, Hmc, lp, inverseMetric, divergences, warmupDivergences, warmupEvaluations, evaluationOffset);
            (stepSize, trajectoryLength, warmupTime, samplingTimeBefore) = (state.StepSize, state.TrajectoryLength, state.WarmupTime, state.SamplingTime);
            samplingDone = resume.SamplingDone;
        }

        var samplingClock = Stopwatch.StartNew();
        var observer = options.Observer;
        var recorder = new DrawRecorder(e, Hmc.Position, options.Draws, options.Thin, 0, resume?.Kept ?? 0, observer);
        Exception? failure = null;
        void Checkpoint() => observer!.OnCheckpoint(CheesState.Save(e, Hmc, lp, options.Warmup, samplingDone, recorder.KeptTotal,
            new CheesState(stepSize, trajectoryLength, warmupTime, samplingTimeBefore + samplingClock.Elapsed), inverseMetric,
            divergences, warmupDivergences, warmupEvaluations, evaluationOffset));
        if (warmupDone == options.Warmup)
        {
            for (int m = samplingDone; m < options.Draws && !cancellationToken.IsCancellationRequested; m++)
            {
                int t = options.Warmup + m;
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
                for (int c = 0; c < chains; c++)
                    if (transition.Divergent[c]) divergences[c]++;
                recorder.Record(m, transition.Reports);
                samplingDone = m + 1;
                if ((options.Warmup + samplingDone) % reportEvery == 0 || samplingDone == options.Draws)
                    Report(progress, chains, options.Warmup + samplingDone, total, SamplerPhase.Sampling, divergences, transition.Reports);
                if (observer is not null && samplingDone < options.Draws && observer.CheckpointDue(0)) Checkpoint();
            }
            // A run stopped during sampling leaves a checkpoint where it stopped, so that it can be resumed from there.
            if (observer is not null && failure is null && samplingDone < options.Draws) Checkpoint();
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
            cancellationToken.IsCancellationRequested && (warmupDone < options.Warmup || samplingDone < options.Draws);
        return new SamplerResult(d, results, cancelled, clock.Elapsed, options) { Failure = failure };

        int Steps(double jitter, double length, double eps) =>
            (int)Math.Clamp(Math.Ceiling(jitter * length / eps), 1, _chees.MaxLeapfrogSteps);
    }

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
    }

    private static void Report(IProgress<ChainProgress>? progress, int chains, int iteration, int total, SamplerPhase phase, int[] divergences,
        NutsTransition[] reports)
    {
        if (progress is null) return;
        for (int c = 0; c < chains; c++)
            progress.Report(new ChainProgress(c, iteration, total, phase, divergences[c], reports[c].StepSize));
    }
}

/// <summary>
/// One static-length HMC transition for every chain of an ensemble (Neal 2011, §5.3.2): fresh momentum,
/// L leapfrog steps, Metropolis accept/reject with a Philox uniform. Split in two so that the adaptation
/// can look at the proposal (Q, P) and the starting point (Position) before the accept step.
/// </summary>
internal sealed class JitteredHmcTransition
{
    private readonly IChainEnsemble _e;
    private readonly HmcSlots _s;
    private readonly int _chains;
    private readonly bool[] _all, _accept;
    private readonly double[] _kinetic, _h0, _h1, _lp1, _step;
    private int _steps;
    private double _stepSize;

    public JitteredHmcTransition(IChainEnsemble ensemble, HmcSlots slots, int chains)
    {
        _e = ensemble;
        _s = slots;
        _chains = chains;
        _all = Enumerable.Repeat(true, chains).ToArray();
        _accept = new bool[chains];
        _kinetic = new double[chains]; _h0 = new double[chains]; _h1 = new double[chains]; _lp1 = new double[chains]; _step = new double[chains];
        AcceptProbability = new double[chains];
        Divergent = new bool[chains];
        Reports = new NutsTransition[chains];
    }

    /// <summary>min(1, exp(H0 − H1)) of the latest proposal.</summary>
    public double[] AcceptProbability { get; }

    /// <summary>H1 − H0 &gt; 1000 (or not finite) for the latest proposal.</summary>
    public bool[] Divergent { get; }

    /// <summary>Per-chain statistics of the latest completed transition.</summary>
    public NutsTransition[] Reports { get; }

    public void Propose(uint iteration, double stepSize, int steps, ReadOnlySpan<double> logDensity)
    {
        _steps = steps;
        _stepSize = stepSize;
        Array.Fill(_step, stepSize);
        _e.Copy(_s.Q, _s.Position, _all);
        _e.Copy(_s.G, _s.Gradient, _all);
        _e.DrawMomentum(_s.P, RandomPurpose.Momentum, iteration, _all, _kinetic);
        for (int c = 0; c < _chains; c++) _h0[c] = -logDensity[c] + _kinetic[c];
        _e.Leapfrog(_s.Q, _s.P, _s.G, _step, steps, _all, _lp1, _kinetic);
        for (int c = 0; c < _chains; c++)
        {
            double h = -_lp1[c] + _kinetic[c];
            if (double.IsNaN(h)) h = double.PositiveInfinity;
            _h1[c] = h;
            double logRatio = _h0[c] - h;
            AcceptProbability[c] = logRatio > 0 ? 1 : Math.Exp(logRatio);
            Divergent[c] = h - _h0[c] > Nuts.MaxEnergyError;
        }
    }

    public void Accept(uint iteration, Span<double> logDensity)
    {
        for (int c = 0; c < _chains; c++)
        {
            _accept[c] = !Divergent[c] &&
                Philox.Uniform(_e.Seed, _e.ChainId(c), iteration, RandomPurpose.MetropolisAcceptance) < AcceptProbability[c];
            if (_accept[c]) logDensity[c] = _lp1[c];
            Reports[c] = new NutsTransition(AcceptProbability[c], _stepSize, 0, _steps, Divergent[c], _accept[c] ? _h1[c] : _h0[c], logDensity[c]);
        }
        _e.Copy(_s.Position, _s.Q, _accept);
        _e.Copy(_s.Gradient, _s.G, _accept);
    }
}

/// <summary>
/// What a ChEES run carries through sampling, for <see cref="SamplerCheckpoint"/>: the ensemble's positions, gradients
/// and log densities, the shared step size, trajectory length and metric, and counters.
/// </summary>
internal sealed record CheesState(double StepSize, double TrajectoryLength, TimeSpan WarmupTime, TimeSpan SamplingTime)
{
    public static SamplerCheckpoint Save(IChainEnsemble e, HmcSlots hmc, double[] lp, int warmup, int samplingDone, int kept, CheesState state,
        double[] inverseMetric, int[] divergences, int[] warmupDivergences, long[] warmupEvaluations, long[] evaluationOffset)
    {
        using var w = new CheckpointWriter();
        w.WriteSlot(e, hmc.Position);
        w.WriteSlot(e, hmc.Gradient);
        w.Write(lp);
        w.Write(state.StepSize);
        w.Write(state.TrajectoryLength);
        w.Write(inverseMetric);
        w.Write(divergences);
        w.Write(warmupDivergences);
        w.Write(warmupEvaluations);
        var evaluations = new long[e.Chains];
        for (int c = 0; c < e.Chains; c++) evaluations[c] = evaluationOffset[c] + e.GradientEvaluations(c);
        w.Write(evaluations);
        w.Write(state.WarmupTime.Ticks);
        w.Write(state.SamplingTime.Ticks);
        return new SamplerCheckpoint("chees", 0, e.Chains, e.Dimension, warmup, samplingDone, kept, w.ToArray());
    }

    /// <summary>Writes the checkpoint back into the ensemble and the arrays; returns the scalars.</summary>
    public static CheesState Restore(SamplerCheckpoint checkpoint, IChainEnsemble e, HmcSlots hmc, double[] lp, double[] inverseMetric,
        int[] divergences, int[] warmupDivergences, long[] warmupEvaluations, long[] evaluationOffset)
    {
        using var r = new CheckpointReader(checkpoint.State);
        r.ReadSlot(e, hmc.Position);
        r.ReadSlot(e, hmc.Gradient);
        r.ReadDoubles(lp);
        double stepSize = r.ReadDouble(), trajectoryLength = r.ReadDouble();
        r.ReadDoubles(inverseMetric);
        for (int c = 0; c < e.Chains; c++) e.SetInverseMetric(c, inverseMetric);
        r.ReadInt32s().CopyTo(divergences, 0);
        r.ReadInt32s().CopyTo(warmupDivergences, 0);
        r.ReadInt64s().CopyTo(warmupEvaluations, 0);
        r.ReadInt64s().CopyTo(evaluationOffset, 0);
        var warmupTime = TimeSpan.FromTicks(r.ReadInt64());
        var samplingTime = TimeSpan.FromTicks(r.ReadInt64());
        r.EnsureEnd();
        return new CheesState(stepSize, trajectoryLength, warmupTime, samplingTime);
    }
}
