using System.Numerics;
using System.Runtime.CompilerServices;

namespace GpuHbm.Kernels;

/// <summary>
/// What a branch-free fp64 formula asks of its number type beyond + − × ÷: one double (<see cref="Fp64Lane"/>, in the
/// kernels and the scalar row loops) or several rows at once (the managed SIMD row loop's four-lane type). Every
/// operation is lane-wise and exact or IEEE-rounded, so each lane computes bit for bit what the formula computes on one
/// double. Comparisons become selects, so there are no branches to mispredict and the vector lanes stay together.
/// </summary>
/// <typeparam name="T">The number type: <c>double</c> or a vector of doubles.</typeparam>
public interface IFloatLanes<T>
    where T : IAdditionOperators<T, T, T>, ISubtractionOperators<T, T, T>, IMultiplyOperators<T, T, T>, IDivisionOperators<T, T, T>
{
    /// <summary><paramref name="value"/> in every lane.</summary>
    static abstract T Constant(double value);

    /// <summary>|x| lane-wise.</summary>
    static abstract T Abs(T x);

    /// <summary>Lane-wise x ≥ bound ? whenAtLeast : otherwise (NaN compares false).</summary>
    static abstract T SelectAtLeast(T x, T bound, T whenAtLeast, T otherwise);

    /// <summary>
    /// y·2^k for lanes of <paramref name="k"/> that hold whole numbers in [−1022, 1023] (2^k built from its bits, so the
    /// product is y·2^k rounded once).
    /// </summary>
    static abstract T ScaleByPowerOfTwo(T y, T k);
}

/// <summary>One double: <see cref="IFloatLanes{T}"/> for the kernels and every scalar loop.</summary>
public readonly struct Fp64Lane : IFloatLanes<double>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Constant(double value) => value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Abs(double x) => Math.Abs(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double SelectAtLeast(double x, double bound, double whenAtLeast, double otherwise) =>
        x >= bound ? whenAtLeast : otherwise;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double ScaleByPowerOfTwo(double y, double k) => y * DeviceMath.PowerOfTwo((int)k);
}
