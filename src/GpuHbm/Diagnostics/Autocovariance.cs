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
    public static double[] Compute(ReadOnlySpan<double> x) => ComputePair(x, ReadOnlySpan<double>.Empty).First;

    /// <summary>
    /// Autocovariances of every chain (all of the same length). Chains are transformed two at a
    /// time, packed as the real and imaginary parts of one complex sequence.
    /// </summary>
    public static double[][] ComputeMany(double[][] chains)
    {
        var result = new double[chains.Length][];
        for (int c = 0; c < chains.Length; c += 2)
        {
            var (first, second) = ComputePair(chains[c], c + 1 < chains.Length ? chains[c + 1] : ReadOnlySpan<double>.Empty);
            result[c] = first;
            if (c + 1 < chains.Length) result[c + 1] = second!;
        }
        return result;
    }

    /// <summary>
    /// Autocovariances of x and (if not empty) y, of equal length, with one forward and one
    /// inverse FFT: Z = F(x + iy) gives F(x)_k = (Z_k + conj Z_{L−k})/2 and
    /// F(y)_k = (Z_k − conj Z_{L−k})/(2i); the power spectra are real and even, so the inverse
    /// transform of |F(x)|² + i|F(y)|² has the lag sums of x in its real part and of y in its
    /// imaginary part.
    /// </summary>
    private static (double[] First, double[]? Second) ComputePair(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        int n = x.Length;
        bool pair = !y.IsEmpty;
        double varX = SampleStatistics.Variance(x);
        double varY = pair ? SampleStatistics.Variance(y) : 0;
        bool zeroX = n < 2 || varX == 0, zeroY = !pair || n < 2 || varY == 0;
        if (zeroX && zeroY) return (new double[n], pair ? new double[n] : null);

        int size = RadixTwoFft.NextPowerOfTwo(2 * n);
        var re = new double[size];
        var im = new double[size];
        if (!zeroX)
        {
            double meanX = SampleStatistics.Mean(x);
            for (int i = 0; i < n; i++) re[i] = x[i] - meanX;
        }
        if (!zeroY)
        {
            double meanY = SampleStatistics.Mean(y);
            for (int i = 0; i < n; i++) im[i] = y[i] - meanY;
        }
        RadixTwoFft.Transform(re, im, inverse: false);
        var powerX = new double[size];
        var powerY = new double[size];
        for (int k = 0; k < size; k++)
        {
            int mirror = (size - k) & (size - 1);
            double zr = re[k], zi = im[k], mr = re[mirror], mi = im[mirror];
            double xr = 0.5 * (zr + mr), xi = 0.5 * (zi - mi);      // F(x)_k
            double yr = 0.5 * (zi + mi), yi = 0.5 * (mr - zr);      // F(y)_k
            powerX[k] = xr * xr + xi * xi;
            powerY[k] = yr * yr + yi * yi;
        }
        RadixTwoFft.Transform(powerX, powerY, inverse: true);
        var first = zeroX ? new double[n] : Rescale(powerX, n, varX);
        double[]? second = pair ? (zeroY ? new double[n] : Rescale(powerY, n, varY)) : null;
        return (first, second);
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
