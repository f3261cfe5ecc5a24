using GpuHbm.Compute;

namespace GpuHbm.Sampling;

/// <summary>
/// The sampling phase's kept draws and per-draw statistics for the chains of one ensemble, shared by
/// NUTS and ChEES: thinning as Stan (iterations 0, Thin, 2·Thin, … are kept), positions read back from
/// the ensemble, each kept draw handed to the run's <see cref="ISamplingObserver"/> as it is made, and
/// per-chain arrays cut to what was kept when the phase stopped early. A resumed run records only the
/// draws it makes; <see cref="FirstKept"/> says how many the interrupted run had kept before.
/// </summary>
internal sealed class DrawRecorder
{
    private readonly IChainEnsemble _ensemble;
    private readonly EnsembleSlot _position;
    private readonly int _thin, _capacity, _dimension, _firstChain;
    private readonly ISamplingObserver? _observer;
    private readonly SpanAction? _toModel;

    /// <summary>Turns a position read from the ensemble into the model's θ in place (automatic centring).</summary>
    public delegate void SpanAction(Span<double> values);
    private readonly double[][] _draws;
    private readonly SamplerStatistics[] _statistics;

    /// <param name="ensemble">The chains.</param>
    /// <param name="position">The slot holding each chain's current draw.</param>
    /// <param name="draws">Sampling iterations of the whole run (before thinning).</param>
    /// <param name="thin">Keep every thin-th iteration.</param>
    /// <param name="firstChain">Run-wide number of the ensemble's chain 0.</param>
    /// <param name="keptBefore">Draws kept per chain before this recorder (a resumed run).</param>
    /// <param name="observer">Receives each kept draw, or null.</param>
    /// <param name="toModel">Turns a position into the model's θ before it is kept (automatic centring), or null.</param>
    public DrawRecorder(IChainEnsemble ensemble, EnsembleSlot position, int draws, int thin, int firstChain = 0,
        int keptBefore = 0, ISamplingObserver? observer = null, SpanAction? toModel = null)
    {
        _toModel = toModel;
        _ensemble = ensemble;
        _position = position;
        _thin = thin;
        _firstChain = firstChain;
        _observer = observer;
        _dimension = ensemble.Dimension;
        FirstKept = keptBefore;
        _capacity = Math.Max(0, (draws + thin - 1) / thin - keptBefore);
        _draws = new double[ensemble.Chains][];
        _statistics = new SamplerStatistics[ensemble.Chains];
        for (int c = 0; c < ensemble.Chains; c++)
        {
            _draws[c] = new double[_capacity * _dimension];
            _statistics[c] = new SamplerStatistics(_capacity);
        }
    }

    /// <summary>Draws kept per chain by this recorder.</summary>
    public int Kept { get; private set; }

    /// <summary>Draws kept per chain before this recorder (non-zero for a resumed run).</summary>
    public int FirstKept { get; }

    /// <summary>Draws kept per chain over the whole run so far.</summary>
    public int KeptTotal => FirstKept + Kept;

    /// <summary>Keeps sampling iteration <paramref name="m"/> (0-based over the whole run) of every chain unless thinning drops it.</summary>
    public void Record(int m, ReadOnlySpan<NutsTransition> reports)
    {
        if (m % _thin != 0) return;
        for (int c = 0; c < _draws.Length; c++)
        {
            var row = _draws[c].AsSpan(Kept * _dimension, _dimension);
            _ensemble.ReadRow(_position, c, row);
            _toModel?.Invoke(row);
            _statistics[c].Set(Kept, reports[c]);
            _observer?.OnDraw(_firstChain + c, KeptTotal, row, reports[c]);
        }
        Kept++;
    }

    /// <summary>
    /// The draws (θ, chain-major, KeptBefore × D each) and log densities an interrupted run kept before
    /// <see cref="FirstKept"/>, used only by <see cref="SmallestBulkEss"/> (ChEES's target-ESS stop), so that a resumed run
    /// stops where the uninterrupted one would have.
    /// </summary>
    public void KeepEarlier(double[][] draws, double[][] logDensity)
    {
        if (draws.Length != _draws.Length || logDensity.Length != _draws.Length)
            throw new InvalidDataException($"earlier draws of {draws.Length} chains for an ensemble of {_draws.Length}");
        for (int c = 0; c < draws.Length; c++)
            if (draws[c].Length != FirstKept * _dimension || logDensity[c].Length != FirstKept)
                throw new InvalidDataException($"chain {_firstChain + c + 1}: earlier draws do not match the {FirstKept} kept before the checkpoint");
        (_earlierDraws, _earlierLogDensity) = (draws, logDensity);
    }

    private double[][]? _earlierDraws, _earlierLogDensity;

    /// <summary>Per chain, every draw (θ, KeptTotal × D) and log density kept over the whole run, when the earlier ones are known.</summary>
    public (double[][] Draws, double[][] LogDensity) AllKept()
    {
        int chains = _draws.Length, before = _earlierDraws is null ? 0 : FirstKept;
        var draws = new double[chains][];
        var lp = new double[chains][];
        for (int c = 0; c < chains; c++)
        {
            draws[c] = [.. (_earlierDraws?[c] ?? []), .. _draws[c].AsSpan(0, Kept * _dimension)];
            lp[c] = [.. (_earlierLogDensity?[c] ?? []), .. _statistics[c].LogDensity.AsSpan(0, Kept)];
            if (draws[c].Length != (before + Kept) * _dimension) throw new InvalidOperationException("kept draws are inconsistent");
        }
        return (draws, lp);
    }

    /// <summary>
    /// The smallest bulk ESS (Vehtari et al. 2021; <see cref="Diagnostics.EffectiveSampleSize.Bulk"/>) over the coordinates
    /// of θ and the log density, from the draws kept so far (with those of <see cref="KeepEarlier"/>).
    /// </summary>
    public double SmallestBulkEss()
    {
        var (draws, lp) = AllKept();
        int chains = draws.Length, kept = lp[0].Length;
        double smallest = Diagnostics.EffectiveSampleSize.Bulk(lp);
        if (double.IsNaN(smallest)) return double.NaN;
        var x = new double[chains][];
        for (int c = 0; c < chains; c++) x[c] = new double[kept];
        for (int i = 0; i < _dimension; i++)
        {
            for (int c = 0; c < chains; c++)
                for (int k = 0; k < kept; k++) x[c][k] = draws[c][k * _dimension + i];
            double ess = Diagnostics.EffectiveSampleSize.Bulk(x);
            if (double.IsNaN(ess)) return double.NaN;   // not defined (e.g. constant draws): never "reached"
            smallest = Math.Min(smallest, ess);
        }
        return smallest;
    }

    /// <summary>Chain <paramref name="chain"/>'s kept draws (Kept × D) and statistics.</summary>
    public (double[] Draws, SamplerStatistics Statistics) Take(int chain)
    {
        _statistics[chain].Truncate(Kept);
        return (Kept == _capacity ? _draws[chain] : _draws[chain][..(Kept * _dimension)], _statistics[chain]);
    }
}
