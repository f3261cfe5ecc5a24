using System.Runtime.CompilerServices;

// Namespace GpuHbm.Kernels, not GpuHbm.Kernels.Math: a namespace called Math would hide System.Math
// from every kernel file under GpuHbm.Kernels.
namespace GpuHbm.Kernels;

/// <summary>
/// Double-precision elementary functions written with arithmetic and bit operations only, so that
/// the same code runs as managed C#, on ILGPU's CPU accelerator (bit for bit), and compiled by ILGPU
/// to PTX or OpenCL C (where ILGPU's own <c>XMath</c> would use CORDIC approximations, off by up to
/// thousands of ulp for log, and has no log1p, expm1 or lgamma).
/// </summary>
/// <remarks>
/// <para>
/// The algorithms are those of fdlibm as kept in FreeBSD's msun (the versions in JuliaMath/openlibm):
/// Cody–Waite argument reduction with constants split so that every product with the reduction
/// integer is exact, then a minimax polynomial or rational approximation. Nothing depends on a fused
/// multiply–add: with contraction (ptxas may fuse <c>mul.f64</c> + <c>add.f64</c>) the exact products
/// stay exact and only the last bits of the polynomials can change. No lookup tables, so nothing
/// needs device constant memory. Outside arithmetic the code uses only <see cref="Math.Abs(double)"/>,
/// <see cref="double.IsNaN(double)"/>, <see cref="BitConverter"/>'s bit casts and conversions between double and
/// whole numbers, which ILGPU compiles to <c>abs.f64</c>, <c>testp.notanumber.f64</c>, register moves and
/// <c>cvt</c>.
/// </para>
/// <para>
/// Accuracy: each method's remarks give its domain and its largest error measured against a
/// 320-bit reference (tests/GpuHbm.Tests/Kernels/Math) over at least 100,000 points: below 1 ulp
/// for exp, expm1, log, log1p, sin and cos (fdlibm's bound), below 1.5 ulp for tanh, log1pexp
/// and lgamma of positive arguments.
/// Special values follow C99 Annex F (NaN in, NaN out; the documented values at ±∞, ±0 and poles).
/// </para>
/// </remarks>
public static partial class DeviceMath
{
    /// <summary>ln 2 split as in fdlibm: <c>Ln2Hi</c> has 32 significant bits, so k·Ln2Hi is exact for |k| &lt; 2^21.</summary>
    private const double Ln2Hi = 6.93147180369123816490e-01;   // 0x3fe62e42 fee00000
    private const double Ln2Lo = 1.90821492927058770002e-10;   // 0x3dea39ef 35793c76
    private const double InvLn2 = 1.44269504088896338700e+00;  // 0x3ff71547 652b82fe
    private const double TwoPow54 = 1.80143985094819840000e+16; // 0x43500000 00000000

    /// <summary>
    /// 1.5·2^52: adding and then subtracting it rounds a double of magnitude below 2^51 to the nearest whole number, and
    /// the sum's low mantissa bits hold that number in two's complement.
    /// </summary>
    public const double RoundingShift = 6755399441055744.0;  // 0x43380000 00000000

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int HighWord(double x) => (int)(BitConverter.DoubleToInt64Bits(x) >> 32);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint LowWord(double x) => (uint)BitConverter.DoubleToInt64Bits(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double FromWords(int high, uint low) =>
        BitConverter.Int64BitsToDouble(((long)high << 32) | low);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double WithHighWord(double x, int high) => FromWords(high, LowWord(x));

    /// <summary>2^k for −1022 ≤ k ≤ 1023, built from its bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static double PowerOfTwo(int k) => BitConverter.Int64BitsToDouble((long)(k + 1023) << 52);
}
