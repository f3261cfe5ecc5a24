using GpuHbm.Kernels;
namespace GpuHbm.Sampling.Metrics;

/// <summary>
/// nutpie's metric warm-up (nuts-rs adapt_strategy.rs, GlobalStrategy::adapt, with EuclideanAdaptOptions' defaults):
/// <list type="bullet">
/// <item>start: the metric from the initial gradient (<see cref="InverseMetric.FromGradient"/>), the initial point
/// counted as the first draw;</item>
/// <item>two estimators run side by side: the foreground one gives the metric, the background one collects the
/// draws since the last switch; at a switch the background becomes the foreground and a fresh background starts,
/// so the metric always rests on the most recent one to two windows of draws;</item>
/// <item>early phase (the first <see cref="EarlyFraction"/> of warm-up): a switch every
/// <see cref="EarlyWindow"/> draws; then windows of <see cref="Window"/> draws growing by
/// <see cref="WindowGrowth"/> after each switch; no switch that would leave too little room before the final phase;</item>
/// <item>the metric is re-estimated from the foreground after every draw (every <c>updateInterval</c> draws, and at
/// every switch); the first change also restarts the step size;</item>
/// <item>final phase (the last <see cref="FinalFraction"/> of warm-up): the metric is fixed and only the step size
/// adapts.</item>
/// </list>
/// A draw that did not move (the transition kept its starting point) is not added, as nuts-rs's DrawGradCollector
/// (is_good). Dual averaging of the step size is never restarted after the first metric change; from the iteration
/// where no further switch fits (and through the final phase) it runs on the symmetric acceptance statistic
/// (<see cref="NutsTransition.SymmetricAcceptStat"/>; nuts-rs update_estimator_late), which settles on a smaller, more
/// robust step than the plain accept_stat. Difference from nuts-rs: a divergent transition's draw counts when it
/// moved (nuts-rs requires it to lie more than 4 steps from the start).
/// </summary>
public sealed class NutpieMetricWarmup : MetricWarmup
{
    public const double EarlyFraction = 0.3, FinalFraction = 0.15, WindowGrowth = 1.5;
    public const int EarlyWindow = 10, Window = 80;

    /// <summary>
    /// Re-estimation interval of the low-rank metric (eigendecompositions of size min(D, 2n) cost O(n³) with n draws in
    /// the foreground): after every draw while n ≤ 2·<see cref="EarlyWindow"/>, then every max(this, n / this) draws and
    /// at every switch, so a warm-up of 1000 makes about 350 cheap and 30 large estimates.
    /// </summary>
    public const int LowRankUpdateInterval = 10;

    private readonly int _updateInterval;
    private IMetricEstimator _foreground, _background;
    private InverseMetric _current;
    private int _window, _lastUpdate;
    private bool _changed;

    /// <param name="dimension">D.</param>
    /// <param name="warmup">Warm-up iterations.</param>
    /// <param name="createEstimator">Makes an empty estimator (two are used).</param>
    /// <param name="updateInterval">1: re-estimate after every draw (nutpie); k &gt; 1: once the foreground holds n &gt; 20
    /// draws, every max(k, n/k) draws and at every switch (<see cref="LowRankUpdateInterval"/>).</param>
    public NutpieMetricWarmup(int dimension, int warmup, Func<IMetricEstimator> createEstimator, int updateInterval = 1) : base(dimension, warmup)
    {
        ArgumentNullException.ThrowIfNull(createEstimator);
        ArgumentOutOfRangeException.ThrowIfLessThan(updateInterval, 1);
        _updateInterval = updateInterval;
        _foreground = createEstimator();
        _background = createEstimator();
        _current = InverseMetric.Unit(dimension);
        _window = Window;
        EarlyEnd = (int)(EarlyFraction * warmup);
        FinalStart = warmup - (int)(FinalFraction * warmup);
    }

    /// <summary>First iteration of the main phase.</summary>
    public int EarlyEnd { get; }

    /// <summary>First iteration of the final (step-size only) phase.</summary>
    public int FinalStart { get; }

    /// <summary>Foreground window switches so far.</summary>
    public int Switches { get; private set; }

    public override InverseMetric Initialize(ReadOnlySpan<double> position, ReadOnlySpan<double> gradient)
    {
        _foreground.Add(position, gradient);
        _background.Add(position, gradient);
        _current = InverseMetric.FromGradient(gradient);
        return _current;
    }

    public override bool Collects(int iteration) => iteration < FinalStart;

    public override MetricWarmupStep Update(int iteration, ReadOnlySpan<double> draw, ReadOnlySpan<double> gradient, bool moved)
    {
        int t = iteration;
        if (t >= FinalStart) return new MetricWarmupStep(null, false, SymmetricAcceptance: true);
        bool early = t < EarlyEnd;
        if (!early && t == EarlyEnd) _window = (int)Math.Max(_window, _background.Count);
        int switchEvery = early ? EarlyWindow : _window;
        if (moved)
        {
            _foreground.Add(draw, gradient);
            _background.Add(draw, gradient);
        }
        int next = early ? EarlyWindow : Math.Max(_window + 1, (int)Math.Round(_window * WindowGrowth));
        bool late = next + t > FinalStart;
        bool switched = false;
        if (_background.Count >= switchEvery && !late)
        {
            (_foreground, _background) = (_background, _foreground);
            _background.Clear();
            switched = true;
            Switches++;
            if (!early) _window = next;
        }
        int interval = _foreground.Count <= 2 * EarlyWindow || _updateInterval == 1
            ? 1 : Math.Max(_updateInterval, (int)(_foreground.Count / _updateInterval));
        var unchanged = new MetricWarmupStep(null, false, SymmetricAcceptance: late);
        if (!switched && t - _lastUpdate < interval) return unchanged;
        var metric = _foreground.Estimate(_current);
        if (metric is null) return unchanged;
        _current = metric;
        _lastUpdate = t;
        bool first = !_changed;
        _changed = true;
        return new MetricWarmupStep(metric, RestartStepSize: first, SymmetricAcceptance: late);
    }

    public override void Save(CheckpointWriter writer)
    {
        _foreground.Save(writer);
        _background.Save(writer);
        writer.Write(_current);
        writer.Write(_window);
        writer.Write(_lastUpdate);
        writer.Write(_changed);
        writer.Write(Switches);
    }

    public override void Restore(CheckpointReader reader)
    {
        _foreground.Restore(reader);
        _background.Restore(reader);
        _current = reader.ReadInverseMetric();
        _window = reader.ReadInt32();
        _lastUpdate = reader.ReadInt32();
        _changed = reader.ReadBoolean();
        Switches = reader.ReadInt32();
    }
}
