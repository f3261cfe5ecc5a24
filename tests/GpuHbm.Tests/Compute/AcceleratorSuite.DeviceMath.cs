using GpuHbm.Tests.Kernels;
using ILGPU;
using ILGPU.Runtime;
using Xunit;
using FunctionKernels = GpuHbm.Tests.Kernels.MathKernels;

namespace GpuHbm.Tests.Compute;

/// <summary>
/// GpuHbm's own fp64 functions (<see cref="GpuHbm.Kernels.DeviceMath"/>) run as kernels on the accelerator over every
/// accuracy-test point of <see cref="MathFunctionCases"/> (100,000 and more per function) and the special values.
/// Where the device's arithmetic is the host's (the CPU accelerator) the results equal the managed ones bit for bit,
/// which carries the managed accuracy tests over. Elsewhere (CUDA: ptxas may contract mul + add into fma) each result
/// is measured against the 320-bit reference: at most 2 ulp (the bound; the managed code is within 1 to 1.5),
/// and the special values (NaN, ±∞, ±0, overflow and underflow) are the managed ones.
/// </summary>
public abstract partial class AcceleratorSuite
{
    public static TheoryData<string> DeviceMathFunctions => new(FunctionKernels.Functions.Keys);

    protected void Fp64_function_on_the_device(string name)
    {
        var f = MathFunctionCases.Get(name switch { "SinCos.Sin" => "Sin", "SinCos.Cos" => "Cos", _ => name });
        double[] points = f.Points();
        double[] x = [.. points, .. SpecialArguments];
        var apply = (IMathFunction)Activator.CreateInstance(FunctionKernels.Functions[name])!;
        double[] expected = x.Select(apply.Apply).ToArray();

        var kernel = Accelerator.Kernel($"Tests.DeviceMath.{name}", a => a.LoadAutoGroupedStreamKernel(
            (Action<Index1D, ArrayView<double>, ArrayView<double>>)Delegate.CreateDelegate(
                typeof(Action<Index1D, ArrayView<double>, ArrayView<double>>), FunctionKernels.For(FunctionKernels.Functions[name]))));
        using var input = Accelerator.Allocate<double>(x);
        using var output = Accelerator.Allocate<double>(x.Length);
        kernel(x.Length, input.View, output.View);
        Accelerator.Launched();
        double[] actual = output.ToArray();

        if (SameArithmetic)
        {
            for (int i = 0; i < x.Length; i++)
                if (BitConverter.DoubleToInt64Bits(actual[i]) != BitConverter.DoubleToInt64Bits(expected[i]))
                    Assert.Fail($"{name}({x[i]:R}): {Accelerator.Backend} {actual[i]:R}, managed {expected[i]:R}");
            Output.WriteLine($"{name}: {x.Length} arguments, every result equal to the managed one bit for bit");
            return;
        }

        var errors = new double[points.Length];
        Parallel.For(0, points.Length, i => errors[i] = double.IsFinite(expected[i]) && expected[i] != 0
            ? Math.Abs(ReferenceMath.UlpError(actual[i], f.Reference(BigFloat.FromDouble(points[i]))))
            : BitConverter.DoubleToInt64Bits(actual[i]) == BitConverter.DoubleToInt64Bits(expected[i]) ? 0 : double.PositiveInfinity);
        int worst = 0, differing = 0;
        for (int i = 0; i < points.Length; i++)
        {
            if (!(errors[i] <= errors[worst])) worst = i;
            if (BitConverter.DoubleToInt64Bits(actual[i]) != BitConverter.DoubleToInt64Bits(expected[i])) differing++;
        }
        Output.WriteLine($"{name} on {Accelerator.Device.Describe()}: {points.Length} points, max error {errors[worst]:F3} ulp at x = {points[worst]:R}; "
            + $"{differing} results differ from the managed ones");
        Assert.True(errors[worst] <= 2, $"{name}({points[worst]:R}) on {Accelerator.Backend}: {actual[worst]:R}, {errors[worst]:F3} ulp from the reference "
            + $"(managed {expected[worst]:R})");
        for (int i = points.Length; i < x.Length; i++)
        {
            bool same = BitConverter.DoubleToInt64Bits(actual[i]) == BitConverter.DoubleToInt64Bits(expected[i]) || (double.IsNaN(actual[i]) && double.IsNaN(expected[i]));
            if (!same && (!double.IsFinite(expected[i]) || expected[i] == 0 || !double.IsFinite(actual[i]) || Tolerance.Ulps(expected[i], actual[i]) > 2))
                Assert.Fail($"{name}({x[i]:R}): {Accelerator.Backend} {actual[i]:R}, managed {expected[i]:R}");
        }
    }

    /// <summary>NaN, infinities, signed zeros, subnormals and the extremes.</summary>
    private static readonly double[] SpecialArguments =
    [
        double.NaN, double.PositiveInfinity, double.NegativeInfinity, 0.0, -0.0, double.Epsilon, -double.Epsilon,
        2.2250738585072009e-308, double.MaxValue, double.MinValue, 1.0, -1.0, 2.0, -2.5, 1e-300, -1e-300,
    ];
}
