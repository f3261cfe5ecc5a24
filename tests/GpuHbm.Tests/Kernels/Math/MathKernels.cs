using GpuHbm.Kernels;
using ILGPU;

namespace GpuHbm.Tests.Kernels;

/// <summary>A fp64 function as a struct, so that one generic ILGPU kernel serves every function.</summary>
internal interface IMathFunction
{
    double Apply(double x);
}

internal readonly struct ExpFunction : IMathFunction { public double Apply(double x) => DeviceMath.Exp(x); }
internal readonly struct LogFunction : IMathFunction { public double Apply(double x) => DeviceMath.Log(x); }
internal readonly struct Log1pFunction : IMathFunction { public double Apply(double x) => DeviceMath.Log1p(x); }
internal readonly struct Expm1Function : IMathFunction { public double Apply(double x) => DeviceMath.Expm1(x); }
internal readonly struct SinFunction : IMathFunction { public double Apply(double x) => DeviceMath.Sin(x); }
internal readonly struct CosFunction : IMathFunction { public double Apply(double x) => DeviceMath.Cos(x); }
internal readonly struct TanhFunction : IMathFunction { public double Apply(double x) => DeviceMath.Tanh(x); }
internal readonly struct Log1pExpFunction : IMathFunction { public double Apply(double x) => DeviceMath.Log1pExp(x); }
internal readonly struct LgammaFunction : IMathFunction { public double Apply(double x) => DeviceMath.Lgamma(x); }
internal readonly struct ExpClampedFunction : IMathFunction { public double Apply(double x) => DeviceMath.ExpClamped<double, Fp64Lane>(x); }
internal readonly struct Log1pUnitFunction : IMathFunction { public double Apply(double x) => DeviceMath.Log1pUnit<double, Fp64Lane>(x); }

/// <summary>The sine from <see cref="DeviceMath.SinCos"/>.</summary>
internal readonly struct SinCosSineFunction : IMathFunction
{
    public double Apply(double x)
    {
        DeviceMath.SinCos(x, out double s, out _);
        return s;
    }
}

/// <summary>The cosine from <see cref="DeviceMath.SinCos"/>.</summary>
internal readonly struct SinCosCosineFunction : IMathFunction
{
    public double Apply(double x)
    {
        DeviceMath.SinCos(x, out _, out double c);
        return c;
    }
}

/// <summary>ILGPU's own <c>Math.Exp</c> (XMath with algorithms enabled): the control for the PTX check.</summary>
internal readonly struct SystemExpFunction : IMathFunction { public double Apply(double x) => Math.Exp(x); }

/// <summary>The test kernels: y[i] = f(x[i]).</summary>
internal static class MathKernels
{
    public static void Evaluate<TFunction>(Index1D i, ArrayView<double> x, ArrayView<double> y)
        where TFunction : struct, IMathFunction =>
        y[i] = default(TFunction).Apply(x[i]);

    /// <summary>The function structs by the case names of <see cref="MathFunctionCases"/>.</summary>
    public static readonly Dictionary<string, Type> Functions = new()
    {
        ["Exp"] = typeof(ExpFunction),
        ["Log"] = typeof(LogFunction),
        ["Log1p"] = typeof(Log1pFunction),
        ["ExpClamped"] = typeof(ExpClampedFunction),
        ["Log1pUnit"] = typeof(Log1pUnitFunction),
        ["Expm1"] = typeof(Expm1Function),
        ["Sin"] = typeof(SinFunction),
        ["Cos"] = typeof(CosFunction),
        ["Tanh"] = typeof(TanhFunction),
        ["Log1pExp"] = typeof(Log1pExpFunction),
        ["Lgamma"] = typeof(LgammaFunction),
        ["SinCos.Sin"] = typeof(SinCosSineFunction),
        ["SinCos.Cos"] = typeof(SinCosCosineFunction),
    };

    /// <summary>The kernel for one function struct, as a method ILGPU can load or compile.</summary>
    public static System.Reflection.MethodInfo For(Type function) =>
        typeof(MathKernels).GetMethod(nameof(Evaluate))!.MakeGenericMethod(function);
}
