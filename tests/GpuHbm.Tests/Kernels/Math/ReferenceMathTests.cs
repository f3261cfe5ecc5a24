using System.Globalization;
using System.Numerics;
using Xunit;

namespace GpuHbm.Tests.Kernels;

/// <summary>
/// The 320-bit reference agrees with mpmath (fixtures/math/reference-mpmath.csv, 50 significant
/// digits, made by fixtures/math/make_reference.py) to 45 digits on the hard points of every
/// function: tiny and huge arguments, cancellation near 1 and near the zeros of lgamma, arguments
/// near multiples of π/2.
/// </summary>
public class ReferenceMathTests
{
    private static readonly Dictionary<string, Func<BigFloat, BigFloat>> Functions = new()
    {
        ["exp"] = ReferenceMath.Exp,
        ["log"] = ReferenceMath.Log,
        ["log1p"] = ReferenceMath.Log1p,
        ["expm1"] = ReferenceMath.Expm1,
        ["sin"] = ReferenceMath.Sin,
        ["cos"] = ReferenceMath.Cos,
        ["tanh"] = ReferenceMath.Tanh,
        ["log1pexp"] = ReferenceMath.Log1pExp,
        ["lgamma"] = ReferenceMath.Lgamma,
    };

    [Fact]
    public void Reference_agrees_with_mpmath_to_45_digits()
    {
        var rows = File.ReadAllLines(TestPaths.Fixture("math/reference-mpmath.csv")).Skip(1)
            .Select(line => line.Split(',')).ToArray();
        Assert.True(rows.Length > 250);
        Assert.Equal(Functions.Keys.Order(), rows.Select(r => r[0]).Distinct().Order());
        foreach (var row in rows)
        {
            double x = double.Parse(row[1], CultureInfo.InvariantCulture);
            BigFloat expected = ParseDecimal(row[2]);
            BigFloat actual = Functions[row[0]](BigFloat.FromDouble(x));
            double relative = Math.Abs(((actual - expected) / expected).ToDouble());
            Assert.True(relative < 1e-45, $"{row[0]}({row[1]}): reference {actual}, mpmath {row[2]}, relative difference {relative:E2}");
        }
    }

    [Fact]
    public void Ulp_error_is_measured_in_the_units_of_the_exact_result()
    {
        Assert.Equal(0, ReferenceMath.UlpError(1.5, BigFloat.FromDouble(1.5)));
        Assert.Equal(1, ReferenceMath.UlpError(Math.BitIncrement(1.5), BigFloat.FromDouble(1.5)));
        Assert.Equal(-0.5, ReferenceMath.UlpError(1.0, BigFloat.FromDouble(1.0) + BigFloat.One.ScaleB(-53)));
        Assert.Equal(2, ReferenceMath.UlpError(4 * double.Epsilon, BigFloat.FromDouble(2 * double.Epsilon)));
    }

    /// <summary>An exact decimal such as 1.25e-3 as a 320-bit binary float.</summary>
    private static BigFloat ParseDecimal(string text)
    {
        int e = text.IndexOfAny(['e', 'E']);
        int exponent = e < 0 ? 0 : int.Parse(text[(e + 1)..], CultureInfo.InvariantCulture);
        string digits = e < 0 ? text : text[..e];
        int dot = digits.IndexOf('.');
        if (dot >= 0)
        {
            exponent -= digits.Length - dot - 1;
            digits = digits.Remove(dot, 1);
        }
        var mantissa = BigInteger.Parse(digits, CultureInfo.InvariantCulture);
        return exponent >= 0
            ? BigFloat.FromInteger(mantissa * BigInteger.Pow(10, exponent))
            : BigFloat.FromRatio(mantissa, BigInteger.Pow(10, -exponent));
    }
}
