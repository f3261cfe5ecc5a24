using GpuHbm.Kernels;
using Xunit;

namespace GpuHbm.Tests.Kernels;

/// <summary>
/// Special arguments give the C99 Annex F values (System.Math's where .NET has the function):
/// NaN, ±∞, signed zeros, subnormals, poles, and the overflow and underflow thresholds.
/// </summary>
public class DeviceMathSpecialValueTests
{
    public static TheoryData<string> Names => MathFunctionCases.Names;

    [Theory]
    [MemberData(nameof(Names))]
    public void NaN_gives_NaN(string name) => Assert.True(double.IsNaN(MathFunctionCases.Get(name).Device(double.NaN)));

    [Theory]
    // Exp: infinities, zeros, e, and both sides of the overflow and underflow thresholds.
    [InlineData("Exp", double.PositiveInfinity, double.PositiveInfinity)]
    [InlineData("Exp", double.NegativeInfinity, 0.0)]
    [InlineData("Exp", 0.0, 1.0)]
    [InlineData("Exp", 1.0, Math.E)]
    [InlineData("Exp", 709.782712893384, 1.7976931348622732e308)]
    [InlineData("Exp", 709.7827128933841, double.PositiveInfinity)]
    [InlineData("Exp", -745.1332191019411, double.Epsilon)]
    [InlineData("Exp", -745.1332191019412, 0.0)]
    [InlineData("Exp", -708.3964185322641, 2.2250738585072626e-308)]
    // Log: zeros, negatives, infinities, the smallest subnormal and the largest double.
    [InlineData("Log", 0.0, double.NegativeInfinity)]
    [InlineData("Log", -1.0, double.NaN)]
    [InlineData("Log", double.NegativeInfinity, double.NaN)]
    [InlineData("Log", double.PositiveInfinity, double.PositiveInfinity)]
    [InlineData("Log", 1.0, 0.0)]
    [InlineData("Log", double.Epsilon, -744.4400719213812)]
    [InlineData("Log", double.MaxValue, 709.782712893384)]
    // Log1p: the pole at −1, below it, signed zeros, tiny arguments.
    [InlineData("Log1p", -1.0, double.NegativeInfinity)]
    [InlineData("Log1p", -1.5, double.NaN)]
    [InlineData("Log1p", double.NegativeInfinity, double.NaN)]
    [InlineData("Log1p", double.PositiveInfinity, double.PositiveInfinity)]
    [InlineData("Log1p", 0.0, 0.0)]
    [InlineData("Log1p", double.Epsilon, double.Epsilon)]
    [InlineData("Log1p", 1e-300, 1e-300)]
    [InlineData("Log1p", double.MaxValue, 709.782712893384)]
    // Expm1: −1 and +∞ at the ends, signed zeros, overflow.
    [InlineData("Expm1", double.PositiveInfinity, double.PositiveInfinity)]
    [InlineData("Expm1", double.NegativeInfinity, -1.0)]
    [InlineData("Expm1", 0.0, 0.0)]
    [InlineData("Expm1", -40.0, -1.0)]
    [InlineData("Expm1", double.Epsilon, double.Epsilon)]
    [InlineData("Expm1", 709.782712893384, 1.7976931348622732e308)]
    [InlineData("Expm1", 709.7827128933841, double.PositiveInfinity)]
    // Sin and Cos: signed zeros, infinities, NaN at and beyond the reduction limit.
    [InlineData("Sin", 0.0, 0.0)]
    [InlineData("Sin", double.PositiveInfinity, double.NaN)]
    [InlineData("Sin", double.NegativeInfinity, double.NaN)]
    [InlineData("Sin", DeviceMath.TrigArgumentLimit, double.NaN)]
    [InlineData("Sin", -DeviceMath.TrigArgumentLimit, double.NaN)]
    [InlineData("Sin", 1e300, double.NaN)]
    [InlineData("Sin", 1e-300, 1e-300)]
    [InlineData("Cos", 0.0, 1.0)]
    [InlineData("Cos", double.PositiveInfinity, double.NaN)]
    [InlineData("Cos", DeviceMath.TrigArgumentLimit, double.NaN)]
    // Tanh: ±1 at the ends, signed zeros, tiny arguments.
    [InlineData("Tanh", double.PositiveInfinity, 1.0)]
    [InlineData("Tanh", double.NegativeInfinity, -1.0)]
    [InlineData("Tanh", 0.0, 0.0)]
    [InlineData("Tanh", 22.0, 1.0)]
    [InlineData("Tanh", -30.0, -1.0)]
    [InlineData("Tanh", -double.Epsilon, -double.Epsilon)]
    // Log1pExp: 0 and +∞ at the ends, log 2 at 0, the identity for large x.
    [InlineData("Log1pExp", double.NegativeInfinity, 0.0)]
    [InlineData("Log1pExp", double.PositiveInfinity, double.PositiveInfinity)]
    [InlineData("Log1pExp", 0.0, 0.6931471805599453)]
    [InlineData("Log1pExp", 800.0, 800.0)]
    [InlineData("Log1pExp", -800.0, 0.0)]
    // Lgamma: poles at zero and the negative integers, ∞, exact zeros at 1 and 2, Γ(1/2) = √π, overflow.
    [InlineData("Lgamma", 0.0, double.PositiveInfinity)]
    [InlineData("Lgamma", -1.0, double.PositiveInfinity)]
    [InlineData("Lgamma", -2.0, double.PositiveInfinity)]
    [InlineData("Lgamma", -1e300, double.PositiveInfinity)]
    [InlineData("Lgamma", double.PositiveInfinity, double.PositiveInfinity)]
    [InlineData("Lgamma", double.NegativeInfinity, double.PositiveInfinity)]
    [InlineData("Lgamma", 1.0, 0.0)]
    [InlineData("Lgamma", 2.0, 0.0)]
    [InlineData("Lgamma", 3.0, 0.6931471805599453)]
    [InlineData("Lgamma", 0.5, 0.5723649429247001)]
    [InlineData("Lgamma", double.Epsilon, 744.4400719213812)]
    [InlineData("Lgamma", 1e306, double.PositiveInfinity)]
    public void Special_argument_gives_the_standard_value(string name, double x, double expected)
    {
        double actual = MathFunctionCases.Get(name).Device(x);
        if (double.IsNaN(expected)) Assert.True(double.IsNaN(actual), $"{name}({x:R}) = {actual:R}, expected NaN");
        else Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(actual));
    }

    [Theory]
    // f(−0): the sign of zero survives where f is odd.
    [InlineData("Exp", 1.0)]
    [InlineData("Log", double.NegativeInfinity)]
    [InlineData("Log1p", -0.0)]
    [InlineData("Expm1", -0.0)]
    [InlineData("Sin", -0.0)]
    [InlineData("Cos", 1.0)]
    [InlineData("Tanh", -0.0)]
    [InlineData("Lgamma", double.PositiveInfinity)]
    public void Negative_zero_gives_the_standard_value(string name, double expected) =>
        Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(MathFunctionCases.Get(name).Device(-0.0)));

    [Theory]
    [InlineData("Exp", new[] { 709.782712893384, 709.7827128933841, -745.1332191019411, -745.1332191019412, -708.3964185322641, 1.0, double.PositiveInfinity, double.NegativeInfinity })]
    [InlineData("Log", new[] { double.Epsilon, 2.2250738585072014e-308, double.MaxValue, 0.0, -1.0, double.PositiveInfinity })]
    [InlineData("Sin", new[] { 0.0, -0.0, 1e-300, double.PositiveInfinity })]
    [InlineData("Cos", new[] { 0.0, -0.0, 1e-300, double.NegativeInfinity })]
    [InlineData("Tanh", new[] { 0.0, -0.0, 22.0, -22.0, 1e-300, double.PositiveInfinity, double.NegativeInfinity })]
    public void Thresholds_and_specials_match_System_Math(string name, double[] arguments)
    {
        var f = MathFunctionCases.Get(name);
        foreach (double x in arguments)
        {
            double expected = f.System!(x), actual = f.Device(x);
            if (double.IsNaN(expected)) Assert.True(double.IsNaN(actual), $"{name}({x:R})");
            else Assert.True(BitConverter.DoubleToInt64Bits(expected) == BitConverter.DoubleToInt64Bits(actual), $"{name}({x:R}) = {actual:R}, System.Math {expected:R}");
        }
    }
}
