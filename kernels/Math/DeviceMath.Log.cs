using System.Numerics;
using System.Runtime.CompilerServices;

namespace GpuHbm.Kernels;

public static partial class DeviceMath
{
    // fdlibm e_log.c / s_log1p.c (Sun Microsystems 1993; FreeBSD msun): Remez polynomial for
    // R(s) with log(1+f) = 2s + s·R, s = f/(2+f) on [0, 0.1716], error below 2^-58.45.
    private const double Lg1 = 6.666666666666735130e-01;  // 3FE55555 55555593
    private const double Lg2 = 3.999999999940941908e-01;  // 3FD99999 9997FA04
    private const double Lg3 = 2.857142874366239149e-01;  // 3FD24924 94229359
    private const double Lg4 = 2.222219843214978396e-01;  // 3FCC71C5 1D8E78AF
    private const double Lg5 = 1.818357216161805012e-01;  // 3FC74664 96CB03DE
    private const double Lg6 = 1.531383769920937332e-01;  // 3FC39A09 D078C69F
    private const double Lg7 = 1.479819860511658591e-01;  // 3FC2F112 DF3E5244

    /// <summary>Natural logarithm.</summary>
    /// <remarks>
    /// fdlibm's e_log.c: x = 2^k·(1+f) with √2/2 &lt; 1+f &lt; √2, log(1+f) from the series in
    /// s = f/(2+f) with a degree-14 Remez polynomial, then k·ln2 in two parts. Domain: all doubles
    /// (subnormals scaled by 2^54 first); log(±0) = −∞, log(x &lt; 0) = NaN, log(+∞) = +∞. Max error
    /// 0.86 ulp.
    /// </remarks>
    public static double Log(double x) => LogWithTail(x, out _);

    /// <summary>
    /// log x as <c>head + tail</c>: the head is <see cref="Log(double)"/> bit for bit, the tail its
    /// rounding error to within about 2^-56·|head| (what lgamma needs where log x is a large part
    /// of a smaller result).
    /// </summary>
    /// <remarks>
    /// fdlibm computes log x = k·ln2hi + (f − q) with k·ln2hi exact; the rounding of f − q is recovered
    /// by Knuth's TwoSum and that of the final sum by Dekker's Fast2Sum (|k·ln2hi| ≥ |f − q| when
    /// k ≠ 0), with additions only, so that contraction into fused multiply–adds cannot change them.
    /// </remarks>
    internal static double LogWithTail(double x, out double tail)
    {
        tail = 0;
        int hx = HighWord(x);
        uint lx = LowWord(x);
        int k = 0;
        if (hx < 0x00100000)
        {
            // x < 2^-1022: zero, negative or subnormal.
            if (((hx & 0x7fffffff) | (int)lx) == 0) return double.NegativeInfinity;
            if (hx < 0) return double.NaN;
            k -= 54;
            x *= TwoPow54;
            hx = HighWord(x);
        }
        if (hx >= 0x7ff00000) return x + x;
        k += (hx >> 20) - 1023;
        hx &= 0x000fffff;
        int i = (hx + 0x95f64) & 0x100000;
        x = WithHighWord(x, hx | (i ^ 0x3ff00000));  // normalize x or x/2 into [√2/2, √2)
        k += i >> 20;
        double f = x - 1.0;
        double dk = k;
        double q;  // log x = k·ln2hi + (f − q)
        if ((0x000fffff & (2 + hx)) < 3)
        {
            // −2^-20 ≤ f < 2^-20
            if (f == 0.0)
            {
                if (k == 0) return 0.0;
                double head0 = dk * Ln2Hi + dk * Ln2Lo;
                tail = (dk * Ln2Hi - head0) + dk * Ln2Lo;
                return head0;
            }
            q = f * f * (0.5 - 0.33333333333333333 * f) - dk * Ln2Lo;
        }
        else
        {
            double s = f / (2.0 + f);
            double z = s * s;
            int i1 = hx - 0x6147a;
            double w = z * z;
            int j = 0x6b851 - hx;
            double t1 = w * (Lg2 + w * (Lg4 + w * Lg6));
            double t2 = z * (Lg1 + w * (Lg3 + w * (Lg5 + w * Lg7)));
            double big = t2 + t1;
            if ((i1 | j) > 0)
            {
                double hfsq = 0.5 * f * f;
                q = hfsq - (s * (hfsq + big) + dk * Ln2Lo);
            }
            else
            {
                q = s * (f - big) - dk * Ln2Lo;
            }
        }
        double b = f - q;
        double bv = b - f;  // Knuth's TwoSum: f − q = b + ((f − (b − bv)) + (−q − bv)) exactly
        double a = dk * Ln2Hi;  // exact; 0 when k = 0
        double head = a + b;
        tail = ((a - head) + b) + ((f - (b - bv)) + (-q - bv));
        return head;
    }

