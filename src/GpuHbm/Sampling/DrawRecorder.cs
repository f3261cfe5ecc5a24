using GpuHbm.Compute;

namespace GpuHbm.Sampling;

/// <summary>
/// The sampling phase's kept draws and per-draw statistics for the chains of one ensemble, shared by
/// NUTS and ChEES: thinning as Stan (iterations 0, Thin, 2·Thin, … are kept), positions read back from
/// the ensemble, and per-chain arrays cut to what was kept when the phase stopped early.
/// </summary>
internal sealed class DrawRecorder
{
    private readonly IChainEnsemble _ensemble;
    private readonly EnsembleSlot _position;
    private readonly int _thin, _capacity, _dimension;
    private readonly double[][] _draws;
    private readonly SamplerStatistics[] _statistics;

    public DrawRecorder(IChainEnsemble ensemble, EnsembleSlot position, int draws, int thin)
    {
        _ensemble = ensemble;
        _position = position;
        _thin = thin;
        _dimension = ensemble.Dimension;
        _capacity = (draws + thin - 1) / thin;
        _draws = new double[ensemble.Chains][];
        _statistics = new SamplerStatistics[ensemble.Chains];
        for (int c = 0; c < ensemble.Chains; c++)
        {
            _draws[c] = new double[_capacity * _dimension];
            _statistics[c] = new SamplerStatistics(_capacity);
        }
    }

    /// <summary>Draws kept so far per chain.</summary>
    public int Kept { get; private set; }

    /// <summary>Keeps sampling iteration <paramref name="m"/> (0-based) of every chain unless thinning drops it.</summary>
    public void Record(int m, ReadOnlySpan<NutsTransition> reports)
    {
        if (m % _thin != 0) return;
        for (int c = 0; c < _draws.Length; c++)
        {
            _ensemble.ReadRow(_position, c, _draws[c].AsSpan(Kept * _dimension, _dimension));
            _statistics[c].Set(Kept, reports[c]);
        }
        Kept++;
    }

    /// <summary>
    /// The smallest bulk ESS (Vehtari et al. 2021; <see cref="Diagnostics.EffectiveSampleSize.Bulk"/>) over the coordinates
    /// of θ and the log density, from the draws kept so far.
    /// </summary>
    public double SmallestBulkEss()
    {
        int chains = _draws.Length;
        var x = new double[chains][];
        for (int c = 0; c < chains; c++) x[c] = new double[Kept];
        for (int c = 0; c < chains; c++) _statistics[c].LogDensity.AsSpan(0, Kept).CopyTo(x[c]);
        double smallest = Diagnostics.EffectiveSampleSize.Bulk(x);
        if (double.IsNaN(smallest)) return double.NaN;
        for (int i = 0; i < _dimension; i++)
        {
            for (int c = 0; c < chains; c++)
                for (int k = 0; k < Kept; k++) x[c][k] = _draws[c][k * _dimension + i];
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
