namespace GpuHbm.Kernels;

public static partial class DeviceMath
{
    // Cephes tanh.c (S. L. Moshier): tanh x = x + x³·P(x²)/Q(x²) on |x| < 0.625, the form of
    // Cody & Waite, Software Manual for the Elementary Functions (1980), ch. 13.
    private const double TanhP0 = -9.64399179425052238628e-1;
    private const double TanhP1 = -9.92877231001918586564e1;
    private const double TanhP2 = -1.61468768441708447952e3;
    private const double TanhQ0 = 1.12811678491632931402e2;
    private const double TanhQ1 = 2.23548839060100448583e3;
    private const double TanhQ2 = 4.84406305325125486048e3;

    /// <summary>Hyperbolic tangent.</summary>
    /// <remarks>
    /// Below 0.625 Cephes' rational form x + x³P/Q, whose correction term is at most 12 % of x, so
    /// its rounding errors stay well below an ulp; from 0.625 to 22 fdlibm's 1 − 2/(t + 2) with
    /// t = expm1(2|x|) (s_tanh.c); ±1 beyond. (fdlibm's −t/(t+2) with t = expm1(−2|x|) below 1
    /// amplifies the error of t by 2/(t+2) and reaches 2 ulp.) Domain: all doubles; tanh(±∞) = ±1,
    /// tanh(±0) = ±0, NaN → NaN. Max error 1.26 ulp (just above 0.625).
    /// </remarks>
    public static double Tanh(double x)
    {
        if (double.IsNaN(x)) return x + x;
        int ix = HighWord(x) & 0x7fffffff;
        if (ix < 0x3e300000) return x;  // |x| < 2^-28 (and ±0)
        double a = Math.Abs(x);
        double z;
        if (a < 0.625)
        {
            double s = x * x;
            double p = (TanhP0 * s + TanhP1) * s + TanhP2;
            double q = ((s + TanhQ0) * s + TanhQ1) * s + TanhQ2;
            return x + x * s * (p / q);
        }
        if (ix < 0x40360000)
        {
            // |x| < 22
            double t = Expm1(2.0 * a);
            z = 1.0 - 2.0 / (t + 2.0);
        }
        else
        {
            z = 1.0;
        }
        return x > 0 ? z : -z;
    }
}
