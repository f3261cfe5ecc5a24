namespace GpuHbm.Kernels;

public static partial class DeviceMath
{
    // fdlibm k_sin.c (Sun Microsystems 1993; FreeBSD msun src/k_sin.c 1.11): sin on [−π/4, π/4],
    // degree-13 odd polynomial, relative error below 2^-58.
    private const double S1 = -1.66666666666666324348e-01; // 0xBFC55555 55555549
    private const double S2 = 8.33333333332248946124e-03;  // 0x3F811111 1110F8A6
    private const double S3 = -1.98412698298579493134e-04; // 0xBF2A01A0 19C161D5
    private const double S4 = 2.75573137070700676789e-06;  // 0x3EC71DE3 57B1FE7D
    private const double S5 = -2.50507602534068634195e-08; // 0xBE5AE5E6 8A2B9CEB
    private const double S6 = 1.58969099521155010221e-10;  // 0x3DE5D93A 5ACFD57C

    // fdlibm k_cos.c (FreeBSD msun src/k_cos.c): cos on [−π/4, π/4], error below 2^-58.
    private const double C1 = 4.16666666666666019037e-02;  // 0x3FA55555 5555554C
    private const double C2 = -1.38888888888741095749e-03; // 0xBF56C16C 16C15177
    private const double C3 = 2.48015872894767294178e-05;  // 0x3EFA01A0 19CB1590
    private const double C4 = -2.75573143513906633035e-07; // 0xBE927E4F 809C52AD
    private const double C5 = 2.08757232129817482790e-09;  // 0x3E21EE9E BDB4B1C4
    private const double C6 = -1.13596475577881948265e-11; // 0xBDA8FAE9 BE8838D4

    // fdlibm e_rem_pio2.c: 2/π and π/2 in three 33-bit parts with tails, so that n·PiOver2Part is
    // exact for |n| < 2^20.
    private const double InvPiOver2 = 6.36619772367581382433e-01; // 0x3FE45F30 6DC9C883
    private const double PiOver2Part1 = 1.57079632673412561417e+00;      // 0x3FF921FB 54400000
    private const double PiOver2Part1Tail = 6.07710050650619224932e-11;  // 0x3DD0B461 1A626331
    private const double PiOver2Part2 = 6.07710050630396597660e-11;      // 0x3DD0B461 1A600000
    private const double PiOver2Part2Tail = 2.02226624879595063154e-21;  // 0x3BA3198A 2E037073
    private const double PiOver2Part3 = 2.02226624871116645580e-21;      // 0x3BA3198A 2E000000
    private const double PiOver2Part3Tail = 8.47842766036889956997e-32;  // 0x397B839A 252049C1

    /// <summary>
    /// <see cref="Sin"/>, <see cref="Cos"/> and <see cref="SinCos"/> reduce |x| below this bound
    /// (0x413921FB 00000000, just under 2^20·π/2) exactly and return NaN at or above it.
    /// </summary>
    public const double TrigArgumentLimit = 1647099.0;

    /// <summary>sin x.</summary>
    /// <remarks>
    /// fdlibm's s_sin.c with the medium-size Cody–Waite reduction of e_rem_pio2.c (x = n·π/2 + y,
    /// y carried as head + tail, π/2 in up to three 33-bit parts). Domain: |x| &lt;
    /// <see cref="TrigArgumentLimit"/> (≈1.6e6); beyond it, and at ±∞, the result is NaN rather than an
    /// inaccurately reduced value (fdlibm's Payne–Hanek reduction for huge arguments needs a 2/π table,
    /// and no model reaches such arguments: Box–Muller uses [0, 2π)). sin(±0) = ±0. Max error 0.74 ulp.
    /// </remarks>
    public static double Sin(double x)
    {
        int ix = HighWord(x) & 0x7fffffff;
        if (ix <= 0x3fe921fb)
        {
            // |x| ≤ π/4
            if (ix < 0x3e500000) return x;  // |x| < 2^-26
            return KernelSin(x, 0.0, false);
        }
        int n = ReducePiOver2(x, out double y0, out double y1);
        switch (n & 3)
        {
            case 0: return KernelSin(y0, y1, true);
            case 1: return KernelCos(y0, y1);
            case 2: return -KernelSin(y0, y1, true);
            default: return -KernelCos(y0, y1);
        }
    }

