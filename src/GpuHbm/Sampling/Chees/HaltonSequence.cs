namespace GpuHbm.Sampling.Chees;

/// <summary>
/// The base-2 Halton (van der Corput) sequence used to jitter ChEES-HMC trajectory lengths
/// (Hoffman, Radul &amp; Sountsov 2021, §3; TFP's _halton_sequence and BlackJAX's halton_sequence,
/// which evaluate it at i + 1 so that the first value is 1/2 rather than 0).
/// </summary>
public static class HaltonSequence
{
    /// <summary>The radical inverse of i + 1 in base 2: bits of i + 1 mirrored about the binary point, in (0, 1).</summary>
    public static double At(long i)
    {
        ulong n = (ulong)(i + 1);
        double value = 0, weight = 0.5;
        while (n != 0)
        {
            if ((n & 1) != 0) value += weight;
            weight *= 0.5;
            n >>= 1;
        }
        return value;
    }
}
