namespace GpuHbm.Diagnostics;

/// <summary>
/// Plain sample statistics computed the way R computes them: <c>mean</c> with a second
/// correction pass, <c>var</c>/<c>sd</c> with the n − 1 denominator, and <c>quantile</c> of
/// type 7 (R's default: linear interpolation between order statistics, Hyndman and Fan 1996).
/// </summary>
public static class SampleStatistics
{
    /// <summary>Arithmetic mean; like R's <c>mean</c>, refined by adding the mean of the residuals.</summary>
    public static double Mean(ReadOnlySpan<double> x)
    {
        if (x.Length == 0) return double.NaN;
        double sum = 0;
        foreach (double v in x) sum += v;
        double mean = sum / x.Length;
        if (!double.IsFinite(mean)) return mean;
        double correction = 0;
        foreach (double v in x) correction += v - mean;
        return mean + correction / x.Length;
    }

    /// <summary>Sample variance with denominator n − 1 (R's <c>var</c>); NaN for fewer than two values.</summary>
    public static double Variance(ReadOnlySpan<double> x)
    {
        if (x.Length < 2) return double.NaN;
        double mean = Mean(x);
        double ss = 0;
        foreach (double v in x) { double d = v - mean; ss += d * d; }
        return ss / (x.Length - 1);
    }

    /// <summary>Sample standard deviation with denominator n − 1 (R's <c>sd</c>).</summary>
    public static double StandardDeviation(ReadOnlySpan<double> x) => Math.Sqrt(Variance(x));

    /// <summary>Mean of all draws of all chains.</summary>
    public static double Mean(double[][] chains) => Mean(DrawsMatrix.Flatten(chains));

    /// <summary>Standard deviation (n − 1) of all draws of all chains pooled.</summary>
    public static double StandardDeviation(double[][] chains) => StandardDeviation(DrawsMatrix.Flatten(chains));

    /// <summary>
    /// Type-7 quantile of an ascending sorted sample, with R's arithmetic:
    /// index = 1 + (n − 1)p, lo = floor(index), h = index − lo, q = (1 − h) x[lo] + h x[lo + 1]
    /// (1-based), interpolating only when h &gt; 0 and the two order statistics differ.
    /// </summary>
    public static double QuantileOfSorted(ReadOnlySpan<double> sorted, double p)
    {
        if (p < 0 || p > 1 || double.IsNaN(p)) throw new ArgumentOutOfRangeException(nameof(p), p, "Probability must lie in [0, 1].");
        int n = sorted.Length;
        if (n == 0) return double.NaN;
        double index = 1 + Math.Max(n - 1, 0) * p;
        double lo = Math.Floor(index);
        double hi = Math.Ceiling(index);
        double q = sorted[(int)lo - 1];
        double xHi = sorted[(int)hi - 1];
        if (index > lo && xHi != q)
        {
            double h = index - lo;
            q = (1 - h) * q + h * xHi;
        }
        return q;
    }

    /// <summary>
    /// Type-7 quantile (R's <c>quantile(x, p)</c> default) of an unsorted sample; NaN when a
    /// value is NaN (posterior's <c>quantile2</c> with na.rm = FALSE).
    /// </summary>
    public static double Quantile(ReadOnlySpan<double> x, double p)
    {
        if (HasNaN(x)) return double.NaN;
        var sorted = x.ToArray();
        Array.Sort(sorted);
        return QuantileOfSorted(sorted, p);
    }

    /// <summary>Type-7 quantile of all draws of all chains pooled; NaN when a draw is NaN.</summary>
    public static double Quantile(double[][] chains, double p)
    {
        DrawsMatrix.Validate(chains);
        return Quantile(DrawsMatrix.Flatten(chains), p);
    }

    private static bool HasNaN(ReadOnlySpan<double> x)
    {
        foreach (double v in x) if (double.IsNaN(v)) return true;
        return false;
    }

    /// <summary>Median (type-7 quantile at 1/2, equal to R's <c>median</c>) of a sorted sample.</summary>
    public static double MedianOfSorted(ReadOnlySpan<double> sorted)
    {
        int n = sorted.Length;
        if (n == 0) return double.NaN;
        int half = n / 2;
        return n % 2 == 1 ? sorted[half] : (sorted[half - 1] + sorted[half]) / 2;
    }
}
