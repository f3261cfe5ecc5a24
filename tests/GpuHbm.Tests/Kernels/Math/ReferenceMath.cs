using System.Numerics;

namespace GpuHbm.Tests.Kernels;

/// <summary>
/// The elementary functions in <see cref="BigFloat"/> arithmetic (320 bits), by textbook methods
/// that share nothing with the fdlibm algorithms under test: Taylor series after halving and
/// squaring (exp), Halley's iteration on exp (log), Taylor series after reduction by a 320-bit π/2
/// (sin, cos), Stirling's series with exact Bernoulli numbers after shifting the argument above 60
/// (lgamma). Each result is good to far more than 100 bits, so the error of a double is measured to
/// a tiny fraction of an ulp. <c>ReferenceMathTests</c> pins these against mpmath at 50 digits.
/// </summary>
internal static class ReferenceMath
{
    private const int GuardBits = BigFloat.Precision + 8;

    public static readonly BigFloat Ln2 = ComputeLn2();
    public static readonly BigFloat Pi = ComputePi();
    private static readonly BigFloat HalfPi = Pi.ScaleB(-1);
    private static readonly BigFloat HalfLog2Pi = Log(Pi.ScaleB(1)).ScaleB(-1);
    private static readonly BigFloat[] StirlingCoefficients = ComputeStirlingCoefficients(60);

    /// <summary>Error of <paramref name="value"/> in units of the last place of the exact result (ulp of a double at |exact|, 2^-1074 in the subnormal range).</summary>
    public static double UlpError(double value, BigFloat exact)
    {
        if (exact.IsZero) return value == 0 ? 0 : double.PositiveInfinity;
        if (!double.IsFinite(value)) return double.PositiveInfinity;
        long ulpExponent = Math.Max(exact.Log2Floor, -1022) - 52;
        return (BigFloat.FromDouble(value) - exact).ScaleB((int)-ulpExponent).ToDouble();
    }

    public static BigFloat Exp(BigFloat x)
    {
        // x = n·ln2 + r, |r| ≤ ln2/2; e^r = (e^(r/2^12))^(2^12) with a Taylor series for the small power.
        double approximate = x.ToDouble();
        long n = (long)Math.Round(approximate / Math.Log(2));
        BigFloat r = (x - BigFloat.FromInteger(n) * Ln2).ScaleB(-12);
        BigFloat sum = BigFloat.One, term = BigFloat.One;
        for (int i = 1; ; i++)
        {
            term = term * r / i;
            sum += term;
            if (term.IsZero || term.Log2Floor < -GuardBits) break;
        }
        for (int i = 0; i < 12; i++) sum *= sum;
        return sum.ScaleB(checked((int)n));
    }

    public static BigFloat Log(BigFloat x)
    {
        if (x.Sign <= 0) throw new ArgumentOutOfRangeException(nameof(x), "log of a non-positive number");
        // Start from the double logarithm of the mantissa (53 bits), then Halley, which triples the
        // correct bits: y += 2(x − e^y)/(x + e^y).
        long e2 = x.Log2Floor;
        double mantissa = x.ScaleB((int)-e2).ToDouble();
        BigFloat y = BigFloat.FromDouble(Math.Log(mantissa)) + BigFloat.FromInteger(e2) * Ln2;
        for (int i = 0; i < 2; i++)
        {
            BigFloat ey = Exp(y);
            y += (x - ey).ScaleB(1) / (x + ey);
        }
        return y;
    }

    public static BigFloat Log1p(BigFloat x)
    {
        if (x.IsZero) return x;
        if (x.Log2Floor >= -16) return Log(BigFloat.One + x);
        // x − x²/2 + x³/3 − …
        BigFloat sum = BigFloat.Zero, power = x;
        for (int k = 1; ; k++)
        {
            BigFloat term = power / k;
            sum = k % 2 == 1 ? sum + term : sum - term;
            if (term.Log2Floor < sum.Log2Floor - GuardBits) break;
            power *= x;
        }
        return sum;
    }

    public static BigFloat Expm1(BigFloat x)
    {
        if (x.IsZero) return x;
        if (x.Log2Floor >= 0) return Exp(x) - BigFloat.One;
        // x + x²/2! + x³/3! + …
        BigFloat sum = BigFloat.Zero, term = BigFloat.One;
        for (int k = 1; ; k++)
        {
            term = term * x / k;
            sum += term;
            if (term.Log2Floor < sum.Log2Floor - GuardBits) break;
        }
        return sum;
    }

    public static BigFloat Sin(BigFloat x) => SinCos(x, wantSin: true);

    public static BigFloat Cos(BigFloat x) => SinCos(x, wantSin: false);

    public static BigFloat Tanh(BigFloat x)
    {
        if (x.IsZero) return x;
        BigFloat e = Expm1(x.Abs().ScaleB(1));
        BigFloat t = e / (e + 2);
        return x.Sign < 0 ? -t : t;
    }

    public static BigFloat Log1pExp(BigFloat x) => Log1p(Exp(x));

    /// <summary>log |Γ(x)| for x ≠ 0, −1, −2, …</summary>
    public static BigFloat Lgamma(BigFloat x)
    {
        if (x.Sign < 0)
        {
            // Γ(x)Γ(−x) = −π / (x sin πx)
            BigFloat s = Sin(Pi * x).Abs();
            return Log(Pi / (x.Abs() * s)) - LgammaPositive(-x);
        }
        return LgammaPositive(x);
    }

