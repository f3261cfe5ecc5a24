using GpuHbm.Kernels;
using Xunit;

namespace GpuHbm.Tests.Kernels;

/// <summary>
/// <see cref="DeviceMath.SinCos"/> gives <see cref="DeviceMath.Sin"/> and <see cref="DeviceMath.Cos"/> bit for bit. (Every
/// function run as a kernel on each accelerator, against the managed results and the reference, is in the accelerator
/// suite: tests/GpuHbm.Tests/Compute/AcceleratorSuite.DeviceMath.cs.)
/// </summary>
public class DeviceMathSinCosTests
{
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

    private static readonly double[] SpecialArguments =
    [
        double.NaN, double.PositiveInfinity, double.NegativeInfinity, 0.0, -0.0, double.Epsilon, -double.Epsilon,
        2.2250738585072009e-308, double.MaxValue, double.MinValue, 1.0, -1.0, 2.0, -2.5, 1e-300, -1e-300,
    ];
}