    /// <summary>cos x.</summary>
    /// <remarks>fdlibm's s_cos.c; reduction, domain and NaN beyond it as in <see cref="Sin"/>. Max error 0.76 ulp.</remarks>
    public static double Cos(double x)
    {
        int ix = HighWord(x) & 0x7fffffff;
        if (ix <= 0x3fe921fb)
        {
            if (ix < 0x3e46a09e) return 1.0;  // |x| < 2^-27·√2
            return KernelCos(x, 0.0);
        }
        int n = ReducePiOver2(x, out double y0, out double y1);
        switch (n & 3)
        {
            case 0: return KernelCos(y0, y1);
            case 1: return -KernelSin(y0, y1, true);
            case 2: return -KernelCos(y0, y1);
            default: return KernelSin(y0, y1, true);
        }
    }

    /// <summary>sin x and cos x from one argument reduction (bitwise equal to <see cref="Sin"/> and <see cref="Cos"/>).</summary>
    public static void SinCos(double x, out double sin, out double cos)
    {
        int ix = HighWord(x) & 0x7fffffff;
        if (ix <= 0x3fe921fb)
        {
            sin = ix < 0x3e500000 ? x : KernelSin(x, 0.0, false);
            cos = ix < 0x3e46a09e ? 1.0 : KernelCos(x, 0.0);
            return;
        }
        int n = ReducePiOver2(x, out double y0, out double y1);
        double s = KernelSin(y0, y1, true), c = KernelCos(y0, y1);
        switch (n & 3)
        {
            case 0: sin = s; cos = c; break;
            case 1: sin = c; cos = -s; break;
            case 2: sin = -s; cos = -c; break;
            default: sin = -c; cos = s; break;
        }
    }

    /// <summary>
    /// fdlibm's __kernel_sin: sin(x + y) for |x| ≤ π/4, y the tail of x (ignored unless <paramref name="hasTail"/>).
    /// </summary>
    private static double KernelSin(double x, double y, bool hasTail)
    {
        double z = x * x;
        double w = z * z;
        double r = S2 + z * (S3 + z * S4) + z * w * (S5 + z * S6);
        double v = z * x;
        if (!hasTail) return x + v * (S1 + z * r);
        return x - ((z * (0.5 * y - v * r) - y) - v * S1);
    }

    /// <summary>fdlibm's __kernel_cos: cos(x + y) for |x| ≤ π/4, y the tail of x.</summary>
    private static double KernelCos(double x, double y)
    {
        double z = x * x;
        double w = z * z;
        double r = z * (C1 + z * (C2 + z * C3)) + w * w * (C4 + z * (C5 + z * C6));
        double hz = 0.5 * z;
        w = 1.0 - hz;
        return w + (((1.0 - w) - hz) + (z * r - x * y));
    }

    /// <summary>
    /// fdlibm's medium-size __ieee754_rem_pio2: x = n·π/2 + (y0 + y1) with |y0| ≲ π/4, for
    /// |x| &lt; <see cref="TrigArgumentLimit"/>; NaN in y0 and y1 beyond it (and for ±∞, NaN).
    /// </summary>
    private static int ReducePiOver2(double x, out double y0, out double y1)
    {
        int ix = HighWord(x) & 0x7fffffff;
        if (ix >= 0x413921fb)
        {
            y0 = double.NaN;
            y1 = double.NaN;
            return 0;
        }
        // Round x·2/π to the nearest integer by adding and subtracting 1.5·2^52.
        double fn = x * InvPiOver2 + RoundingShift;
        fn -= RoundingShift;
        int n = (int)fn;
        double r = x - fn * PiOver2Part1;  // exact
        double w = fn * PiOver2Part1Tail;   // first round, good to 85 bits
        int j = ix >> 20;
        y0 = r - w;
        int i = j - ((HighWord(y0) >> 20) & 0x7ff);
        if (i > 16)
        {
            // Cancellation: second round, good to 118 bits.
            double t = r;
            w = fn * PiOver2Part2;
            r = t - w;
            w = fn * PiOver2Part2Tail - ((t - r) - w);
            y0 = r - w;
            i = j - ((HighWord(y0) >> 20) & 0x7ff);
            if (i > 49)
            {
                // Third round, 151 bits: covers every double below 2^20·π/2.
                t = r;
                w = fn * PiOver2Part3;
                r = t - w;
                w = fn * PiOver2Part3Tail - ((t - r) - w);
                y0 = r - w;
            }
        }
        y1 = (r - y0) - w;
        return n;
    }
}
