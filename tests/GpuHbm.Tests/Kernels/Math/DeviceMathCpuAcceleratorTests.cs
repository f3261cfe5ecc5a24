using GpuHbm.Kernels;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using Xunit;

namespace GpuHbm.Tests.Kernels;

/// <summary>ILGPU's CPU accelerator, shared by the tests of one class (creating it takes a moment).</summary>
public sealed class CpuAcceleratorFixture : IDisposable
{
    public CpuAcceleratorFixture()
    {
        Context = Context.Create(builder => builder.CPU().EnableAlgorithms());
        Accelerator = Context.CreateCPUAccelerator(0);
    }

    public Context Context { get; }

    public Accelerator Accelerator { get; }

    public void Dispose()
    {
        Accelerator.Dispose();
        Context.Dispose();
    }
}

/// <summary>
/// The fp64 functions run as ILGPU kernels on the CPU accelerator give the managed results bit for
/// bit, over every accuracy-test point and the special values.
/// </summary>
public class DeviceMathCpuAcceleratorTests(CpuAcceleratorFixture fixture) : IClassFixture<CpuAcceleratorFixture>
{
    public static TheoryData<string> Names => new(MathKernels.Functions.Keys);

    [Theory]
    [MemberData(nameof(Names))]
    public void Kernel_results_equal_managed_results_bit_for_bit(string name)
    {
        Type function = MathKernels.Functions[name];
        double[] x = [.. MathFunctionCases.Get(name.StartsWith("SinCos", StringComparison.Ordinal) ? "Sin" : name).Points(), .. SpecialArguments];
        var apply = (IMathFunction)Activator.CreateInstance(function)!;
        double[] expected = x.Select(apply.Apply).ToArray();

        var kernel = fixture.Accelerator.LoadAutoGroupedStreamKernel(
            (Action<Index1D, ArrayView<double>, ArrayView<double>>)Delegate.CreateDelegate(
                typeof(Action<Index1D, ArrayView<double>, ArrayView<double>>), MathKernels.For(function)));
        using var input = fixture.Accelerator.Allocate1D(x);
        using var output = fixture.Accelerator.Allocate1D<double>(x.Length);
        kernel(x.Length, input.View, output.View);
        double[] actual = output.GetAsArray1D();

        for (int i = 0; i < x.Length; i++)
        {
            if (BitConverter.DoubleToInt64Bits(actual[i]) != BitConverter.DoubleToInt64Bits(expected[i]))
                Assert.Fail($"{name}({x[i]:R}): CPU accelerator {actual[i]:R}, managed {expected[i]:R}");
        }
    }

    [Fact]
    public void SinCos_equals_Sin_and_Cos_bit_for_bit()
    {
        foreach (double x in MathFunctionCases.Get("Sin").Points().Concat(SpecialArguments))
        {
            DeviceMath.SinCos(x, out double s, out double c);
            Assert.Equal(BitConverter.DoubleToInt64Bits(DeviceMath.Sin(x)), BitConverter.DoubleToInt64Bits(s));
            Assert.Equal(BitConverter.DoubleToInt64Bits(DeviceMath.Cos(x)), BitConverter.DoubleToInt64Bits(c));
        }
    }

    /// <summary>NaN, infinities, signed zeros, subnormals and the extremes.</summary>
    private static readonly double[] SpecialArguments =
    [
        double.NaN, double.PositiveInfinity, double.NegativeInfinity, 0.0, -0.0, double.Epsilon, -double.Epsilon,
        2.2250738585072009e-308, double.MaxValue, double.MinValue, 1.0, -1.0, 2.0, -2.5, 1e-300, -1e-300,
    ];
}