    private static BigFloat LgammaPositive(BigFloat x)
    {
        if (x.CompareTo(BigFloat.One) == 0 || x.CompareTo(2) == 0) return BigFloat.Zero;  // exactly, not to 2^-300
        // Shift to z ≥ 60 with Γ(x) = Γ(z) / (x(x+1)…(z−1)); there Stirling's series reaches 2^-330.
        BigFloat z = x, product = BigFloat.One;
        BigFloat sixty = 60;
        while (z < sixty)
        {
            product *= z;
            z += BigFloat.One;
        }
        BigFloat sum = (z - BigFloat.One.ScaleB(-1)) * Log(z) - z + HalfLog2Pi;
        BigFloat inverse = BigFloat.One / z, inverseSquared = inverse * inverse, power = inverse;
        foreach (BigFloat c in StirlingCoefficients)
        {
            BigFloat term = c * power;
            sum += term;
            if (term.Log2Floor < -GuardBits) break;
            power *= inverseSquared;
        }
        return sum - Log(product);
    }

    private static BigFloat SinCos(BigFloat x, bool wantSin)
    {
        // x = n·π/2 + r with |r| ≤ π/4 (the 320-bit π/2 keeps r exact far below a double's ulp for
        // |x| < 2^60), then the Taylor series of sin r or cos r.
        double approximate = x.ToDouble();
        long n = (long)Math.Round(approximate / (Math.PI / 2));
        BigFloat r = x - BigFloat.FromInteger(n) * HalfPi;
        int quadrant = (int)(((n % 4) + 4) % 4);
        bool useSin = wantSin ? quadrant % 2 == 0 : quadrant % 2 == 1;
        bool negate = wantSin ? quadrant >= 2 : quadrant == 1 || quadrant == 2;
        BigFloat value = useSin ? SinSeries(r) : CosSeries(r);
        return negate ? -value : value;
    }

    private static BigFloat SinSeries(BigFloat r)
    {
        if (r.IsZero) return r;
        BigFloat sum = r, term = r, r2 = r * r;
        for (int k = 1; ; k++)
        {
            term = -(term * r2 / ((2 * k) * (2 * k + 1)));
            sum += term;
            if (term.IsZero || term.Log2Floor < sum.Log2Floor - GuardBits) break;
        }
        return sum;
    }

    private static BigFloat CosSeries(BigFloat r)
    {
        BigFloat sum = BigFloat.One, term = BigFloat.One, r2 = r * r;
        if (r.IsZero) return sum;
        for (int k = 1; ; k++)
        {
            term = -(term * r2 / ((2 * k - 1) * (2 * k)));
            sum += term;
            if (term.IsZero || term.Log2Floor < sum.Log2Floor - GuardBits) break;
        }
        return sum;
    }

    /// <summary>ln 2 = 2·atanh(1/3) = 2 Σ 1/((2k+1)·3^(2k+1)).</summary>
    private static BigFloat ComputeLn2()
    {
        BigFloat sum = BigFloat.Zero;
        BigInteger power = 3;
        for (int k = 0; k < 200; k++, power *= 9) sum += BigFloat.FromRatio(2, power * (2 * k + 1));
        return sum;
    }

    /// <summary>π by Machin's formula, 16·atan(1/5) − 4·atan(1/239).</summary>
    private static BigFloat ComputePi() => ArctanOfInverse(5).ScaleB(4) - ArctanOfInverse(239).ScaleB(2);

    private static BigFloat ArctanOfInverse(int n)
    {
        BigFloat sum = BigFloat.Zero;
        BigInteger power = n;
        BigInteger n2 = (BigInteger)n * n;
        for (int k = 0; k < 250; k++, power *= n2)
        {
            BigFloat term = BigFloat.FromRatio(1, power * (2 * k + 1));
            sum = k % 2 == 0 ? sum + term : sum - term;
        }
        return sum;
    }

    /// <summary>B_2k / (2k(2k−1)) for k = 1…count, from exact Bernoulli numbers (Akiyama–Tanigawa).</summary>
    private static BigFloat[] ComputeStirlingCoefficients(int count)
    {
        int n = 2 * count;
        var numerators = new BigInteger[n + 1];
        var denominators = new BigInteger[n + 1];
        var result = new BigFloat[count];
        for (int m = 0; m <= n; m++)
        {
            numerators[m] = 1;
            denominators[m] = m + 1;
            for (int j = m; j >= 1; j--)
            {
                // A[j−1] = j·(A[j−1] − A[j])
                BigInteger num = j * (numerators[j - 1] * denominators[j] - numerators[j] * denominators[j - 1]);
                BigInteger den = denominators[j - 1] * denominators[j];
                BigInteger g = BigInteger.GreatestCommonDivisor(num, den);
                if (!g.IsZero && !g.IsOne) { num /= g; den /= g; }
                numerators[j - 1] = num;
                denominators[j - 1] = den;
            }
            if (m >= 2 && m % 2 == 0)
            {
                int k = m / 2;
                result[k - 1] = BigFloat.FromRatio(numerators[0], denominators[0] * (2 * k) * (2 * k - 1));
            }
        }
        return result;
    }
}
