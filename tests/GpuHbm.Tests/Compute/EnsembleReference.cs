using GpuHbm.Kernels;
using GpuHbm.Sampling;

namespace GpuHbm.Tests.Compute;

/// <summary>
/// Plain C# loops that say what each kernel of kernels/ensemble.cl computes, in the same
/// floating-point operation order, for comparison with the device.
/// </summary>
internal static class EnsembleReference
{
    /// <summary>The element of a metric vector given as D (shared) or C × D (per chain) values.</summary>
    private static double Metric(double[] m, int c, int d, int dimension) => m.Length == dimension ? m[d] : m[c * dimension + d];

    public static double[] MomentumDraw(int chains, int dimension, double[] mass, ulong seed, uint iteration, uint firstChain)
    {
        var p = new double[chains * dimension];
        var z = new double[dimension];
        for (int c = 0; c < chains; c++)
        {
            Philox.Normals(seed, firstChain + (uint)c, iteration, RandomPurpose.Momentum, z);
            for (int d = 0; d < dimension; d++) p[c * dimension + d] = Math.Sqrt(Metric(mass, c, d, dimension)) * z[d];
        }
        return p;
    }

    public static void StepPositions(int chains, int dimension, double[] q, double[] p, double[] minv, double[] eps, int[] active)
    {
        for (int c = 0; c < chains; c++)
        {
            if (active[c] == 0) continue;
            for (int d = 0; d < dimension; d++)
            {
                int i = c * dimension + d;
                q[i] = q[i] + eps[c] * Metric(minv, c, d, dimension) * p[i];
            }
        }
    }

    public static void StepMomenta(int chains, int dimension, double[] p, double[] g, double scale, double[] eps, int[] active)
    {
        for (int c = 0; c < chains; c++)
        {
            if (active[c] == 0) continue;
            for (int d = 0; d < dimension; d++)
            {
                int i = c * dimension + d;
                p[i] = p[i] + (scale * eps[c]) * g[i];
            }
        }
    }

    /// <summary>The device's summation order: G strided partial sums, then a halving tree.</summary>
    public static double[] ChainDotTree(int chains, int dimension, double[] a, double[] w, double[] b, int groupSize)
    {
        var result = new double[chains];
        var partial = new double[groupSize];
        for (int c = 0; c < chains; c++)
        {
            for (int t = 0; t < groupSize; t++)
            {
                double acc = 0.0;
                for (int d = t; d < dimension; d += groupSize)
                    acc = acc + a[c * dimension + d] * Metric(w, c, d, dimension) * b[c * dimension + d];
                partial[t] = acc;
            }
            for (int s = groupSize / 2; s > 0; s >>= 1)
                for (int t = 0; t < s; t++) partial[t] = partial[t] + partial[t + s];
            result[c] = partial[0];
        }
        return result;
    }

    /// <summary>Left-to-right sum, and the sum of absolute terms (the scale for a relative tolerance).</summary>
    public static (double Sum, double AbsSum) ChainDotSequential(int c, int dimension, double[] a, double[] w, double[] b)
    {
        double sum = 0, abs = 0;
        for (int d = 0; d < dimension; d++)
        {
            double term = a[c * dimension + d] * Metric(w, c, d, dimension) * b[c * dimension + d];
            sum += term;
            abs += Math.Abs(term);
        }
        return (sum, abs);
    }

    public static double[] MaskedSelect(int chains, int dimension, int[] mask, double[] a, double[] b)
    {
        var dst = new double[chains * dimension];
        for (int c = 0; c < chains; c++)
            for (int d = 0; d < dimension; d++)
                dst[c * dimension + d] = mask[c] != 0 ? a[c * dimension + d] : b[c * dimension + d];
        return dst;
    }
}
