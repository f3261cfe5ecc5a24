namespace GpuHbm.Kernels;

public static partial class DeviceMath
{
    // fdlibm e_lgamma_r.c (Sun Microsystems 1993; FreeBSD msun src/e_lgamma_r.c 1.11).
    private const double Pi = 3.14159265358979311600e+00;   // 0x400921FB 54442D18
    private const double TwoPow52 = 4.50359962737049600000e+15; // 0x43300000 00000000
    // lgamma(x) − s/2 on [2 − 0.27, 2 + 0.23] (case 0, around the zero at 2) …
    private const double A0 = 7.72156649015328655494e-02;  // 0x3FB3C467 E37DB0C8
    private const double A1 = 3.22467033424113591611e-01;  // 0x3FD4A34C C4A60FAD
    private const double A2 = 6.73523010531292681824e-02;  // 0x3FB13E00 1A5562A7
    private const double A3 = 2.05808084325167332806e-02;  // 0x3F951322 AC92547B
    private const double A4 = 7.38555086081402883957e-03;  // 0x3F7E404F B68FEFE8
    private const double A5 = 2.89051383673415629091e-03;  // 0x3F67ADD8 CCB7926B
    private const double A6 = 1.19270763183362067845e-03;  // 0x3F538A94 116F3F5D
    private const double A7 = 5.10069792153511336608e-04;  // 0x3F40B6C6 89B99C00
    private const double A8 = 2.20862790713908385557e-04;  // 0x3F2CF2EC ED10E54D
    private const double A9 = 1.08011567247583939954e-04;  // 0x3F1C5088 987DFB07
    private const double A10 = 2.52144565451257326939e-05; // 0x3EFA7074 428CFA52
    private const double A11 = 4.48640949618915160150e-05; // 0x3F07858E 90A45837
    // … around the minimum tc = 1.4616… (case 1), lgamma(tc) = tf + tt …
    private const double Tc = 1.46163214496836224576e+00;  // 0x3FF762D8 6356BE3F
    private const double Tf = -1.21486290535849611461e-01; // 0xBFBF19B9 BCC38A42
    private const double Tt = -3.63867699703950536541e-18; // 0xBC50C7CA A48A971F
    private const double T0 = 4.83836122723810047042e-01;  // 0x3FDEF72B C8EE38A2
    private const double T1 = -1.47587722994593911752e-01; // 0xBFC2E427 8DC6C509
    private const double T2 = 6.46249402391333854778e-02;  // 0x3FB08B42 94D5419B
    private const double T3 = -3.27885410759859649565e-02; // 0xBFA0C9A8 DF35B713
    private const double T4 = 1.79706750811820387126e-02;  // 0x3F9266E7 970AF9EC
    private const double T5 = -1.03142241298341437450e-02; // 0xBF851F9F BA91EC6A
    private const double T6 = 6.10053870246291332635e-03;  // 0x3F78FCE0 E370E344
    private const double T7 = -3.68452016781138256760e-03; // 0xBF6E2EFF B3E914D7
    private const double T8 = 2.25964780900612472250e-03;  // 0x3F6282D3 2E15C915
    private const double T9 = -1.40346469989232843813e-03; // 0xBF56FE8E BF2D1AF1
    private const double T10 = 8.81081882437654011382e-04; // 0x3F4CDF0C EF61A8E9
    private const double T11 = -5.38595305356740546715e-04; // 0xBF41A610 9C73E0EC
    private const double T12 = 3.15632070903625950361e-04; // 0x3F34AF6D 6C0EBBF7
    private const double T13 = -3.12754168375120860518e-04; // 0xBF347F24 ECC38C38
    private const double T14 = 3.35529192635519073543e-04; // 0x3F35FD3E E8C2D3F4
    // … around the zero at 1 (case 2) …
    private const double U0 = -7.72156649015328655494e-02; // 0xBFB3C467 E37DB0C8
    private const double U1 = 6.32827064025093366517e-01;  // 0x3FE4401E 8B005DFF
    private const double U2 = 1.45492250137234768737e+00;  // 0x3FF7475C D119BD6F
    private const double U3 = 9.77717527963372745603e-01;  // 0x3FEF4976 44EA8450
    private const double U4 = 2.28963728064692451092e-01;  // 0x3FCD4EAE F6010924
    private const double U5 = 1.33810918536787660377e-02;  // 0x3F8B678B BF2BAB09
    private const double V1 = 2.45597793713041134822e+00;  // 0x4003A5D7 C2BD619C
    private const double V2 = 2.12848976379893395361e+00;  // 0x40010725 A42B18F5
    private const double V3 = 7.69285150456672783825e-01;  // 0x3FE89DFB E45050AF
    private const double V4 = 1.04222645593369134254e-01;  // 0x3FBAAE55 D6537C88
    private const double V5 = 3.21709242282423911810e-03;  // 0x3F6A5ABB 57D0CF61
    // … rational approximation on [2, 3] …
    private const double Sg0 = -7.72156649015328655494e-02; // 0xBFB3C467 E37DB0C8
    private const double Sg1 = 2.14982415960608852501e-01;  // 0x3FCB848B 36E20878
    private const double Sg2 = 3.25778796408930981787e-01;  // 0x3FD4D98F 4F139F59
    private const double Sg3 = 1.46350472652464452805e-01;  // 0x3FC2BB9C BEE5F2F7
    private const double Sg4 = 2.66422703033638609560e-02;  // 0x3F9B481C 7E939961
    private const double Sg5 = 1.84028451407337715652e-03;  // 0x3F5E26B6 7368F239
    private const double Sg6 = 3.19475326584100867617e-05;  // 0x3F00BFEC DD17E945
    private const double Rg1 = 1.39200533467621045958e+00;  // 0x3FF645A7 62C4AB74
    private const double Rg2 = 7.21935547567138069525e-01;  // 0x3FE71A18 93D3DCDC
    private const double Rg3 = 1.71933865632803078993e-01;  // 0x3FC601ED CCFBDF27
    private const double Rg4 = 1.86459191715652901344e-02;  // 0x3F9317EA 742ED475
    private const double Rg5 = 7.77942496381893596434e-04;  // 0x3F497DDA CA41A95B
    private const double Rg6 = 7.32668430744625636189e-06;  // 0x3EDEBAF7 A5B38140
    // … and Stirling's correction f(1/x) = lgamma(x) − (x − ½)(log x − 1) for x ≥ 8, error below 2^-58.74.
    private const double W0 = 4.18938533204672725052e-01;  // 0x3FDACFE3 90C97D69
    private const double W1 = 8.33333333333329678849e-02;  // 0x3FB55555 5555553B
    private const double W2 = -2.77777777728775536470e-03; // 0xBF66C16C 16B02E5C
    private const double W3 = 7.93650558643019558500e-04;  // 0x3F4A019F 98CF38B6
    private const double W4 = -5.95187557450339963135e-04; // 0xBF4380CB 8C0FE741
    private const double W5 = 8.36339918996282139126e-04;  // 0x3F4B67BA 4CDAD5D1
    private const double W6 = -1.63092934096575273989e-03; // 0xBF5AB89D 0B9E43E4

