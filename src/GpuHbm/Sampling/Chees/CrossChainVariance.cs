using GpuHbm.Sampling.Metrics;

namespace GpuHbm.Sampling.Chees;

/// <summary>
/// Exponential moving averages of the cross-chain moments of the positions and of the log-density gradients there,
/// TFP's SNAPERHamiltonianMonteCarlo._update_state_ema (Sountsov &amp; Hoffman 2021, "Focusing on Difficult Directions for
/// Learning HMC Trajectory Lengths", §4): Welford's update with the point count clamped to a function that grows
/// slower than t, n ← min(n + 1, max(1, ⌊t / 8⌋)), so that the estimate forgets the early, far-from-stationary
/// iterations. The first iteration's moments initialise the averages (TFP starts from mean 0, variance 1).
/// </summary>
/// <remarks>
/// <see cref="Estimate"/> turns them into a diagonal inverse metric: the cross-chain variance of x (TFP), or nutpie's
/// √(var x / var ∇log π) (<see cref="DrawGradientDiagonalEstimator"/>: exact for a normal target with diagonal covariance
/// whatever the spread of the chains). Both are regularised as Stan's (<see cref="DiagonalMetric.Regularize"/>).
/// </remarks>
internal sealed class CrossChainVariance(int dimension)
{
    private const int EmaFactor = 8;
    private readonly double[] _mean = new double[dimension], _variance = new double[dimension];
    private readonly double[] _gradientMean = new double[dimension], _gradientVariance = new double[dimension];

    /// <summary>Current point count n of the average (0 before the first update).</summary>
    public int Points { get; private set; }

    /// <summary>Folds in iteration <paramref name="iteration"/>'s cross-chain means and means of squares of x and ∇log π.</summary>
    public void Add(ReadOnlySpan<double> mean, ReadOnlySpan<double> meanOfSquares, ReadOnlySpan<double> gradientMean,
        ReadOnlySpan<double> gradientMeanOfSquares, int iteration)
    {
        if (Points == 0)
        {
            Set(_mean, _variance, mean, meanOfSquares);
            Set(_gradientMean, _gradientVariance, gradientMean, gradientMeanOfSquares);
            Points = 1;
            return;
        }
        double w = 1.0 / (Points + 1);
        Update(_mean, _variance, mean, meanOfSquares, w);
        Update(_gradientMean, _gradientVariance, gradientMean, gradientMeanOfSquares, w);
        Points = Math.Min(Points + 1, Math.Max(1, iteration / EmaFactor));
    }

    /// <summary>
    /// The inverse metric: the variance of x (or nutpie's √(var x / var ∇log π) when <paramref name="fromGradients"/>), a
    /// coordinate that cannot be estimated keeping <paramref name="previous"/>, regularised as Stan's for
    /// <paramref name="n"/> draws.
    /// </summary>
    public double[] Estimate(long n, ReadOnlySpan<double> previous, bool fromGradients = false)
    {
        var v = new double[_variance.Length];
        for (int i = 0; i < v.Length; i++)
            v[i] = fromGradients
                ? DrawGradientDiagonalEstimator.Ratio(_variance[i], _gradientVariance[i], previous[i])
                : _variance[i] > 0 && double.IsFinite(_variance[i]) ? _variance[i] : previous[i];
        DiagonalMetric.Regularize(v, Math.Max(1, n));
        return v;
    }

    private static void Set(double[] mean, double[] variance, ReadOnlySpan<double> m, ReadOnlySpan<double> sq)
    {
        for (int i = 0; i < mean.Length; i++)
        {
            mean[i] = m[i];
            variance[i] = Math.Max(0, sq[i] - m[i] * m[i]);
        }
    }

    private static void Update(double[] mean, double[] variance, ReadOnlySpan<double> m, ReadOnlySpan<double> sq, double w)
    {
        for (int i = 0; i < mean.Length; i++)
        {
            double v = Math.Max(0, sq[i] - m[i] * m[i]);
            double delta = m[i] - mean[i];
            mean[i] += w * delta;
            variance[i] += w * (v - variance[i] + (1 - w) * delta * delta);
        }
    }
}
