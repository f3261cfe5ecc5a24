using GpuHbm.Kernels;
using System.Diagnostics;
using GpuHbm.Compute;
using GpuHbm.Models;
using GpuHbm.Sampling.Metrics;

namespace GpuHbm.Sampling;

/// <summary>
/// Runs NUTS with step-size and metric warm-up (<see cref="SamplerOptions.Metric"/>) on several chains. The chains are split into ensembles of
/// <see cref="ChainsPerEnsemble"/> chains (by default one chain each on the CPU, so no chain waits on
/// another's tree) and the ensembles run in parallel, at most <see cref="SamplerOptions.MaxParallelism"/> at once.
/// </summary>
public sealed class NutsSampler
{
    private readonly ChainEnsembleFactory _factory;
    private readonly bool _viewsAllowed;

    /// <param name="ensembleFactory">The backend: creates the ensemble that runs a group of chains (the managed CPU's or a device's).</param>
    /// <param name="chainsPerEnsemble">Chains advanced in lockstep by one ensemble.</param>
    /// <param name="ensemblesEvaluateTheirDensity">True when the factory's ensembles evaluate the density they are handed (the
    /// managed CPU's), so that the sampler may hand each chain its own view of it: automatic centring
    /// (<see cref="SamplerOptions.AutomaticCentring"/>) needs it. A device ensemble evaluates its own device density.</param>
    public NutsSampler(ChainEnsembleFactory ensembleFactory, int chainsPerEnsemble = 1, bool ensemblesEvaluateTheirDensity = false)
    {
        ArgumentNullException.ThrowIfNull(ensembleFactory);
        ArgumentOutOfRangeException.ThrowIfLessThan(chainsPerEnsemble, 1);
        _factory = ensembleFactory;
        _viewsAllowed = ensemblesEvaluateTheirDensity;
        ChainsPerEnsemble = chainsPerEnsemble;
    }

    public int ChainsPerEnsemble { get; }

    /// <summary>
    /// Warm-up and sampling for every chain. Cancellation stops each chain at its next iteration boundary and
    /// returns what was drawn so far with <see cref="SamplerResult.Cancelled"/> set; it never throws.
    /// </summary>
    /// <exception cref="ArgumentException">Invalid options.</exception>
    /// <exception cref="GpuHbmSamplingException">No finite initial point, improper posterior, failed adaptation.</exception>
    public SamplerResult Run(IBatchedDensity density, SamplerOptions options, IProgress<ChainProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(density);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate(density.Dimension);
        var clock = Stopwatch.StartNew();
        int groups = (options.Chains + ChainsPerEnsemble - 1) / ChainsPerEnsemble;
        var results = new ChainResult[options.Chains];
        Exception? failure = null;
        int slotCount = new NutsLayout(options.MaxDepth).SlotCount;
        try
        {
            Parallel.For(0, groups, new ParallelOptions { MaxDegreeOfParallelism = options.MaxParallelism }, group =>
            {
                int first = group * ChainsPerEnsemble;
                int count = Math.Min(ChainsPerEnsemble, options.Chains - first);
                var ids = Enumerable.Range(first, count).Select(c => (uint)c).ToArray();
                // Automatic centring: each CPU chain gets its own view of the density with its own weights.
                var centring = options.AutomaticCentring && _viewsAllowed && count == 1 && options.Warmup >= CentredChainDensity.MinimumWarmup
                    && density is ICentrableDensity { CanCentre: true } centrable ? new CentredChainDensity(centrable) : null;
                using var ensemble = _factory(centring ?? density, ids, slotCount, options.Seed);
                var run = new NutsEnsembleRun(ensemble, first, options, progress, cancellationToken, centring);
                var chainResults = run.Run();
                for (int k = 0; k < count; k++) results[first + k] = chainResults[k];
                if (run.Failure is { } f) Interlocked.CompareExchange(ref failure, f, null);
            });
        }
        catch (AggregateException ex) when (ex.InnerExceptions.Count > 0)
        {
            var inner = ex.InnerExceptions.FirstOrDefault(e => e is GpuHbmException) ?? ex.InnerExceptions[0];
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(inner).Throw();
            throw;
        }
        bool cancelled = cancellationToken.IsCancellationRequested &&
            results.Any(r => r.WarmupIterations < options.Warmup || r.SamplingIterations < options.Draws);
        return new SamplerResult(density.Dimension, results, cancelled || failure is not null, clock.Elapsed, options) { Failure = failure };
    }
}

