using GpuHbm.Compute;
using Xunit;

namespace GpuHbm.Tests.Compute;

public class DeviceCatalogTests
{
    [Fact]
    public void The_managed_CPU_backend_is_always_listed_and_available()
    {
        var catalog = DeviceCatalog.Enumerate();
        var cpu = Assert.Single(catalog.DevicesOf(BackendKind.Cpu));
        Assert.True(catalog.Status(BackendKind.Cpu).IsAvailable);
        Assert.True(cpu.SupportsFp64);
        Assert.Equal(Environment.ProcessorCount, cpu.ComputeUnits);
        Assert.Equal(cpu, catalog.Devices[0]);
    }

    [Fact]
    public void Every_backend_has_a_status_and_unavailable_ones_say_why()
    {
        var catalog = DeviceCatalog.Enumerate();
        Assert.Equal([BackendKind.Cpu, BackendKind.CpuAccelerator, BackendKind.OpenCl, BackendKind.Cuda], catalog.Backends.Select(b => b.Backend));
        foreach (var status in catalog.Backends.Where(s => !s.IsAvailable))
        {
            Assert.Contains("unavailable because", status.Message);
            Assert.Null(catalog.FirstUsable(status.Backend));
        }
        string listing = catalog.ToString();
        foreach (var status in catalog.Backends) Assert.Contains(status.Message, listing);
    }

    [OpenClFact]
    public void An_OpenCL_device_with_fp64_is_listed()
    {
        var catalog = DeviceFixtures.Catalog;
        Assert.True(catalog.Status(BackendKind.OpenCl).IsAvailable, catalog.Status(BackendKind.OpenCl).Message);
        var device = catalog.FirstUsable(BackendKind.OpenCl);
        Assert.NotNull(device);
        Assert.True(device.SupportsFp64);
        Assert.True(device.GlobalMemoryBytes > 0);
        Assert.True(device.MaxGroupSize >= 1);
        Assert.True(device.ComputeUnits >= 1);
        Assert.StartsWith("OpenCL C", device.Version);
        Assert.True(device.IsUsable);
        Assert.False(string.IsNullOrWhiteSpace(device.Name));
        Assert.Equal(Enumerable.Range(0, catalog.DevicesOf(BackendKind.OpenCl).Count()), catalog.DevicesOf(BackendKind.OpenCl).Select(d => d.Index));
    }

    [CudaFact]
    public void A_CUDA_device_is_listed_with_its_compute_capability()
    {
        var device = DeviceFixtures.Catalog.FirstUsable(BackendKind.Cuda);
        Assert.NotNull(device);
        Assert.NotNull(device.ComputeCapability);
        Assert.True(device.ComputeCapability.Value.Major >= 3);
        Assert.True(device.GlobalMemoryBytes > 0);
        Assert.Equal("NVIDIA", device.Vendor);
    }

    [Fact]
    public void The_CPU_accelerator_is_always_listed_and_opens()
    {
        var catalog = DeviceCatalog.Enumerate();
        Assert.True(catalog.Status(BackendKind.CpuAccelerator).IsAvailable);
        var device = Assert.Single(catalog.DevicesOf(BackendKind.CpuAccelerator));
        Assert.True(device.IsUsable);
        Assert.Equal(device, catalog.FirstUsable(BackendKind.CpuAccelerator));
        using var accelerator = Accelerator.Create(device);
        Assert.Equal(Accelerator.CpuAcceleratorGroupSize, accelerator.GroupSize);
        Assert.Contains("CPU accelerator", accelerator.Device.Describe());
    }

    /// <summary>
    /// An OpenCL driver ILGPU cannot use (PoCL on a CPU: OpenCL C 1.2, no generic address space) is listed with the reason,
    /// and the backend says why it is unavailable; on a machine without any OpenCL device the loader or driver is named.
    /// </summary>
    [Fact]
    public void An_OpenCL_device_ILGPU_cannot_use_is_listed_with_the_reason()
    {
        var catalog = DeviceCatalog.Enumerate();
        var status = catalog.Status(BackendKind.OpenCl);
        var unusable = catalog.DevicesOf(BackendKind.OpenCl).Where(d => !d.IsUsable).ToList();
        foreach (var d in unusable)
            Assert.True(d.Unsupported!.Contains("generic address space", StringComparison.Ordinal) || d.Unsupported.Contains("fp64", StringComparison.Ordinal), d.Unsupported);
        if (!status.IsAvailable)
        {
            Assert.Null(catalog.FirstUsable(BackendKind.OpenCl));
            if (unusable.Count > 0) Assert.Contains(unusable[0].Unsupported!, status.Message);
            var e = Assert.Throws<GpuHbmException>(() => BackendSelection.Select("opencl", null, catalog));
            Assert.Contains(status.Message, e.Message);
        }
    }

    [Fact]
    public void The_CPU_backend_has_no_kernel_accelerator()
    {
        var cpu = DeviceCatalog.Enumerate().DevicesOf(BackendKind.Cpu).Single();
        var e = Assert.Throws<DeviceException>(() => Accelerator.Create(cpu));
        Assert.Contains("CPU", e.Message);
    }
}
