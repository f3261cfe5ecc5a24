using GpuHbm.Compute;
using Xunit;

namespace GpuHbm.Tests.Compute;

/// <summary>
/// What every device backend must do with buffers, compilation and launches. Each backend's
/// test class derives from this and exposes the checks as facts that skip without its device.
/// </summary>
public abstract class AcceleratorSuite(ITestOutputHelper output)
{
    protected ITestOutputHelper Output { get; } = output;

    /// <summary>The backend's shared accelerator (throws the "unavailable because" message when there is none).</summary>
    protected abstract Accelerator Accelerator { get; }

    protected void Buffer_round_trip_preserves_every_bit()
    {
        var acc = Accelerator;
        var rng = new Random(1);
        double[] values = [.. Tolerance.RandomDoubles(rng, 1000, -1e300, 1e300), double.NaN, double.PositiveInfinity, -0.0, double.Epsilon];
        using var buffer = acc.Allocate<double>(values);
        Assert.Equal(values.Length, buffer.Length);
        Assert.Equal(values.Length * 8L, buffer.LengthInBytes);
        var back = buffer.ToArray();
        Assert.Equal(values.Select(BitConverter.DoubleToInt64Bits), back.Select(BitConverter.DoubleToInt64Bits));

        int[] ints = Enumerable.Range(0, 100).Select(i => i * 7 - 300).ToArray();
        using var intBuffer = acc.Allocate<int>(ints.Length);
        intBuffer.CopyFromHost(ints);
        intBuffer.CopyFromHost([42, 43], offset: 10);
        var part = new int[5];
        intBuffer.CopyToHost(part, offset: 9);
        Assert.Equal([ints[9], 42, 43, ints[12], ints[13]], part);

        Assert.Throws<ArgumentOutOfRangeException>(() => intBuffer.CopyFromHost(new int[5], offset: 96));
        intBuffer.Dispose();
        Assert.Throws<ObjectDisposedException>(() => intBuffer.ToArray());
    }

    protected void A_compile_error_reports_the_build_log()
    {
        string body = "KERNEL void broken(int n, GLOBAL double* x)\n{\n    x[0] = no_such_symbol_xyz * 2.0;\n}\n";
        var source = KernelSource.FromText("broken.cl", body, Accelerator.Dialect);
        var e = Assert.Throws<DeviceException>(() => Accelerator.LoadKernel(source, "broken"));
        Output.WriteLine(e.Message);
        Assert.NotNull(e.BuildLog);
        Assert.Contains("no_such_symbol_xyz", e.BuildLog);
        Assert.Contains("broken.cl", e.Message);
        Assert.Contains(e.BuildLog, e.Message);
        Assert.Contains(Accelerator.Backend == BackendKind.OpenCl ? "CL_BUILD_PROGRAM_FAILURE" : "NVRTC_ERROR_COMPILATION", e.ApiError);
        // The #line directives make the compiler name the file's own line 3.
        Assert.Contains("broken.cl:3", e.BuildLog);
        // A failed compilation is not cached: asking again compiles (and fails) again.
        Assert.Throws<DeviceException>(() => Accelerator.LoadKernel(source, "broken"));
    }

    protected void An_allocation_beyond_the_device_limit_reports_the_bytes_requested()
    {
        long elements = Accelerator.Device.MaxAllocationBytes / 8 + 1024;
        var e = Assert.Throws<DeviceException>(() => Accelerator.Allocate<double>(elements));
        Assert.Equal(elements * 8, e.RequestedBytes);
        Assert.Contains($"({elements * 8} bytes)", e.Message);
        Output.WriteLine(e.Message);
    }

    protected void Kernels_are_compiled_once_and_launches_are_checked_against_the_signature()
    {
        var acc = Accelerator;
        var source = KernelSource.FromResource(EnsembleKernels.SourceFile, acc.Dialect);
        var first = acc.Kernels.GetOrCompile(source);
        int compilations = acc.Kernels.Compilations;
        Assert.Same(first, acc.Kernels.GetOrCompile(KernelSource.FromResource(EnsembleKernels.SourceFile, acc.Dialect)));
        Assert.Same(first.GetKernel("masked_select"), acc.LoadKernel(source, "masked_select"));
        Assert.Equal(compilations, acc.Kernels.Compilations);
        Output.WriteLine($"{source.Name} compiled in {first.CompileTime.TotalSeconds:F2} s on {acc.Device.Describe()}");
        Assert.Throws<DeviceException>(() => first.GetKernel("no_such_kernel"));

        var select = first.GetKernel("masked_select");
        using var x = acc.Allocate<double>(4);
        using var mask = acc.Allocate<int>(2);
        using var wrongType = acc.Allocate<float>(4);
        var config = LaunchConfig.ForElements(4, 64);
        Assert.Throws<ArgumentException>(() => acc.Launch(select, config, 2, 2, x, mask, x));           // too few
        Assert.Throws<ArgumentException>(() => acc.Launch(select, config, 2, 2, x, mask, x, 5));        // scalar for buffer
        Assert.Throws<ArgumentException>(() => acc.Launch(select, config, 2, 2, x, mask, wrongType, x)); // float buffer for double*
        Assert.Throws<ArgumentException>(() => acc.Launch(select, config, 2L, 2, x, mask, x, x));       // long for int
        Assert.Throws<ArgumentException>(() => acc.Launch(select, config with { DynamicLocalBytes = 64 }, 2, 2, x, mask, x, x));
        Assert.Throws<ArgumentOutOfRangeException>(() => acc.Launch(select, new LaunchConfig(1, acc.MaxGroupSize + 1), 2, 2, x, mask, x, x));
        var dot = first.GetKernel("chain_dot");
        Assert.Throws<ArgumentException>(() => acc.Launch(dot, new LaunchConfig(2, 64), 2, 2, x, x, 0, x, mask)); // needs local memory
        acc.Launch(select, config, 2, 2, x, mask, x, x); // a valid launch still works
        acc.Synchronize();
    }
}
