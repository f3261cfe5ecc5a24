using System.Runtime.CompilerServices;

namespace GpuHbm.Sampling;

/// <summary>What a random number is for: part of the counter, so that streams never overlap.</summary>
public enum RandomPurpose : uint
{
    Initialization = 1,
    Momentum = 2,
    TreeDirection = 3,
    MultinomialSelection = 4,
    StepJitter = 5,
    Simulation = 6,
    /// <summary>Momenta drawn by the initial step-size search (Stan's init_stepsize).</summary>
    StepSizeSearch = 7,
    /// <summary>Metropolis accept/reject uniforms (ChEES-HMC).</summary>
    MetropolisAcceptance = 8,
    /// <summary>Normals of the draws around each optimum that start the chains (<see cref="Initialization.EnsembleLbfgs.DrawAroundOptimum"/>).</summary>
    InitialDraw = 9,
}

/// <summary>
/// Philox4x32-10 (Salmon et al. 2011, "Parallel random numbers: as easy as 1, 2, 3"), the
/// counter-based generator of the Random123 library. The same function is written in
/// kernels/philox.h so that C# and device kernels produce the same bits.
/// </summary>
/// <remarks>
/// Counter layout used throughout GpuHbm: c0 = index within the draw, c1 = iteration,
/// c2 = chain, c3 = <see cref="RandomPurpose"/>; key = the user's 64-bit seed.
/// Known-answer vectors from Random123's kat_vectors are pinned in the tests.
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
    public static (double U0, double U1) Uniforms(ulong seed, uint chain, uint iteration, RandomPurpose purpose, uint index)
    {
        var (x0, x1, x2, x3) = Block(index, iteration, chain, (uint)purpose, (uint)seed, (uint)(seed >> 32));
        return (ToOpenUnit(x0, x1), ToOpenUnit(x2, x3));
    }

    /// <summary>One uniform on (0,1) (the first of the block at index 0).</summary>
    public static double Uniform(ulong seed, uint chain, uint iteration, RandomPurpose purpose, uint index = 0) =>
        Uniforms(seed, chain, iteration, purpose, index).U0;

    /// <summary>
    /// Fills <paramref name="output"/> with standard normals by Box–Muller: element 2i and 2i+1 come
    /// from block index i (cos and sin branches).
    /// </summary>
    public static void Normals(ulong seed, uint chain, uint iteration, RandomPurpose purpose, Span<double> output)
    {
        for (int i = 0; i < output.Length; i += 2)
        {
            var (u0, u1) = Uniforms(seed, chain, iteration, purpose, (uint)(i / 2));
            double r = Math.Sqrt(-2.0 * Math.Log(u0));
            double t = 2.0 * Math.PI * u1;
            output[i] = r * Math.Cos(t);
            if (i + 1 < output.Length) output[i + 1] = r * Math.Sin(t);
        }
    }
}