/// <summary>
/// Warm-up and sampling for the chains of one ensemble: dual averaging of the step size (Stan's
/// stan/mcmc/hmc/nuts/adapt_diag_e_nuts.hpp) with the metric adapted per chain by a <see cref="MetricWarmup"/>
/// (Stan's windows or nutpie's, <see cref="SamplerOptions.Metric"/>).
/// </summary>
internal sealed class NutsEnsembleRun
{
    private readonly IChainEnsemble _ensemble;
    private readonly int _firstChain, _chains, _dimension;
    private readonly SamplerOptions _options;
    private readonly IProgress<ChainProgress>? _progress;
    private readonly CancellationToken _cancellation;
    private readonly NutsLayout _layout;
    private readonly Nuts _nuts;
    private readonly NutsState _state;
    private readonly bool[] _all;
    private readonly CentredChainDensity? _centring;

    /// <summary>A device failure during sampling: the run stopped there and kept the draws made before it.</summary>
    public Exception? Failure { get; private set; }

    public NutsEnsembleRun(IChainEnsemble ensemble, int firstChain, SamplerOptions options, IProgress<ChainProgress>? progress,
        CancellationToken cancellation, CentredChainDensity? centring = null)
    {
        if (centring is not null && ensemble.Chains != 1) throw new ArgumentException("automatic centring runs one chain per ensemble", nameof(centring));
        _centring = centring;
        _ensemble = ensemble;
        _firstChain = firstChain;
        _chains = ensemble.Chains;
        _dimension = ensemble.Dimension;
        _options = options;
        _progress = progress;
        _cancellation = cancellation;
        _layout = new NutsLayout(options.MaxDepth);
        _nuts = new Nuts(ensemble, _layout, options.MaxDepth);
        if (options.Metric == MetricKind.LowRank && options.Warmup > 0 && ensemble.MaxMetricRank == 0)
            throw new GpuHbmSamplingException($"The metric '{options.Metric.Name()}' needs a chain ensemble with low-rank metrics, and this backend's ensemble supports diagonal metrics only; use --metric diag or --metric stan-diag.");
        _state = new NutsState(_chains);
        _all = Enumerable.Repeat(true, _chains).ToArray();
    }

    // State carried from one iteration to the next: what a checkpoint saves (with the ensemble's Position and Gradient).
    private double[] _stepSize = [];
    private InverseMetric[] _metrics = [];
    private DualAveraging[] _dualAveraging = [];
    private MetricWarmup?[] _warmups = [];
    private int[] _divergences = [], _warmupDivergences = [];
    private long[] _warmupEvaluations = [], _evaluationOffset = [];
    private int _warmupDone, _samplingDone, _kept;
    private TimeSpan _warmupTimeBefore, _samplingTimeBefore;

