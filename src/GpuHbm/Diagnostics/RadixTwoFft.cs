using System.Collections.Concurrent;

namespace GpuHbm.Diagnostics;

/// <summary>
/// In-place iterative radix-2 Cooley–Tukey FFT on separate real and imaginary arrays whose
/// length is a power of two. Unnormalized in both directions (like R's <c>fft</c>).
/// </summary>
internal static class RadixTwoFft
{
    /// <summary>cos and sin of 2πj/n for j &lt; n/2, per size; each entry from Math.Cos/Math.Sin directly.</summary>
    private static readonly ConcurrentDictionary<int, (double[] Cos, double[] Sin)> Twiddles = new();

    /// <summary>Smallest power of two that is at least <paramref name="n"/>.</summary>
    public static int NextPowerOfTwo(int n)
    {
        int size = 1;
        while (size < n) size <<= 1;
        return size;
    }

    /// <summary>Forward (sign −1) or inverse (sign +1) transform, without the 1/n factor.</summary>
    public static void Transform(double[] re, double[] im, bool inverse)
    {
        int n = re.Length;
        if (n != im.Length || (n & (n - 1)) != 0) throw new ArgumentException("Length must be a power of two.");
        if (n == 1) return;

        // Bit-reversal permutation.
        for (int i = 1, j = 0; i < n; i++)
        {
            int bit = n >> 1;
            for (; (j & bit) != 0; bit >>= 1) j ^= bit;
            j ^= bit;
            if (i < j)
            {
                (re[i], re[j]) = (re[j], re[i]);
                (im[i], im[j]) = (im[j], im[i]);
            }
        }

        var (cos, sin) = Twiddles.GetOrAdd(n, BuildTwiddles);
        double sign = inverse ? 1.0 : -1.0;
        for (int len = 2; len <= n; len <<= 1)
        {
            int half = len >> 1;
            int stride = n / len;
            for (int k = 0; k < half; k++)
            {
                double wr = cos[k * stride], wi = sign * sin[k * stride];
                for (int start = 0; start < n; start += len)
                {
                    int a = start + k, b = a + half;
                    double tr = re[b] * wr - im[b] * wi;
                    double ti = re[b] * wi + im[b] * wr;
                    re[b] = re[a] - tr; im[b] = im[a] - ti;
                    re[a] += tr; im[a] += ti;
                }
            }
        }
    }

    private static (double[] Cos, double[] Sin) BuildTwiddles(int n)
    {
        var cos = new double[n / 2];
        var sin = new double[n / 2];
        for (int j = 0; j < n / 2; j++)
        {
            double angle = 2.0 * Math.PI * j / n;
            cos[j] = Math.Cos(angle);
            sin[j] = Math.Sin(angle);
        }
        return (cos, sin);
    }
}
