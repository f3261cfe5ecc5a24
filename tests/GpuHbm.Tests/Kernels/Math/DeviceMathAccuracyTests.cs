using GpuHbm.Kernels;
using Xunit;

namespace GpuHbm.Tests.Kernels;

/// <summary>
/// Each fp64 function over <see cref="MathSamples.Count"/> seeded points plus its edge arguments:
/// the error against the 320-bit <see cref="ReferenceMath"/> stays within the documented bound, and
/// where .NET has the function, within 2 ulp of System.Math.
/// </summary>
public class DeviceMathAccuracyTests(ITestOutputHelper output)
{
    [Theory]
    [MemberData(nameof(Names))]
    public void Error_against_the_reference_is_within_the_documented_bound(string name)
    {
        var f = MathFunctionCases.Get(name);
        double[] x = f.Points();
        Assert.True(x.Length >= MathSamples.Count);
        var (worst, at) = MaxError(x, xi => ReferenceMath.UlpError(f.Device(xi), f.Reference(BigFloat.FromDouble(xi))));
        output.WriteLine($"{name}: {x.Length} points, max error {worst:F3} ulp at x = {at:R}");
        Assert.True(worst <= f.MaxUlp, $"{name}: {worst:F3} ulp at x = {at:R} (f = {f.Device(at):R}) exceeds {f.MaxUlp} ulp");
    }

    [Theory]
    [MemberData(nameof(SystemNames))]
    public void Within_two_ulp_of_System_Math(string name)
    {
        var f = MathFunctionCases.Get(name);
        double[] x = f.Points();
        var (worst, at) = MaxError(x, xi => ReferenceMath.UlpError(f.Device(xi), BigFloat.FromDouble(f.System!(xi))));
        output.WriteLine($"{name}: {x.Length} points, max difference from System.Math {worst:F3} ulp at x = {at:R}");
        Assert.True(worst <= 2, $"{name}: {worst:F3} ulp from System.Math at x = {at:R}");
    }

    /// <summary>
    /// No model reaches lgamma of a negative argument; where the reflection formula is used anyway
    /// its two terms cancel near the zeros of lgamma, so the bound is absolute: within
    /// 4·2^-52·max(1, |lgamma(x)| + |lgamma(−x)|) (the size of the larger term).
    /// </summary>
    [Fact]
    public void Lgamma_of_negative_arguments_is_within_an_absolute_bound()
    {
        double[] x = MathSamples.Draw(10,
            [(0.5, MathSamples.Uniform(-170, 0)), (0.5, MathSamples.Uniform(-5, 0))],
            MathSamples.WithNeighbours(-2.4570247382208006, -2.7476826467274127, -0.5, -1.5, -170.5, -1e-15));
        var (worst, at) = MaxError(x[..20_000], xi =>
        {
            BigFloat exact = ReferenceMath.Lgamma(BigFloat.FromDouble(xi));
            double scale = Math.Max(1, Math.Abs(exact.ToDouble()) + Math.Abs(DeviceMath.Lgamma(-xi)));
            return (BigFloat.FromDouble(DeviceMath.Lgamma(xi)) - exact).ToDouble() / (scale * Math.ScaleB(1, -52));
        });
        output.WriteLine($"Lgamma, x < 0: max error {worst:F3}·2^-52 of the larger term at x = {at:R}");
        Assert.True(worst <= 4, $"Lgamma({at:R}) is off by {worst:F3}·2^-52 of the larger term");
    }

    public static TheoryData<string> Names => MathFunctionCases.Names;

    public static TheoryData<string> SystemNames => new(MathFunctionCases.All.Where(c => c.System is not null).Select(c => c.Name));

    /// <summary>The largest |error| over the points and the argument where it occurs.</summary>
    private static (double Worst, double At) MaxError(double[] x, Func<double, double> error)
    {
        var errors = new double[x.Length];
        Parallel.For(0, x.Length, i => errors[i] = Math.Abs(error(x[i])));
        int worst = 0;
        for (int i = 1; i < x.Length; i++)
        {
            if (!(errors[i] <= errors[worst])) worst = i;
        }
        return (errors[worst], x[worst]);
    }
}