    public ChainResult[] Run()
    {
        var o = _options;
        int d = _dimension, chains = _chains;
        int total = o.Warmup + o.Draws;
        int reportEvery = o.ProgressInterval > 0 ? o.ProgressInterval : Math.Max(1, total / 100);
        var warmupClock = Stopwatch.StartNew();
        var observer = o.Observer;
        _stepSize = new double[chains];
        _metrics = new InverseMetric[chains];
        _dualAveraging = new DualAveraging[chains];
        _warmups = new MetricWarmup?[chains];
        _divergences = new int[chains];
        _warmupDivergences = new int[chains];
        _warmupEvaluations = new long[chains];
        _evaluationOffset = new long[chains];
        var reports = new NutsTransition[chains];
        var restart = new bool[chains];
        var row = new double[d];
        var gradientRow = new double[d];
        for (int c = 0; c < chains; c++)
        {
            _metrics[c] = InverseMetric.Unit(d);
            // Stan sets μ from the user's step size before init_stepsize runs (services/sample/hmc_nuts_diag_e_adapt.hpp).
            _dualAveraging[c] = new DualAveraging(o.AdaptDelta) { Mu = Math.Log(10 * o.InitialStepSize) };
            if (o.Warmup > 0) _warmups[c] = MetricWarmup.Create(o.Metric, d, o.Warmup);
        }

        var resume = SamplerCheckpoint.Find(o.Resume, "nuts", _firstChain, chains, d);
        if (resume is not null)
        {
            Restore(resume);
        }
        else
        {
            ChainInitializer.Initialize(_ensemble, _layout.Position, _layout.Gradient, _options.InitialPositions, _firstChain, _state.LogDensity);
            Array.Fill(_stepSize, o.InitialStepSize);
            if (o.Warmup > 0)
            {
                for (int c = 0; c < chains; c++)
                {
                    if (!_warmups[c]!.UsesGradients) continue;
                    _ensemble.ReadRow(_layout.Position, c, row);
                    _ensemble.ReadRow(_layout.Gradient, c, gradientRow);
                    SetMetric(c, _warmups[c]!.Initialize(row, gradientRow), _metrics, -1);
                }
                StepSizeSearch.Run(_ensemble, _layout.Hmc, _state.LogDensity, _stepSize, _all, 0);
            }
        }

        for (int t = _warmupDone; t < o.Warmup && !_cancellation.IsCancellationRequested; t++)
        {
            _nuts.Transition((uint)t, _stepSize, _all, _state, reports);
            bool anyRestart = false;
            for (int c = 0; c < chains; c++)
            {
                var warmup = _warmups[c]!;
                if (reports[c].Divergent) _divergences[c]++;
                bool gradients = warmup.UsesGradients;
                if (warmup.Collects(t))
                {
                    _ensemble.ReadRow(_layout.Position, c, row);
                    if (gradients) _ensemble.ReadRow(_layout.Gradient, c, gradientRow);
                }
                var step = warmup.Update(t, row, gradients ? gradientRow : default, reports[c].Moved);
                _stepSize[c] = _dualAveraging[c].Learn(step.SymmetricAcceptance ? reports[c].SymmetricAcceptStat : reports[c].AcceptStat);
                if (step.Metric is { } metric) SetMetric(c, metric, _metrics, t);
                restart[c] = step.RestartStepSize;
                anyRestart |= step.RestartStepSize;
            }
            if (_centring is not null && t + 1 >= CentredChainDensity.ObserveFrom(o.Warmup) && t + 1 <= CentredChainDensity.CentringIteration(o.Warmup))
            {
                _ensemble.ReadRow(_layout.Position, 0, row);
                _centring.Observe(row);
                if (t + 1 == CentredChainDensity.CentringIteration(o.Warmup) && Centre(row, gradientRow))
                {
                    restart[0] = true;
                    anyRestart = true;
                }
            }
            if (anyRestart)
            {
                // adapt_diag_e_nuts::transition: new step-size search and dual-averaging restart after a metric update.
                StepSizeSearch.Run(_ensemble, _layout.Hmc, _state.LogDensity, _stepSize, restart, (uint)t + 1);
                for (int c = 0; c < chains; c++)
                {
                    if (!restart[c]) continue;
                    _dualAveraging[c].Mu = Math.Log(10 * _stepSize[c]);
                    _dualAveraging[c].Restart();
                }
            }
            _warmupDone = t + 1;
            if (_warmupDone % reportEvery == 0 || _warmupDone == o.Warmup) Report(_warmupDone, total, SamplerPhase.Warmup, _divergences, reports);
            if (observer is not null && _warmupDone < o.Warmup && observer.CheckpointDue(_firstChain))
                Checkpoint(observer, _warmupTimeBefore + warmupClock.Elapsed, TimeSpan.Zero, 0);
        }
        // Entering sampling now (not resuming inside it): the final step size, warm-up evaluations and divergences.
        bool samplingResumed = resume is { SamplingDone: > 0 };
        if (_warmupDone == o.Warmup && !samplingResumed)
        {
            if (o.Warmup > 0)
                for (int c = 0; c < chains; c++) _stepSize[c] = _dualAveraging[c].FinalStepSize;
            for (int c = 0; c < chains; c++) _warmupEvaluations[c] = _evaluationOffset[c] + _ensemble.GradientEvaluations(c);
            _warmupDivergences = (int[])_divergences.Clone();
        }
        var warmupTime = _warmupTimeBefore + (samplingResumed ? TimeSpan.Zero : warmupClock.Elapsed);

        var samplingClock = Stopwatch.StartNew();
        var recorder = new DrawRecorder(_ensemble, _layout.Position, o.Draws, o.Thin, _firstChain, _kept, observer,
            _centring is null ? null : _centring.ToModel);
        if (_warmupDone == o.Warmup)
        {
            for (int m = _samplingDone; m < o.Draws && !_cancellation.IsCancellationRequested; m++)
            {
                try
                {
                    _nuts.Transition((uint)(o.Warmup + m), _stepSize, _all, _state, reports);
                }
                catch (Compute.DeviceException e)
                {
                    // A lost device or a failed launch: keep what was drawn (the draws are on the host already).
                    Failure = e;
                    break;
                }
                for (int c = 0; c < chains; c++)
                    if (reports[c].Divergent) _divergences[c]++;
                recorder.Record(m, reports);
                _samplingDone = m + 1;
                int done = o.Warmup + _samplingDone;
                if (done % reportEvery == 0 || _samplingDone == o.Draws) Report(done, total, SamplerPhase.Sampling, _divergences, reports);
                if (observer is not null && _samplingDone < o.Draws && observer.CheckpointDue(_firstChain))
                    Checkpoint(observer, warmupTime, _samplingTimeBefore + samplingClock.Elapsed, recorder.KeptTotal);
            }
        }
        // A stopped run leaves a checkpoint where it stopped, so that it can be resumed from there.
        if (observer is not null && Failure is null && (_warmupDone < o.Warmup || _samplingDone < o.Draws))
            Checkpoint(observer, warmupTime, _samplingTimeBefore + samplingClock.Elapsed, recorder.KeptTotal);
        var samplingTime = _samplingTimeBefore + samplingClock.Elapsed;

        var results = new ChainResult[chains];
        for (int c = 0; c < chains; c++)
        {
            var (chainDraws, chainStats) = recorder.Take(c);
            results[c] = new ChainResult(_firstChain + c, d, chainDraws, recorder.Kept, chainStats,
                new AdaptationResult(_stepSize[c], _metrics[c].MatrixDiagonal(), MetricRank: _metrics[c].Rank) { Centring = _centring?.Weights, AutomaticCentring = _centring is not null, InterceptTermOffset = _centring?.AbsorbingTerm?.Offset }, warmupTime, samplingTime,
                _warmupEvaluations[c], _evaluationOffset[c] + _ensemble.GradientEvaluations(c), _warmupDone, _samplingDone, _warmupDivergences[c])
            { FirstKept = recorder.FirstKept };
        }
        return results;
    }

