using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace GpuHbm.Models;

/// <summary>
/// Four fp64 values (one Vector256) with the generic-math operators that the shared scalar formulas ask of their number
/// type (<see cref="GpuHbm.Kernels.FamilyTerms.Normal{T}"/>): Vector256 has the operators but not the System.Numerics
/// interfaces, so this wrapper lends them. Each operator is the lane-wise IEEE operation, so every lane computes exactly
/// what the formula computes on one double.
/// </summary>
internal readonly struct Fp64x4(Vector256<double> value) :
    IAdditionOperators<Fp64x4, Fp64x4, Fp64x4>,
    ISubtractionOperators<Fp64x4, Fp64x4, Fp64x4>,
    IMultiplyOperators<Fp64x4, Fp64x4, Fp64x4>,
    IMultiplyOperators<Fp64x4, double, Fp64x4>
{
    public Vector256<double> Value { get; } = value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Fp64x4 operator +(Fp64x4 left, Fp64x4 right) => new(left.Value + right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Fp64x4 operator -(Fp64x4 left, Fp64x4 right) => new(left.Value - right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Fp64x4 operator *(Fp64x4 left, Fp64x4 right) => new(left.Value * right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Fp64x4 operator *(Fp64x4 left, double right) => new(left.Value * right);
}
