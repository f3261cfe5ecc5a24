using System.Numerics;

namespace GpuHbm.Tests.Kernels;

/// <summary>
/// A binary floating-point number with an arbitrary-size mantissa, rounded to
/// <see cref="Precision"/> bits after every operation: the arithmetic behind
/// <see cref="ReferenceMath"/>, the high-precision reference the fp64 functions are measured against.
/// Value = <see cref="Mantissa"/> · 2^<see cref="Exponent"/>.
/// </summary>
internal readonly struct BigFloat : IComparable<BigFloat>
{
    /// <summary>Bits kept after each operation (about 96 decimal digits).</summary>
    public const int Precision = 320;

    public BigFloat(BigInteger mantissa, int exponent)
    {
        if (mantissa.IsZero)
        {
            Mantissa = BigInteger.Zero;
            Exponent = 0;
            return;
        }
        long length = BigInteger.Abs(mantissa).GetBitLength();
        if (length > Precision)
        {
            int shift = (int)(length - Precision);
            mantissa = RoundingShift(mantissa, shift);
            exponent += shift;
        }
        Mantissa = mantissa;
        Exponent = exponent;
    }

    public BigInteger Mantissa { get; }

    public int Exponent { get; }

    public bool IsZero => Mantissa.IsZero;

    public int Sign => Mantissa.Sign;

    /// <summary>⌊log2 |x|⌋ (undefined for zero).</summary>
    public long Log2Floor => BigInteger.Abs(Mantissa).GetBitLength() - 1 + Exponent;

    public static BigFloat Zero => new(BigInteger.Zero, 0);

    public static BigFloat One => new(BigInteger.One, 0);

    /// <summary>The exact value of a finite double.</summary>
    public static BigFloat FromDouble(double value)
    {
        if (!double.IsFinite(value)) throw new ArgumentOutOfRangeException(nameof(value), value, "not finite");
        long bits = BitConverter.DoubleToInt64Bits(value);
        int biased = (int)((bits >> 52) & 0x7ff);
        long fraction = bits & 0xfffffffffffffL;
        BigInteger m = biased == 0 ? fraction : fraction | (1L << 52);
        int e = biased == 0 ? -1074 : biased - 1075;
        return new BigFloat(bits < 0 ? -m : m, e);
    }

    public static BigFloat FromInteger(BigInteger value) => new(value, 0);

    /// <summary>numerator / denominator rounded to <see cref="Precision"/> bits.</summary>
    public static BigFloat FromRatio(BigInteger numerator, BigInteger denominator) =>
        FromInteger(numerator) / FromInteger(denominator);

    /// <summary>x · 2^k, exact.</summary>
    public BigFloat ScaleB(int k) => new(Mantissa, Exponent + k);

    public BigFloat Abs() => new(BigInteger.Abs(Mantissa), Exponent);

    /// <summary>The nearest double to within a few units in its last place (for starting values and reports; not correctly rounded).</summary>
    public double ToDouble()
    {
        if (IsZero) return 0;
        long length = BigInteger.Abs(Mantissa).GetBitLength();
        int shift = (int)Math.Max(0, length - 62);
        double top = (double)(Mantissa >> shift);
        return Math.ScaleB(top, Exponent + shift);
    }

    public static BigFloat operator -(BigFloat x) => new(-x.Mantissa, x.Exponent);

    public static BigFloat operator +(BigFloat a, BigFloat b)
    {
        if (a.IsZero) return b;
        if (b.IsZero) return a;
        if (a.Exponent < b.Exponent) (a, b) = (b, a);
        // a has the larger exponent; when b lies entirely below the kept precision of a, a wins
        // (the 8 guard bits keep this far below the reference's own rounding).
        if (a.Log2Floor - b.Log2Floor > Precision + 8) return a;
        int gap = a.Exponent - b.Exponent;
        return new BigFloat((a.Mantissa << gap) + b.Mantissa, b.Exponent);
    }

    public static BigFloat operator -(BigFloat a, BigFloat b) => a + -b;

    public static BigFloat operator *(BigFloat a, BigFloat b) => new(a.Mantissa * b.Mantissa, a.Exponent + b.Exponent);

    public static BigFloat operator /(BigFloat a, BigFloat b)
    {
        if (b.IsZero) throw new DivideByZeroException();
        if (a.IsZero) return Zero;
        long la = BigInteger.Abs(a.Mantissa).GetBitLength(), lb = BigInteger.Abs(b.Mantissa).GetBitLength();
        int shift = (int)Math.Max(0, Precision + 2 + lb - la);
        return new BigFloat((a.Mantissa << shift) / b.Mantissa, a.Exponent - shift - b.Exponent);
    }

    public static BigFloat operator /(BigFloat a, int b) => a / FromInteger(b);

    public static implicit operator BigFloat(int value) => FromInteger(value);

    public int CompareTo(BigFloat other) => (this - other).Sign;

    public static bool operator <(BigFloat a, BigFloat b) => a.CompareTo(b) < 0;

    public static bool operator >(BigFloat a, BigFloat b) => a.CompareTo(b) > 0;

    public override string ToString() => ToDouble().ToString("R", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Round-to-nearest (ties away from zero) of m / 2^shift.</summary>
    private static BigInteger RoundingShift(BigInteger m, int shift)
    {
        BigInteger magnitude = BigInteger.Abs(m);
        BigInteger rounded = (magnitude + (BigInteger.One << (shift - 1))) >> shift;
        return m.Sign < 0 ? -rounded : rounded;
    }
}