    /// <summary>Hands the observer this ensemble's state after the latest completed iteration.</summary>
    private void Checkpoint(ISamplingObserver observer, TimeSpan warmupTime, TimeSpan samplingTime, int keptTotal)
    {
        using var w = new CheckpointWriter();
        w.WriteSlot(_ensemble, _layout.Position);
        w.WriteSlot(_ensemble, _layout.Gradient);
        w.Write(_state.LogDensity);
        w.Write(_stepSize);
        foreach (var m in _metrics) w.Write(m);
        foreach (var a in _dualAveraging) a.Save(w);
        foreach (var warmup in _warmups)
        {
            w.Write(warmup is not null);
            warmup?.Save(w);
        }
        w.Write(_divergences);
        w.Write(_warmupDivergences);
        w.Write(_warmupEvaluations);
        var evaluations = new long[_chains];
        for (int c = 0; c < _chains; c++) evaluations[c] = _evaluationOffset[c] + _ensemble.GradientEvaluations(c);
        w.Write(evaluations);
        w.Write(warmupTime.Ticks);
        w.Write(samplingTime.Ticks);
        w.Write(_centring is not null);
        _centring?.Save(w);
        observer.OnCheckpoint(new SamplerCheckpoint("nuts", _firstChain, _chains, _dimension, _warmupDone, _samplingDone, keptTotal, w.ToArray()));
    }

