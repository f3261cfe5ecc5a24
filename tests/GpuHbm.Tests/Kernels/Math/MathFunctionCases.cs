using GpuHbm.Kernels;
using Xunit;

// Namespace GpuHbm.Tests.Kernels, not …Kernels.Math: that namespace would hide System.Math from the
// other kernel tests.
namespace GpuHbm.Tests.Kernels;

/// <summary>One fp64 function under test: our implementation, its 320-bit reference, System.Math's where .NET has one, and its test points.</summary>
internal sealed record MathFunctionCase(
    string Name,
    Func<double, double> Device,
    Func<BigFloat, BigFloat> Reference,
    Func<double, double>? System,
    double MaxUlp,
    Func<double[]> Points)
{
    public override string ToString() => Name;
}

/// <summary>
/// The catalogue of fp64 functions with their ranges and documented accuracy (max error in ulp
/// against the reference over the points; the notes in /work/notes and the remarks on
/// <see cref="DeviceMath"/> quote the measured values).
/// </summary>
internal static class MathFunctionCases
{
    private const double TwoPi = 2 * Math.PI;

    public static readonly MathFunctionCase[] All =
    [
        new("Exp", DeviceMath.Exp, ReferenceMath.Exp, Math.Exp, 1.0, () => MathSamples.Draw(1,
            [(0.4, MathSamples.Uniform(-745.13, 709.78)), (0.4, MathSamples.Uniform(-40, 40)), (0.2, MathSamples.LogUniform(-60, 0, bothSigns: true))],
            MathSamples.WithNeighbours(-745.1332191019411, -708.3964185322641, -0.34657359027997264, 0.34657359027997264,
                1.0397207708399179, -1.0397207708399179, 1.0, 3.725290298461914e-9, -3.725290298461914e-9, 709.7))
            .Append(709.782712893384).ToArray()),
        new("Log", DeviceMath.Log, ReferenceMath.Log, Math.Log, 1.0, () => MathSamples.Draw(2,
            [(0.4, MathSamples.LogUniform(-1074, 1023)), (0.4, MathSamples.Uniform(0.5, 2)), (0.2, MathSamples.Uniform(0, 100))],
            MathSamples.WithNeighbours(1.0, 2.2250738585072014e-308, 0.7071067811865476, 1.4142135623730951,
                1 + 9.5367431640625e-7, 1 - 9.5367431640625e-7, 1.7976931348623157e308 / 2).Append(double.Epsilon).Append(double.MaxValue).ToArray())),
        new("Log1p", DeviceMath.Log1p, ReferenceMath.Log1p, null, 1.0, () => MathSamples.Draw(3,
            [(0.3, MathSamples.LogUniform(-60, -1, bothSigns: true)), (0.3, MathSamples.Uniform(-1, 1)), (0.2, MathSamples.LogUniform(0, 1023)), (0.2, MathSamples.Uniform(-0.5, 10))],
            MathSamples.WithNeighbours(1.862645149230957e-9, -1.862645149230957e-9, 5.551115123125783e-17, 0.41421356237309503,
                -0.2928932188134524, 9007199254740992.0, 1.0)
            .Append(Math.BitIncrement(-1.0)).Append(double.MaxValue).Append(double.Epsilon).ToArray())),
        // The branch-free forms that the row likelihoods use (one formula for every SIMD lane) on their domains.
        new("ExpClamped", DeviceMath.ExpClamped<double, Fp64Lane>, ReferenceMath.Exp, Math.Exp, 1.0, () => MathSamples.Draw(10,
            [(0.4, MathSamples.Uniform(-708, 708)), (0.4, MathSamples.Uniform(-40, 40)), (0.2, MathSamples.LogUniform(-60, 0, bothSigns: true))],
            MathSamples.WithNeighbours(-708.0, 708.0, -0.34657359027997264, 0.34657359027997264, 1.0397207708399179,
                -1.0397207708399179, 1.0, 3.725290298461914e-9, -3.725290298461914e-9, 0.5 * Math.Log(2) * 3)
            .Where(x => Math.Abs(x) <= 708).ToArray())),
        new("Log1pUnit", DeviceMath.Log1pUnit<double, Fp64Lane>, ReferenceMath.Log1p, null, 1.0, () => MathSamples.Draw(11,
            [(0.5, MathSamples.Uniform(0, 1)), (0.5, MathSamples.LogUniform(-1074, -1))],
            MathSamples.WithNeighbours(0.4142136573791504, 0.41421356237309503, 1.862645149230957e-9, 9.5367431640625e-7, 0.5)
            .Where(x => x >= 0 && x <= 1).Append(1.0).Append(0.0).Append(double.Epsilon).ToArray())),
        new("Expm1", DeviceMath.Expm1, ReferenceMath.Expm1, null, 1.0, () => MathSamples.Draw(4,
            [(0.3, MathSamples.LogUniform(-60, -1, bothSigns: true)), (0.4, MathSamples.Uniform(-40, 40)), (0.3, MathSamples.Uniform(-745, 709.78))],
            MathSamples.WithNeighbours(0.34657359027997264, -0.34657359027997264, 1.0397207708399179, -1.0397207708399179,
                38.816242111356935, -38.816242111356935, 5.551115123125783e-17, -0.25, 13.862943611198906, 39.0, 709.7))
            .Append(709.782712893384).ToArray()),
        new("Sin", DeviceMath.Sin, ReferenceMath.Sin, Math.Sin, 1.0, () => TrigPoints(5)),
        new("Cos", DeviceMath.Cos, ReferenceMath.Cos, Math.Cos, 1.0, () => TrigPoints(6)),
        new("Tanh", DeviceMath.Tanh, ReferenceMath.Tanh, Math.Tanh, 1.5, () => MathSamples.Draw(7,
            [(0.4, MathSamples.Uniform(-25, 25)), (0.3, MathSamples.LogUniform(-40, 5, bothSigns: true)), (0.3, MathSamples.Uniform(-5, 5))],
            MathSamples.WithNeighbours(22.0, -22.0, 1.0, -1.0, 3.725290298461914e-9, -3.725290298461914e-9, 0.5))),
        new("Log1pExp", DeviceMath.Log1pExp, ReferenceMath.Log1pExp, null, 1.5, () => MathSamples.Draw(8,
            [(0.5, MathSamples.Uniform(-40, 40)), (0.3, MathSamples.Uniform(-750, 750)), (0.2, MathSamples.Uniform(-5, 5))],
            MathSamples.WithNeighbours(-37.0, 18.0, 33.3, 1e-10, -1e-10, -745.0))),
        new("Lgamma", DeviceMath.Lgamma, ReferenceMath.Lgamma, null, 1.5, () => MathSamples.Draw(9,
            [(0.3, MathSamples.Uniform(0, 10)), (0.3, MathSamples.LogUniform(-70, 30)), (0.1, MathSamples.Uniform(0.5, 3)),
             (0.1, MathSamples.LogUniform(30, 1012)), (0.2, MathSamples.HalfIntegers(1_000_000))],
            MathSamples.WithNeighbours(1.0, 2.0, 8.0, 0.9, 1.4616321449683622, 1.2316321449683622, 1.7316321449683622,
                288230376151711744.0, 8.470329472543003e-22, 3.0, 0.5)))
    ];

    private static double[] TrigPoints(int seed) => MathSamples.Draw(seed,
        [(0.6, MathSamples.Uniform(0, TwoPi)), (0.2, MathSamples.Uniform(-100, 100)), (0.2, MathSamples.Uniform(-1647098, 1647098))],
        MathSamples.WithNeighbours(Math.PI / 4, -Math.PI / 4, 1.4901161193847656e-8, 1.0536712127723509e-8, Math.PI / 2, Math.PI,
            3 * Math.PI / 2, TwoPi, 1647098.0, -1647098.0, 355.0, 103993.0));

    public static MathFunctionCase Get(string name) => All.Single(c => c.Name == name);

    public static TheoryData<string> Names => new(All.Select(c => c.Name));
}