    /// <summary>The bound between s_log1p.c's two cases for x ≥ 0 (its high-word test hx &lt; 0x3FDA827A): just above √2 − 1.</summary>
    private const double Log1pReduceBound = 0.4142136573791504;  // 0x3FDA827A 00000000

    /// <summary>
    /// log(1 + x) for 0 ≤ x ≤ 1 with no branch (one formula for every lane): <see cref="Log1p"/> there, and the
    /// logistic likelihoods' log(1 + e^−|η|). Max error below 1 ulp (the same bound as <see cref="Log1p"/>).
    /// </summary>
    /// <remarks>
    /// s_log1p.c's two cases for x ≥ 0 as selects: below <see cref="Log1pReduceBound"/>, 1 + f = 1 + x (k = 0, c = 0);
    /// above, 1 + x = 2·(1 + f) with f = (1 + x)/2 − 1 (k = 1) and c = (x − ((1 + x) − 1))/(1 + x) the rounding error
    /// of 1 + x. Then s = f/(2 + f) and log(1 + f) = f − (f²/2 − s·(f²/2 + R(s²))), plus k·ln2 and c, in fdlibm's
    /// order: with k = 0 the expression is fdlibm's k = 0 return exactly. fdlibm's own shortcuts for |x| &lt; 2^-29 and
    /// |f| &lt; 2^-20 are left out: the series is accurate there too.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Log1pUnit<T, TL>(T x)
        where T : IAdditionOperators<T, T, T>, ISubtractionOperators<T, T, T>, IMultiplyOperators<T, T, T>, IDivisionOperators<T, T, T>
        where TL : IFloatLanes<T>
    {
        T one = TL.Constant(1.0), zero = TL.Constant(0.0), bound = TL.Constant(Log1pReduceBound);
        T u = one + x;
        T f = TL.SelectAtLeast(x, bound, u * TL.Constant(0.5) - one, x);  // (1+x)/2 − 1 is exact
        T k = TL.SelectAtLeast(x, bound, one, zero);
        T c = TL.SelectAtLeast(x, bound, (x - (u - one)) / u, zero);
        T hfsq = TL.Constant(0.5) * f * f;
        T s = f / (TL.Constant(2.0) + f);
        T z = s * s;
        T r = z * (TL.Constant(Lg1) + z * (TL.Constant(Lg2) + z * (TL.Constant(Lg3) + z * (TL.Constant(Lg4)
            + z * (TL.Constant(Lg5) + z * (TL.Constant(Lg6) + z * TL.Constant(Lg7)))))));
        return k * TL.Constant(Ln2Hi) - ((hfsq - (s * (hfsq + r) + (k * TL.Constant(Ln2Lo) + c))) - f);
    }