    /// <summary>Continues from <paramref name="checkpoint"/>: the ensemble and every adaptation variable as they were.</summary>
    private void Restore(SamplerCheckpoint checkpoint)
    {
        using var r = new CheckpointReader(checkpoint.State);
        r.ReadSlot(_ensemble, _layout.Position);
        r.ReadSlot(_ensemble, _layout.Gradient);
        r.ReadDoubles(_state.LogDensity);
        r.ReadDoubles(_stepSize);
        for (int c = 0; c < _chains; c++) SetMetric(c, r.ReadInverseMetric(), _metrics, -1);
        foreach (var a in _dualAveraging) a.Restore(r);
        foreach (var warmup in _warmups)
        {
            if (r.ReadBoolean() != warmup is not null) throw new InvalidDataException("the checkpoint's metric warm-up does not match the run's warm-up");
            warmup?.Restore(r);
        }
        r.ReadInt32s().CopyTo(_divergences, 0);
        r.ReadInt32s().CopyTo(_warmupDivergences, 0);
        r.ReadInt64s().CopyTo(_warmupEvaluations, 0);
        r.ReadInt64s().CopyTo(_evaluationOffset, 0);
        _warmupTimeBefore = TimeSpan.FromTicks(r.ReadInt64());
        _samplingTimeBefore = TimeSpan.FromTicks(r.ReadInt64());
        // A checkpoint written before automatic centring existed ends here (and its run had none).
        if ((!r.AtEnd && r.ReadBoolean()) != _centring is not null)
            throw new InvalidDataException("the checkpoint's automatic centring does not match the run's");
        _centring?.Restore(r);
        r.EnsureEnd();
        _warmupDone = checkpoint.WarmupDone;
        _samplingDone = checkpoint.SamplingDone;
        _kept = checkpoint.Kept;
    }

    /// <summary>
    /// Automatic centring of the ensemble's one chain (position in <paramref name="row"/>) after warm-up iteration
    /// centring-iteration − 1: the smallest weights its positions suggested since ObserveFrom, the position moved to them and re-evaluated, the metric carried along (diagonal part; a low-rank part is
    /// dropped) and the metric warm-up restarted from it. True when the coordinates changed (the caller then searches a
    /// new step size).
    /// </summary>
    private bool Centre(double[] row, double[] metricRow)
    {
        _metrics[0].MatrixDiagonal().CopyTo(metricRow, 0);
        if (!_centring!.Centre(row, metricRow)) return false;
        _ensemble.WriteRow(_layout.Position, 0, row);
        _ensemble.Evaluate(_layout.Position, _layout.Gradient, _all, _state.LogDensity);
        if (!double.IsFinite(_state.LogDensity[0]))
            throw new GpuHbmSamplingException($"Chain {_firstChain}: the log density is not finite after automatic centring.");
        var metric = new InverseMetric(metricRow);
        SetMetric(0, metric, _metrics, -1);
        _warmups[0]!.Restart(metric);
        return true;
    }

    /// <summary>Hands chain <paramref name="chain"/>'s new metric to the ensemble (after warm-up iteration <paramref name="iteration"/>; −1 at the start).</summary>
    private void SetMetric(int chain, InverseMetric metric, InverseMetric[] metrics, int iteration)
    {
        foreach (double x in metric.Diagonal)
            if (!double.IsFinite(x) || !(x > 0))
                throw new GpuHbmSamplingException($"Chain {_firstChain + chain}: the estimated inverse metric is not finite after warm-up iteration {iteration + 1}.");
        if (metric.Rank == 0) _ensemble.SetInverseMetric(chain, metric.Diagonal);
        else _ensemble.SetInverseMetric(chain, metric.Diagonal, metric.Vectors, metric.Values);
        metrics[chain] = metric;
    }

    private void Report(int iteration, int total, SamplerPhase phase, int[] divergences, NutsTransition[] reports)
    {
        if (_progress is null) return;
        for (int c = 0; c < _chains; c++)
            _progress.Report(new ChainProgress(_firstChain + c, iteration, total, phase, divergences[c], reports[c].StepSize));
    }
}
