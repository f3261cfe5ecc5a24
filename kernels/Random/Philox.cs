using System.Runtime.CompilerServices;

namespace GpuHbm.Kernels;

/// <summary>
/// Philox4x32-10 (Salmon et al. 2011, "Parallel random numbers: as easy as 1, 2, 3"), the
/// counter-based generator of the Random123 library: one C# function that the managed samplers call
/// and the device kernels inline, so that both draw the same bits.
/// </summary>
/// <remarks>
/// Counter layout used throughout GpuHbm: c0 = index within the draw, c1 = iteration,
/// c2 = chain, c3 = <see cref="RandomPurpose"/>; key = the user's 64-bit seed (k0 low word, k1 high word).
/// Known-answer vectors from Random123's kat_vectors are pinned in the tests. Normals come by Box–Muller
/// from block index i: element 2i takes the cosine branch, 2i+1 the sine branch.
/// </remarks>
public static class Philox
{
    private const uint M0 = 0xD2511F53u, M1 = 0xCD9E8D57u, W0 = 0x9E3779B9u, W1 = 0xBB67AE85u;

    /// <summary>One Philox4x32-10 block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (uint X0, uint X1, uint X2, uint X3) Block(uint c0, uint c1, uint c2, uint c3, uint k0, uint k1)
    {
        for (int round = 0; round < 10; round++)
        {
            if (round > 0) { k0 += W0; k1 += W1; }
            ulong p0 = (ulong)M0 * c0;
            ulong p1 = (ulong)M1 * c2;
            uint hi0 = (uint)(p0 >> 32), lo0 = (uint)p0;
            uint hi1 = (uint)(p1 >> 32), lo1 = (uint)p1;
            (c0, c1, c2, c3) = (hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0);
        }
        return (c0, c1, c2, c3);
    }

    /// <summary>A double in the open interval (0, 1) with 53 random bits, from two words.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double ToOpenUnit(uint a, uint b) =>
        ((a >> 5) * 67108864.0 + (b >> 6) + 0.5) * (1.0 / 9007199254740992.0);

    /// <summary>Two uniforms on (0,1) for (seed, chain, iteration, purpose, index).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (double U0, double U1) Uniforms(ulong seed, uint chain, uint iteration, RandomPurpose purpose, uint index)
    {
        var (x0, x1, x2, x3) = Block(index, iteration, chain, (uint)purpose, (uint)seed, (uint)(seed >> 32));
        return (ToOpenUnit(x0, x1), ToOpenUnit(x2, x3));
    }

    /// <summary>One uniform on (0,1) (the first of the block at <paramref name="index"/>).</summary>
    public static double Uniform(ulong seed, uint chain, uint iteration, RandomPurpose purpose, uint index = 0) =>
        Uniforms(seed, chain, iteration, purpose, index).U0;

    /// <summary>
    /// The standard normals 2·<paramref name="index"/> (cosine branch) and 2·<paramref name="index"/> + 1
    /// (sine branch) of a Box–Muller stream: r = √(−2 log u0), t = 2π u1.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void NormalPair(ulong seed, uint chain, uint iteration, RandomPurpose purpose, uint index, out double z0, out double z1)
    {
        var (u0, u1) = Uniforms(seed, chain, iteration, purpose, index);
        double r = Math.Sqrt(-2.0 * DeviceMath.Log(u0));
        DeviceMath.SinCos(2.0 * Math.PI * u1, out double sin, out double cos);   // t = 2π u1 in [0, 2π)
        z0 = r * cos;
        z1 = r * sin;
    }

    /// <summary>
    /// Fills <paramref name="output"/> with standard normals by Box–Muller: element 2i and 2i+1 come
    /// from block index i (<see cref="NormalPair"/>).
    /// </summary>
    public static void Normals(ulong seed, uint chain, uint iteration, RandomPurpose purpose, Span<double> output)
    {
        for (int i = 0; i < output.Length; i += 2)
        {
            NormalPair(seed, chain, iteration, purpose, (uint)(i / 2), out double z0, out double z1);
            output[i] = z0;
            if (i + 1 < output.Length) output[i + 1] = z1;
        }
    }
}
