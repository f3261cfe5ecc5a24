using System.Numerics;
using System.Runtime.CompilerServices;

namespace GpuHbm.Kernels;

public static partial class DeviceMath
{
    // fdlibm e_exp.c (Sun Microsystems 2004; FreeBSD msun src/e_exp.c 1.14): Remez polynomial for
    // R(r²) = r·(e^r + 1)/(e^r − 1) on [0, 0.34658], error below 2^-59.
    private const double ExpP1 = 1.66666666666666019037e-01;  // 0x3FC55555 5555553E
    private const double ExpP2 = -2.77777777770155933842e-03; // 0xBF66C16C 16BEBD93
    private const double ExpP3 = 6.61375632143793436117e-05;  // 0x3F11566A AF25DE2C
    private const double ExpP4 = -1.65339022054652515390e-06; // 0xBEBBBD41 C5D26BF1
    private const double ExpP5 = 4.13813679705723846039e-08;  // 0x3E663769 72BEA4D0
    private const double ExpOverflow = 7.09782712893383973096e+02;   // 0x40862E42 FEFA39EF
    private const double ExpUnderflow = -7.45133219101941108420e+02; // 0xc0874910 D52D3051
    private const double TwoPowMinus1000 = 9.33263618503218878990e-302;  // 2^-1000
    private const double TwoPow1023 = 8.98846567431157953865e+307;     // 2^1023

    /// <summary>e^x.</summary>
    /// <remarks>
    /// fdlibm's e_exp.c: x = k·ln2 + r with |r| ≤ ln2/2 (Cody–Waite, r = hi − lo), e^r from a degree-5
    /// Remez polynomial in r², then scaling by 2^k from its bits. Domain: all doubles; +∞ above
    /// 709.78, +0 below −745.13, subnormal results in between, e^±∞ = +∞/0, NaN → NaN. Max error 0.84 ulp
    /// (100,000 points over the whole domain).
    /// </remarks>
    public static double Exp(double x)
    {
        int hx = HighWord(x);
        hx &= 0x7fffffff;

        if (hx >= 0x40862E42)
        {
            // |x| ≥ 709.78…: NaN, ±∞, overflow or underflow.
            if (double.IsNaN(x)) return x + x;
            if (x > ExpOverflow) return double.PositiveInfinity;
            if (x < ExpUnderflow) return 0.0;
        }
        // fdlibm gives 2.7182818284590455 for e^1; the correctly rounded value is nicer for this argument.
        if (x == 1.0) return 2.718281828459045235360;
        if (hx < 0x3e300000) return 1.0 + x;  // |x| < 2^-28

        double y = ExpReduced<double, Fp64Lane>(x, out double dk);
        int k = (int)dk;
        if (k >= -1021)
        {
            if (k == 1024) return y * 2.0 * TwoPow1023;
            return y * PowerOfTwo(k);
        }
        return y * PowerOfTwo(k + 1000) * TwoPowMinus1000;
    }

    /// <summary>The bound of <see cref="ExpClamped{T, TL}"/>: e^±708 and 2^k for k = ±1022 are normal numbers.</summary>
    public const double ExpClampBound = 708.0;

    /// <summary>
    /// fdlibm's e^x without its branches, for |x| ≤ 709.79 (k ≤ 1024): e^x = y·2^<paramref name="k"/>, returned y in [√2/2, √2].
    /// x = k·ln2 + r with k the nearest whole number to x/ln2 and r = hi − lo (Cody–Waite: k·Ln2Hi is exact), then
    /// y = 1 − ((lo − r·c/(2 − c)) − hi) with c from the degree-5 Remez polynomial. For k = 0 this is fdlibm's
    /// 1 − (r·c/(c − 2) − r) exactly, so the result is fdlibm's wherever both choose the same k.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static T ExpReduced<T, TL>(T x, out T k)
        where T : IAdditionOperators<T, T, T>, ISubtractionOperators<T, T, T>, IMultiplyOperators<T, T, T>, IDivisionOperators<T, T, T>
        where TL : IFloatLanes<T>
    {
        T shift = TL.Constant(RoundingShift);
        k = (x * TL.Constant(InvLn2) + shift) - shift;
        T hi = x - k * TL.Constant(Ln2Hi);  // exact
        T lo = k * TL.Constant(Ln2Lo);
        T r = hi - lo;
        T z = r * r;
        T c = r - z * (TL.Constant(ExpP1) + z * (TL.Constant(ExpP2) + z * (TL.Constant(ExpP3) + z * (TL.Constant(ExpP4) + z * TL.Constant(ExpP5)))));
        T two = TL.Constant(2.0);
        return TL.Constant(1.0) - ((lo - (r * c) / (two - c)) - hi);
    }

