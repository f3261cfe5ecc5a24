using GpuHbm.Compute;
using GpuHbm.Kernels;
using ILGPU;
using Xunit;

namespace GpuHbm.Tests.Compute;

/// <summary>
/// The one accelerator test suite: what production runs, on every accelerator present. Each accelerator's test
/// class (<see cref="CpuAcceleratorTests"/> always; <see cref="CudaAcceleratorTests"/> and
/// <see cref="OpenClAcceleratorTests"/> where a device is found) derives from this and exposes the checks as facts:
/// buffers and errors here; the GLMM density against the managed CPU reference for every family and random-effects
/// structure (AcceleratorSuite.Density.cs); every ensemble operation against the managed CPU ensemble
/// (AcceleratorSuite.Ensemble.cs); short NUTS and ChEES runs (AcceleratorSuite.Samplers.cs); the GRM Gram product
/// (AcceleratorSuite.Gram.cs); the shared scalar math and Philox on the device (AcceleratorSuite.Math.cs).
/// </summary>
public abstract partial class AcceleratorSuite(ITestOutputHelper output)
{
    protected ITestOutputHelper Output { get; } = output;

    /// <summary>The backend's shared accelerator (throws the "unavailable because" message when there is none).</summary>
    protected abstract Accelerator Accelerator { get; }

    /// <summary>
    /// Whether the device's floating-point arithmetic is the host's (the CPU accelerator runs the kernels as .NET code),
    /// so that the same shared C# code gives the same bits as the managed backend. CUDA may fuse multiply-adds.
    /// </summary>
    protected bool SameArithmetic => Accelerator.Backend == BackendKind.CpuAccelerator;

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

    protected void An_allocation_beyond_the_device_limit_reports_the_bytes_requested()
    {
        long elements = Accelerator.Device.MaxAllocationBytes / 8 + 1024;
        var e = Assert.Throws<DeviceException>(() => Accelerator.Allocate<double>(elements));
        Assert.Equal(elements * 8, e.RequestedBytes);
        Assert.Contains($"({elements * 8} bytes)", e.Message);
        Assert.Contains(Accelerator.Device.Describe(), e.Message);
        Output.WriteLine(e.Message);
    }

    protected void Kernels_are_compiled_once_per_accelerator()
    {
        var acc = Accelerator;
        int loads = 0;
        Action<KernelConfig, ArrayView<double>, long> Load() => acc.Kernel("GramKernels.Zero", a =>
        {
            loads++;
            return ILGPU.Runtime.KernelLoaders.LoadStreamKernel<ArrayView<double>, long>(a, GramKernels.Zero);
        });
        var first = Load();
        var second = Load();
        Assert.Same(first, second);
        Assert.True(loads <= 1);
        using var x = acc.Allocate<double>(new double[] { 1, 2, 3, 4, 5 });
        long before = acc.Launches;
        first(acc.Shape(acc.GroupsFor(4)), x.View, 4);
        acc.Launched();
        Assert.Equal([0, 0, 0, 0, 5.0], x.ToArray());
        Assert.Equal(before + 1, acc.Launches);
        Output.WriteLine($"{acc.Device.Describe()}: groups of {acc.GroupSize}, at most {acc.MaxGroups} groups a launch");
    }
}
