using Xunit;

namespace GpuHbm.Tests.Compute;

/// <summary>Comparisons of device results with C# references.</summary>
internal static class Tolerance
{
    /// <summary>|actual - expected| ≤ relative × max(|expected|, scale) for every element; reports the worst index.</summary>
    public static void AllClose(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual, double relative, string what, double scale = 0)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double bound = relative * Math.Max(Math.Abs(expected[i]), scale);
            if (!(Math.Abs(actual[i] - expected[i]) <= bound))
                Assert.Fail($"{what}[{i}]: device {actual[i]:R}, C# {expected[i]:R}, difference {actual[i] - expected[i]:E3} exceeds {bound:E3}.");
        }
    }

    /// <summary>Distance in units in the last place between two doubles of the same sign.</summary>
    public static long Ulps(double a, double b)
    {
        if (a == b) return 0;
        long ia = BitConverter.DoubleToInt64Bits(a), ib = BitConverter.DoubleToInt64Bits(b);
        if ((ia < 0) != (ib < 0)) return long.MaxValue;
        return Math.Abs(ia - ib);
    }

    public static double[] RandomDoubles(Random rng, int n, double lo, double hi)
    {
        var x = new double[n];
        for (int i = 0; i < n; i++) x[i] = lo + (hi - lo) * rng.NextDouble();
        return x;
    }
}