    /// <summary>
    /// e^x for |x| ≤ 708 with no branch (one formula for every lane): <see cref="Exp"/>'s arithmetic for those x, except
    /// at x = 1 (fdlibm's 2.7182818284590455, where Exp returns the correctly rounded e) and |x| &lt; 2^-28 (Exp's 1 + x). Outside,
    /// x is first clamped to ±708, so e^x saturates at e^±708 (about 3·10^±307) instead of reaching 0 or ∞; NaN stays NaN.
    /// Max error 0.84 ulp, as <see cref="Exp"/>.
    /// </summary>
    /// <remarks>The row likelihoods call it with x = −|η| (the logistic) and x = η (the Poisson mean).</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T ExpClamped<T, TL>(T x)
        where T : IAdditionOperators<T, T, T>, ISubtractionOperators<T, T, T>, IMultiplyOperators<T, T, T>, IDivisionOperators<T, T, T>
        where TL : IFloatLanes<T>
    {
        T low = TL.Constant(-ExpClampBound), high = TL.Constant(ExpClampBound);
        x = TL.SelectAtLeast(low, x, low, x);    // x ≤ −708 → −708 (NaN compares false and stays)
        x = TL.SelectAtLeast(x, high, high, x);  // x ≥ 708 → 708
        T y = ExpReduced<T, TL>(x, out T k);
        return TL.ScaleByPowerOfTwo(y, k);
    }

    /// <summary>
    /// fdlibm's argument reduction of s_expm1.c (e_exp.c's is the same; <see cref="ExpReduced{T, TL}"/> rounds instead of branching), for |x| &gt; ln2/2 (high word
    /// <paramref name="hx"/> without the sign): x = k·ln2 + (hi − lo) with hi − t·Ln2Hi exact.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ReduceByLn2(double x, int hx, int negative, out double hi, out double lo)
    {
        if (hx < 0x3FF0A2B2)
        {
            // |x| < 1.5·ln2: k = ±1.
            if (negative == 0) { hi = x - Ln2Hi; lo = Ln2Lo; return 1; }
            hi = x + Ln2Hi; lo = -Ln2Lo; return -1;
        }
        int k = (int)(InvLn2 * x + (negative == 0 ? 0.5 : -0.5));
        double t = k;
        hi = x - t * Ln2Hi;  // exact
        lo = t * Ln2Lo;
        return k;
    }

    // fdlibm s_expm1.c (Sun Microsystems 1993; FreeBSD msun src/s_expm1.c): scaled Q's for the
    // rational approximation of e^r − 1 on [0, 0.34658], error below 2^-61.
    private const double Expm1Q1 = -3.33333333333331316428e-02; // BFA11111 111110F4
    private const double Expm1Q2 = 1.58730158725481460165e-03;  // 3F5A01A0 19FE5585
    private const double Expm1Q3 = -7.93650757867487942473e-05; // BF14CE19 9EAADBB7
    private const double Expm1Q4 = 4.00821782732936239552e-06;  // 3ED0CFCA 86E65239
    private const double Expm1Q5 = -2.01099218183624371326e-07; // BE8AFDB7 6E09C32D

    /// <summary>e^x − 1, accurate also where e^x is close to 1.</summary>
    /// <remarks>
    /// fdlibm's s_expm1.c: the same reduction as <see cref="Exp"/> with the correction term of
    /// r = hi − lo carried, and a rational approximation of e^r − 1 in r²/2. Domain: all doubles;
    /// −1 below −38.1 (56·ln2), +∞ above 709.78, expm1(±0) = ±0, NaN → NaN. Max error 0.77 ulp.
    /// </remarks>
    public static double Expm1(double x)
    {
        int hx = HighWord(x);
        int negative = hx < 0 ? 1 : 0;
        hx &= 0x7fffffff;

        if (hx >= 0x4043687A)
        {
            // |x| ≥ 56·ln2.
            if (double.IsNaN(x)) return x + x;
            if (hx >= 0x40862E42 && x > ExpOverflow) return double.PositiveInfinity;
            if (negative != 0) return -1.0;
        }

        double hi, lo, c = 0;
        int k;
        if (hx > 0x3fd62e42)
        {
            k = ReduceByLn2(x, hx, negative, out hi, out lo);
            x = hi - lo;
            c = (hi - x) - lo;
        }
        else if (hx < 0x3c900000)
        {
            return x;  // |x| < 2^-54 (also ±0)
        }
        else
        {
            k = 0;
        }

        double hfx = 0.5 * x;
        double hxs = x * hfx;
        double r1 = 1.0 + hxs * (Expm1Q1 + hxs * (Expm1Q2 + hxs * (Expm1Q3 + hxs * (Expm1Q4 + hxs * Expm1Q5))));
        double tt = 3.0 - r1 * hfx;
        double e = hxs * ((r1 - tt) / (6.0 - x * tt));
        if (k == 0) return x - (x * e - hxs);

        e = x * (e - c) - c;
        e -= hxs;
        if (k == -1) return 0.5 * (x - e) - 0.5;
        if (k == 1)
        {
            if (x < -0.25) return -2.0 * (e - (x + 0.5));
            return 1.0 + 2.0 * (x - e);
        }
        if (k <= -2 || k > 56)
        {
            // e^x − 1 ≈ e^x: scale and subtract.
            double y = 1.0 - (e - x);
            y = k == 1024 ? y * 2.0 * TwoPow1023 : y * PowerOfTwo(k);
            return y - 1.0;
        }
        if (k < 20)
        {
            double t = FromWords(0x3ff00000 - (0x200000 >> k), 0);  // 1 − 2^-k
            return (t - (e - x)) * PowerOfTwo(k);
        }
        else
        {
            double t = FromWords((0x3ff - k) << 20, 0);  // 2^-k
            double y = x - (e + t);
            y += 1.0;
            return y * PowerOfTwo(k);
        }
    }
}