    /// <summary>log(1 + x), accurate also for small |x|.</summary>
    /// <remarks>
    /// fdlibm's s_log1p.c: 1 + x = 2^k·(1+f) with the rounding error of 1 + x carried as a correction
    /// c/u, then the series of <see cref="Log"/>. Domain: x ≥ −1; log1p(−1) = −∞, NaN below −1,
    /// log1p(±0) = ±0, log1p(+∞) = +∞. Max error 0.77 ulp.
    /// </remarks>
    public static double Log1p(double x)
    {
        if (x > 0.0 && x <= 1.0) return Log1pUnit<double, Fp64Lane>(x);
        int hx = HighWord(x);
        int ax = hx & 0x7fffffff;
        int k = 1;
        double f = 0, c = 0;
        int hu = 0;
        if (hx < 0x3FDA827A)
        {
            // 1 + x < √2 (or x negative)
            if (ax >= 0x3ff00000)
            {
                // x ≤ −1
                if (x == -1.0) return double.NegativeInfinity;
                return double.NaN;
            }
            if (ax < 0x3e200000)
            {
                // |x| < 2^-29
                if (ax < 0x3c900000) return x;  // |x| < 2^-54
                return x - x * x * 0.5;
            }
            if (hx > 0 || hx <= unchecked((int)0xbfd2bec4))
            {
                // √2/2 − 1 ≤ x < √2 − 1: f = x exactly
                k = 0;
                f = x;
                hu = 1;
            }
        }
        if (hx >= 0x7ff00000) return x + x;
        if (k != 0)
        {
            double u;
            if (hx < 0x43400000)
            {
                u = 1.0 + x;
                hu = HighWord(u);
                k = (hu >> 20) - 1023;
                c = k > 0 ? 1.0 - (u - x) : x - (u - 1.0);  // rounding error of 1 + x
                c /= u;
            }
            else
            {
                u = x;
                hu = HighWord(u);
                k = (hu >> 20) - 1023;
                c = 0;
            }
            hu &= 0x000fffff;
            if (hu < 0x6a09e)
            {
                u = WithHighWord(u, hu | 0x3ff00000);  // normalize u
            }
            else
            {
                k += 1;
                u = WithHighWord(u, hu | 0x3fe00000);  // normalize u/2
                hu = (0x00100000 - hu) >> 2;
            }
            f = u - 1.0;
        }
        double hfsq = 0.5 * f * f;
        double dk = k;
        if (hu == 0)
        {
            // |f| < 2^-20
            if (f == 0.0)
            {
                if (k == 0) return 0.0;
                c += dk * Ln2Lo;
                return dk * Ln2Hi + c;
            }
            double r0 = hfsq * (1.0 - 0.66666666666666666 * f);
            if (k == 0) return f - r0;
            return dk * Ln2Hi - ((r0 - (dk * Ln2Lo + c)) - f);
        }
        double s = f / (2.0 + f);
        double z = s * s;
        double r = z * (Lg1 + z * (Lg2 + z * (Lg3 + z * (Lg4 + z * (Lg5 + z * (Lg6 + z * Lg7))))));
        if (k == 0) return f - (hfsq - s * (hfsq + r));
        return dk * Ln2Hi - ((hfsq - (s * (hfsq + r) + (dk * Ln2Lo + c))) - f);
    }

    /// <summary>log(1 + e^x) (softplus), without overflow for large x and without loss for very negative x.</summary>
    /// <remarks>
    /// The branches of Mächler (2012), "Accurately computing log(1 − exp(−|a|))", Rmpfr vignette,
    /// eq. (10): e^x for x ≤ −37, log1p(e^x) up to 18, x + e^−x up to 33.3, then x. The binomial and
    /// Bernoulli logit likelihoods and the CPC transform's log(1 − tanh²) need it. Domain: all doubles;
    /// log1pexp(−∞) = 0, log1pexp(+∞) = +∞, NaN → NaN. Max error 1.41 ulp (the errors of exp and
    /// log1p add up where e^x is near 1/4).
    /// </remarks>
    public static double Log1pExp(double x)
    {
        if (x <= -37.0) return Exp(x);
        if (x <= 18.0) return Log1p(Exp(x));
        if (x <= 33.3) return x + Exp(-x);
        return x;
    }
}