    /// <summary>log |Γ(x)|.</summary>
    /// <remarks>
    /// fdlibm's e_lgamma_r.c: polynomials around the zeros at 1 and 2 and the minimum at 1.4616,
    /// a rational approximation on [2, 3] with the recurrence Γ(x+1) = xΓ(x) up to 8, Stirling's
    /// series in 1/x beyond; negative x by the reflection Γ(x)Γ(−x) = −π/(x sin πx). One change:
    /// where log x (or log of the recurrence product) is a large part of the result, its rounding
    /// error is carried (<see cref="LogWithTail"/>); fdlibm's plain log costs up to 2.1 ulp near
    /// x = 0.73 and x = 11. Domain: x &gt; 0 is what the models use (log-factorials, Student-t
    /// constants): max error 1.16 ulp over 100,000 points up to 2^1012. Negative non-integers work,
    /// with an absolute error below 4·2^-52 times the larger reflection term (so relative accuracy
    /// is lost near the zeros of lgamma below −2, as in every libm). lgamma(0) = lgamma(−n) = +∞,
    /// lgamma(±∞) = +∞, NaN → NaN; +∞ above about 2.55e305.
    /// </remarks>
    public static double Lgamma(double x)
    {
        int hx = HighWord(x);
        uint lx = LowWord(x);
        int ix = hx & 0x7fffffff;
        if (ix >= 0x7ff00000) return x * x;  // ±∞ → +∞, NaN → NaN
        if ((ix | (int)lx) == 0) return double.PositiveInfinity;
        if (ix < 0x3b900000)
        {
            // |x| < 2^-70: lgamma(x) = −log|x|
            return -Log(Math.Abs(x));
        }
        if (hx >= 0) return LgammaPositive(x);

        // x < 0: lgamma(x) = log(π / |x·sin(πx)|) − lgamma(−x)
        if (ix >= 0x43300000) return double.PositiveInfinity;  // |x| ≥ 2^52: a negative integer
        double t = SinPiOfNegative(x);
        if (t == 0.0) return double.PositiveInfinity;  // negative integer
        double adjust = Log(Pi / Math.Abs(t * x));
        return adjust - LgammaPositive(-x);
    }

