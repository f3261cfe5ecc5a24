using GpuHbm.Kernels;
namespace GpuHbm.Sampling.Metrics;

/// <summary>What one warm-up iteration did to a chain's metric.</summary>
/// <param name="Metric">The new inverse metric, or null when it is unchanged.</param>
/// <param name="RestartStepSize">True when the sampler should search a new step size and restart dual averaging.</param>
/// <param name="SymmetricAcceptance">True when this iteration's step-size update should use
/// <see cref="NutsTransition.SymmetricAcceptStat"/> (nutpie's late phase) instead of the accept_stat.</param>
public readonly record struct MetricWarmupStep(InverseMetric? Metric, bool RestartStepSize, bool SymmetricAcceptance = false);

/// <summary>
/// One chain's metric adaptation during warm-up, as BlackJAX's adaptation triple: <see cref="Initialize"/> at the
/// initial point, <see cref="Update"/> after every warm-up transition; the last metric returned is the one used for
/// sampling. The schedule is fixed by the warm-up length.
/// </summary>
/// <remarks>
/// Interface notes: <see cref="Collects"/> tells the sampler whether iteration t's draw and gradient are needed (it
/// only reads rows back from the ensemble then); <see cref="Update"/> must be called for every warm-up iteration in
/// order, with <c>moved</c> false when the transition kept its starting point.
/// </remarks>
public abstract class MetricWarmup
{
    protected MetricWarmup(int dimension, int warmup)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(warmup);
        Dimension = dimension;
        Warmup = warmup;
    }

    public int Dimension { get; }
    public int Warmup { get; }

    /// <summary>The adaptation for <paramref name="kind"/>.</summary>
    public static MetricWarmup Create(MetricKind kind, int dimension, int warmup) => kind switch
    {
        MetricKind.StanDiagonal => new StanMetricWarmup(dimension, warmup),
        MetricKind.Diagonal => new NutpieMetricWarmup(dimension, warmup, () => new DrawGradientDiagonalEstimator(dimension)),
        MetricKind.LowRank => new NutpieMetricWarmup(dimension, warmup, () => new LowRankEstimator(dimension), NutpieMetricWarmup.LowRankUpdateInterval),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>
    /// False when the adaptation uses neither gradients nor the initial point (Stan's): the sampler then passes empty
    /// spans for them and reads only the draws back from the ensemble.
    /// </summary>
    public virtual bool UsesGradients => true;

    /// <summary>The metric to start warm-up with, from the initial point and the gradient there.</summary>
    public abstract InverseMetric Initialize(ReadOnlySpan<double> position, ReadOnlySpan<double> gradient);

    /// <summary>True when iteration <paramref name="iteration"/>'s draw and gradient feed the estimate.</summary>
    public abstract bool Collects(int iteration);

    /// <summary>After warm-up transition <paramref name="iteration"/> (0-based), with the chain's draw and ∇log π there.</summary>
    public abstract MetricWarmupStep Update(int iteration, ReadOnlySpan<double> draw, ReadOnlySpan<double> gradient, bool moved);

    /// <summary>
    /// Writes everything carried from one warm-up iteration to the next (for a checkpoint, <see cref="SamplerCheckpoint"/>):
    /// a warm-up restored with <see cref="Restore"/> continues exactly as the original would have.
    /// </summary>
    public abstract void Save(CheckpointWriter writer);

    /// <summary>Restores what <see cref="Save"/> wrote.</summary>
    public abstract void Restore(CheckpointReader reader);
}

/// <summary>
/// Stan's windowed adaptation (stan/mcmc/windowed_adaptation.hpp, adapt_diag_e_nuts.hpp): unit metric first; the
/// draws of each slow window of <see cref="WindowedAdaptationSchedule"/> give a regularised variance estimate at the
/// window's end, after which the step size is searched anew and dual averaging restarts.
/// </summary>
public sealed class StanMetricWarmup : MetricWarmup
{
    private readonly WindowedAdaptationSchedule _schedule;
    private readonly StanVarianceEstimator _estimator;
    private InverseMetric _current;

    public StanMetricWarmup(int dimension, int warmup) : base(dimension, warmup)
    {
        _schedule = new WindowedAdaptationSchedule(warmup);
        _estimator = new StanVarianceEstimator(dimension);
        _current = InverseMetric.Unit(dimension);
    }

    public override bool UsesGradients => false;

    public override InverseMetric Initialize(ReadOnlySpan<double> position, ReadOnlySpan<double> gradient) => _current;

    public override bool Collects(int iteration) => _schedule.InSlowWindow(iteration);

    public override MetricWarmupStep Update(int iteration, ReadOnlySpan<double> draw, ReadOnlySpan<double> gradient, bool moved)
    {
        if (_schedule.InSlowWindow(iteration)) _estimator.Add(draw, gradient);
        if (!_schedule.IsWindowEnd(iteration)) return default;
        var metric = _estimator.Estimate(_current);
        _estimator.Clear();
        if (metric is not null) _current = metric;
        return new MetricWarmupStep(metric, RestartStepSize: true);
    }

    public override void Save(CheckpointWriter writer)
    {
        _estimator.Save(writer);
        writer.Write(_current);
    }

    public override void Restore(CheckpointReader reader)
    {
        _estimator.Restore(reader);
        _current = reader.ReadInverseMetric();
    }
}
