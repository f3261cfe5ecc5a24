namespace GpuHbm.Tests.Kernels;

/// <summary>
/// Seeded test arguments for the fp64 functions: each function's points are a fixed mixture of
/// ranges (the ranges the models use, the whole domain, and the regions where an algorithm switches
/// or cancels), the same on every run.
/// </summary>
internal static class MathSamples
{
    /// <summary>Points per function in the accuracy tests.</summary>
    public const int Count = 100_000;

    /// <summary>A draw from one range.</summary>
    public delegate double Sampler(Random rng);

    /// <summary>Uniform on (lo, hi].</summary>
    public static Sampler Uniform(double lo, double hi) => rng => lo + (hi - lo) * (1 - rng.NextDouble());

    /// <summary>±m·2^e with m uniform on [1, 2) and e uniform on [lowExponent, highExponent] (subnormals where e &lt; −1022).</summary>
    public static Sampler LogUniform(int lowExponent, int highExponent, bool bothSigns = false) => rng =>
    {
        double m = 1 + rng.NextDouble();
        int e = rng.Next(lowExponent, highExponent + 1);
        double x = e < -1022 ? Math.ScaleB(Math.ScaleB(m, e + 60), -60) : Math.ScaleB(m, e);
        return bothSigns && rng.Next(2) == 0 ? -x : x;
    };

    /// <summary>k / 2 for a whole k in [1, 2·max]: the arguments of log-factorials and Student-t constants.</summary>
    public static Sampler HalfIntegers(int max) => rng => rng.Next(1, 2 * max + 1) / 2.0;

    /// <summary>
    /// <see cref="Count"/> points from the weighted mixture, then <paramref name="edges"/> (specific
    /// arguments: thresholds where the algorithm switches, and their neighbours).
    /// </summary>
    public static double[] Draw(int seed, (double Weight, Sampler Sampler)[] mixture, params double[] edges)
    {
        var rng = new Random(seed);
        double total = mixture.Sum(m => m.Weight);
        var x = new double[Count + edges.Length];
        for (int i = 0; i < Count; i++)
        {
            double u = rng.NextDouble() * total;
            int j = 0;
            while (j < mixture.Length - 1 && u >= mixture[j].Weight) u -= mixture[j++].Weight;
            x[i] = mixture[j].Sampler(rng);
        }
        edges.CopyTo(x, Count);
        return x;
    }

    /// <summary>The double itself and its two neighbours, for each argument.</summary>
    public static double[] WithNeighbours(params double[] points) =>
        points.SelectMany(p => new[] { Math.BitDecrement(p), p, Math.BitIncrement(p) }).ToArray();
}
