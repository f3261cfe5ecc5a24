namespace GpuHbm.Sampling.Chees;

/// <summary>
/// Exponential moving averages of the cross-chain mean and variance of the positions, TFP's
/// SNAPERHamiltonianMonteCarlo._update_state_ema (Sountsov &amp; Hoffman 2021, "Focusing on Difficult Directions for
/// Learning HMC Trajectory Lengths", §4): Welford's update with the point count clamped to a function that grows
/// slower than t, n ← min(n + 1, max(1, ⌊t / 8⌋)), so that the estimate forgets the early, far-from-stationary
/// iterations. The first iteration's moments initialise the averages (TFP starts from mean 0, variance 1).
/// </summary>
internal sealed class CrossChainVariance(int dimension)
{
    private const int EmaFactor = 8;
    private readonly double[] _mean = new double[dimension], _variance = new double[dimension];

    /// <summary>Current point count n of the average (0 before the first update).</summary>
    public int Points { get; private set; }

    /// <summary>Folds in iteration <paramref name="iteration"/>'s cross-chain mean and mean of squares.</summary>
    public void Add(ReadOnlySpan<double> mean, ReadOnlySpan<double> meanOfSquares, int iteration)
    {
        if (Points == 0)
        {
            for (int i = 0; i < _mean.Length; i++)
            {
                _mean[i] = mean[i];
                _variance[i] = Math.Max(0, meanOfSquares[i] - mean[i] * mean[i]);
            }
            Points = 1;
            return;
        }
        double w = 1.0 / (Points + 1);
        for (int i = 0; i < _mean.Length; i++)
        {
            double variance = Math.Max(0, meanOfSquares[i] - mean[i] * mean[i]);
            double delta = mean[i] - _mean[i];
            _mean[i] += w * delta;
            _variance[i] += w * (variance - _variance[i] + (1 - w) * delta * delta);
        }
        Points = Math.Min(Points + 1, Math.Max(1, iteration / EmaFactor));
    }

    /// <summary>The variance estimate regularised as Stan's for <paramref name="n"/> draws (<see cref="DiagonalMetric.Regularize"/>).</summary>
    public double[] Variance(long n)
    {
        var v = (double[])_variance.Clone();
        DiagonalMetric.Regularize(v, Math.Max(1, n));
        return v;
    }
}
