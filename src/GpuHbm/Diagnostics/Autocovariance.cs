namespace GpuHbm.Diagnostics;

/// <summary>
/// Autocovariance of one chain at every lag 0..N−1, the "biased" estimate recommended by
/// Geyer (1992): acov(t) = (1/N) Σ_{i=0}^{N−1−t} (x_i − x̄)(x_{i+t} − x̄).
/// </summary>
/// <remarks>
/// posterior 1.4.0 (<c>autocovariance</c> in R/convergence.R, since the fix of posterior issue
/// #126) computes the zero-padded FFT correlation and rescales it as
/// ac / ac[0] · var(x) · (N − 1)/N, returning all zeros when var(x) = 0; this is the formula
/// above. The FFT here pads to a power of two ≥ 2N so the circular correlation has no
/// wrap-around, which gives the same lag sums as R's padding to 2·nextn(N).
/// </remarks>
public static class Autocovariance
{
    /// <summary>Autocovariances at lags 0..N−1 via FFT, O(N log N).</summary>
    public static double[] Compute(ReadOnlySpan<double> x)
    {
        int n = x.Length;
        double variance = SampleStatistics.Variance(x);
        if (n < 2 || variance == 0) return new double[n];
        double mean = SampleStatistics.Mean(x);

        int size = RadixTwoFft.NextPowerOfTwo(2 * n);
        var re = new double[size];
        var im = new double[size];
        for (int i = 0; i < n; i++) re[i] = x[i] - mean;
        RadixTwoFft.Transform(re, im, inverse: false);
        for (int k = 0; k < size; k++)
        {
            re[k] = re[k] * re[k] + im[k] * im[k];
            im[k] = 0;
        }
        RadixTwoFft.Transform(re, im, inverse: true);
        return Rescale(re, n, variance);
    }

    /// <summary>
    /// The same estimate by direct summation, O(N²); for tests and for checking the FFT.
    /// </summary>
    public static double[] ComputeDirect(ReadOnlySpan<double> x)
    {
        int n = x.Length;
        double variance = SampleStatistics.Variance(x);
        if (n < 2 || variance == 0) return new double[n];
        double mean = SampleStatistics.Mean(x);
        var centered = new double[n];
        for (int i = 0; i < n; i++) centered[i] = x[i] - mean;
        var sums = new double[n];
        for (int t = 0; t < n; t++)
        {
            double s = 0;
            for (int i = 0; i + t < n; i++) s += centered[i] * centered[i + t];
            sums[t] = s;
        }
        return Rescale(sums, n, variance);
    }

    /// <summary>posterior's scaling: lagSums / lagSums[0] · var(x) · (N − 1)/N, first N lags.</summary>
    private static double[] Rescale(double[] lagSums, int n, double variance)
    {
        var ac = new double[n];
        double scale = variance * (n - 1) / n / lagSums[0];
        for (int t = 0; t < n; t++) ac[t] = lagSums[t] * scale;
        return ac;
    }
}