    /// <summary>lgamma for 2^-70 ≤ x &lt; ∞ (the positive branch of fdlibm's __ieee754_lgamma_r).</summary>
    private static double LgammaPositive(double x)
    {
        int ix = HighWord(x);
        uint lx = LowWord(x);
        if ((((ix - 0x3ff00000) | (int)lx) == 0) || (((ix - 0x40000000) | (int)lx) == 0)) return 0.0;  // 1, 2
        if (ix < 0x40000000)
        {
            // x < 2
            double r, rTail = 0, y;
            int i;
            if (ix <= 0x3feccccc)
            {
                // x ≤ 0.9: lgamma(x) = lgamma(x + 1) − log x, with the tail of log x kept because
                // −log x and lgamma(x + 1) partly cancel.
                r = -LogWithTail(x, out double logTail);
                rTail = -logTail;
                if (ix >= 0x3FE76944) { y = 1.0 - x; i = 0; }
                else if (ix >= 0x3FCDA661) { y = x - (Tc - 1.0); i = 1; }
                else { y = x; i = 2; }
            }
            else
            {
                r = 0.0;
                if (ix >= 0x3FFBB4C3) { y = 2.0 - x; i = 0; }      // [1.7316, 2]
                else if (ix >= 0x3FF3B4C4) { y = x - Tc; i = 1; }   // [1.23, 1.73]
                else { y = x - 1.0; i = 2; }
            }
            if (i == 0)
            {
                double z = y * y;
                double p1 = A0 + z * (A2 + z * (A4 + z * (A6 + z * (A8 + z * A10))));
                double p2 = z * (A1 + z * (A3 + z * (A5 + z * (A7 + z * (A9 + z * A11)))));
                double p = y * p1 + p2;
                return r + ((p - 0.5 * y) + rTail);
            }
            if (i == 1)
            {
                double z = y * y;
                double w = z * y;
                double p1 = T0 + w * (T3 + w * (T6 + w * (T9 + w * T12)));
                double p2 = T1 + w * (T4 + w * (T7 + w * (T10 + w * T13)));
                double p3 = T2 + w * (T5 + w * (T8 + w * (T11 + w * T14)));
                double p = z * p1 - (Tt - w * (p2 + y * p3));
                return r + ((Tf + p) + rTail);
            }
            {
                double p1 = y * (U0 + y * (U1 + y * (U2 + y * (U3 + y * (U4 + y * U5)))));
                double p2 = 1.0 + y * (V1 + y * (V2 + y * (V3 + y * (V4 + y * V5))));
                return r + ((-0.5 * y + p1 / p2) + rTail);
            }
        }
        if (ix < 0x40200000)
        {
            // 2 ≤ x < 8: lgamma(2 + y) from the rational approximation, then the recurrence.
            int i = (int)x;
            double y = x - i;
            double p = y * (Sg0 + y * (Sg1 + y * (Sg2 + y * (Sg3 + y * (Sg4 + y * (Sg5 + y * Sg6))))));
            double q = 1.0 + y * (Rg1 + y * (Rg2 + y * (Rg3 + y * (Rg4 + y * (Rg5 + y * Rg6)))));
            double r = 0.5 * y + p / q;
            if (i < 3) return r;
            double z = y + 2.0;
            for (int m = 3; m < i; m++) z *= y + m;
            double logZ = LogWithTail(z, out double logZTail);
            return logZ + (r + logZTail);
        }
        if (ix < 0x43900000)
        {
            // 8 ≤ x < 2^58: Stirling, with the tail of log x (its rounding alone would cost up to
            // 2 ulp, as log x / (log x − 1) amplifies it near 8).
            double t = LogWithTail(x, out double tTail);
            double z = 1.0 / x;
            double y = z * z;
            double w = W0 + z * (W1 + y * (W2 + y * (W3 + y * (W4 + y * (W5 + y * W6)))));
            return (x - 0.5) * (t - 1.0) + ((x - 0.5) * tTail + w);  // t − 1 is exact for t ≥ 2
        }
        // x ≥ 2^58: x·(log x − 1), again with the tail of log x.
        double logX = LogWithTail(x, out double logXTail);
        return x * (logX - 1.0) + x * logXTail;
    }

    /// <summary>sin(πx) for x &lt; 0 (fdlibm's sin_pi: reduced exactly mod 2 before multiplying by π).</summary>
    private static double SinPiOfNegative(double x)
    {
        int ix = HighWord(x) & 0x7fffffff;
        if (ix < 0x3fd00000) return KernelSin(Pi * x, 0.0, false);
        double y = -x;  // 0.25 ≤ y < 2^52
        if ((long)y == y) return 0.0;  // a negative integer (a pole of Γ); the cast is floor here
        y *= 0.5;
        y = 2.0 * (y - (long)y);  // |x| mod 2
        int n = (int)(y * 4.0);
        switch (n)
        {
            case 0: y = KernelSin(Pi * y, 0.0, false); break;
            case 1:
            case 2: y = KernelCos(Pi * (0.5 - y), 0.0); break;
            case 3:
            case 4: y = KernelSin(Pi * (1.0 - y), 0.0, false); break;
            case 5:
            case 6: y = -KernelCos(Pi * (y - 1.5), 0.0); break;
            default: y = KernelSin(Pi * (y - 2.0), 0.0, false); break;
        }
        return -y;
    }
}
