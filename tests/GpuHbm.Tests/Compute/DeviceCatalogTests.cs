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
        Assert.Equal([BackendKind.Cpu, BackendKind.OpenCl, BackendKind.Cuda], catalog.Backends.Select(b => b.Backend));
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
    public void The_CPU_backend_has_no_kernel_accelerator()
    {
        var cpu = DeviceCatalog.Enumerate().DevicesOf(BackendKind.Cpu).Single();
        var e = Assert.Throws<DeviceException>(() => Accelerator.Create(cpu));
        Assert.Contains("CPU", e.Message);
    }
}
