using GpuHbm.Compute;
using GpuHbm.Diagnostics;

namespace GpuHbm.Sampling.Chees;

/// <summary>
/// Nested R-hat (Margossian et al. 2024, eq. for R̂_ν in §3; <see cref="NestedRhat"/>) of every coordinate of θ and of
/// log π over a window of iterations, from running per-chain sums kept on the ensemble: each iteration adds x and x∘x to
/// two slots (three elementwise operations), and the check reads the C sums once. Chains are grouped into contiguous
/// superchains of equal size, the chains of a superchain sharing their starting point.
/// </summary>
internal sealed class SuperchainMonitor
{
    private readonly IChainEnsemble _e;
    private readonly EnsembleSlot _position, _sum, _sumSquares, _scratch;
    private readonly int _chains, _dimension, _superchains;
    private readonly bool[] _all;
    private readonly double[] _lpSum, _lpSumSquares;
    private int _count;
    private double _acceptanceSum;

    public SuperchainMonitor(IChainEnsemble ensemble, EnsembleSlot position, EnsembleSlot sum, EnsembleSlot sumSquares, EnsembleSlot scratch,
        int superchains)
    {
        _e = ensemble;
        _position = position;
        _sum = sum;
        _sumSquares = sumSquares;
        _scratch = scratch;
        _chains = ensemble.Chains;
        _dimension = ensemble.Dimension;
        _superchains = superchains;
        _all = Enumerable.Repeat(true, _chains).ToArray();
        _lpSum = new double[_chains];
        _lpSumSquares = new double[_chains];
    }

    /// <summary>Iterations in the current window.</summary>
    public int Count => _count;

    /// <summary>Starts a new window.</summary>
    public void Reset()
    {
        var zero = new double[_dimension];
        _e.Broadcast(_sum, zero, _all);
        _e.Broadcast(_sumSquares, zero, _all);
        Array.Clear(_lpSum);
        Array.Clear(_lpSumSquares);
        _count = 0;
        _acceptanceSum = 0;
    }

    /// <summary>Mean over the window of the per-iteration harmonic-mean acceptance.</summary>
    public double MeanAcceptance => _count > 0 ? _acceptanceSum / _count : double.NaN;

    /// <summary>Adds the current positions and log densities, and the iteration's harmonic-mean acceptance, to the window.</summary>
    public void Add(ReadOnlySpan<double> logDensity, double harmonicMeanAcceptance)
    {
        _acceptanceSum += double.IsFinite(harmonicMeanAcceptance) ? harmonicMeanAcceptance : 0;
        _e.Add(_sum, _sum, _position, _all);
        _e.Multiply(_scratch, _position, _position, _all);
        _e.Add(_sumSquares, _sumSquares, _scratch, _all);
        for (int c = 0; c < _chains; c++)
        {
            _lpSum[c] += logDensity[c];
            _lpSumSquares[c] += logDensity[c] * logDensity[c];
        }
        _count++;
    }

    /// <summary>The largest nested R-hat over θ's coordinates and log π, and its coordinate (−1 for log π); NaN before two iterations.</summary>
    public (double NestedRhat, int Coordinate) Check()
    {
        if (_count < 2) return (double.NaN, 0);
        var sums = new double[_chains * _dimension];
        var squares = new double[_chains * _dimension];
        for (int c = 0; c < _chains; c++)
        {
            _e.ReadRow(_sum, c, sums.AsSpan(c * _dimension, _dimension));
        }
        for (int c = 0; c < _chains; c++)
        {
            _e.ReadRow(_sumSquares, c, squares.AsSpan(c * _dimension, _dimension));
        }
        var means = new double[_chains];
        var variances = new double[_chains];
        double worst = Rhat(_lpSum, _lpSumSquares, 0, 1);
        int worstCoordinate = -1;
        if (double.IsNaN(worst)) worst = 1;
        for (int i = 0; i < _dimension; i++)
        {
            double r = Rhat(sums, squares, i, _dimension);
            if (r > worst || double.IsNaN(r)) { worst = r; worstCoordinate = i; if (double.IsNaN(r)) break; }
        }
        return (worst, worstCoordinate);

        double Rhat(double[] s, double[] s2, int offset, int stride)
        {
            double n = _count;
            for (int c = 0; c < _chains; c++)
            {
                double mean = s[c * stride + offset] / n;
                means[c] = mean;
                variances[c] = Math.Max(0, (s2[c * stride + offset] - n * mean * mean) / (n - 1));
            }
            return NestedRhat.FromChainMoments(means, variances, _superchains);
        }
    }
}
