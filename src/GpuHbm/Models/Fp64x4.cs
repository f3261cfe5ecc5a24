using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using GpuHbm.Kernels;

namespace GpuHbm.Models;

/// <summary>
/// Four fp64 values (one Vector256) with the generic-math operators that the shared scalar formulas ask of their number
/// type (<see cref="GpuHbm.Kernels.FamilyTerms.Normal{T}"/>): Vector256 has the operators but not the System.Numerics
/// interfaces, so this wrapper lends them, and the selects and bit scaling of <see cref="IFloatLanes{T}"/> that the
/// branch-free likelihoods ask for (<see cref="GpuHbm.Kernels.FamilyTerms.BinomialLogit{T, TL}"/>). Each operator is the lane-wise IEEE operation, so every lane computes exactly
/// what the formula computes on one double.
/// </summary>
internal readonly struct Fp64x4(Vector256<double> value) :
    IAdditionOperators<Fp64x4, Fp64x4, Fp64x4>,
    ISubtractionOperators<Fp64x4, Fp64x4, Fp64x4>,
    IMultiplyOperators<Fp64x4, Fp64x4, Fp64x4>,
    IMultiplyOperators<Fp64x4, double, Fp64x4>,
    IDivisionOperators<Fp64x4, Fp64x4, Fp64x4>,
    IFloatLanes<Fp64x4>
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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Fp64x4 operator /(Fp64x4 left, Fp64x4 right) => new(left.Value / right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Fp64x4 Constant(double value) => new(Vector256.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Fp64x4 Abs(Fp64x4 x) => new(Vector256.Abs(x.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Fp64x4 SelectAtLeast(Fp64x4 x, Fp64x4 bound, Fp64x4 whenAtLeast, Fp64x4 otherwise) =>
        new(Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(x.Value, bound.Value), whenAtLeast.Value, otherwise.Value));

    /// <summary>
    /// y·2^k with 2^k's bits from k + 1.5·2^52 (<see cref="DeviceMath.RoundingShift"/>), whose low 12 bits hold k mod 4096 (AVX2 has no fp64-to-int64
    /// conversion): ((bits + 1023) &lt;&lt; 52) is the exponent field of 2^k for k in [−1022, 1023].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Fp64x4 ScaleByPowerOfTwo(Fp64x4 y, Fp64x4 k)
    {
        var bits = (k.Value + Vector256.Create(DeviceMath.RoundingShift)).AsInt64();
        var power = Vector256.ShiftLeft(bits + Vector256.Create(1023L), 52).AsDouble();
        return new(y.Value * power);
    }
}
