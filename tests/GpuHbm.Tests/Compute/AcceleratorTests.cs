using GpuHbm.Compute;
using Xunit;

namespace GpuHbm.Tests.Compute;

/// <summary>The accelerator suite on ILGPU's CPU accelerator: always present, so it runs in every CI build.</summary>
[Collection(CpuAcceleratorCollection.Name)]
public sealed class CpuAcceleratorTests(ITestOutputHelper output) : AcceleratorSuite(output)
{
    protected override Accelerator Accelerator => DeviceFixtures.CpuAccelerator;
    protected override string? SkipReason => null;
}

/// <summary>The accelerator suite on the first usable CUDA device; skips without one unless GPUHBM_REQUIRE_CUDA=1.</summary>
[Collection(CudaCollection.Name)]
public sealed class CudaAcceleratorTests(ITestOutputHelper output) : AcceleratorSuite(output)
{
    protected override Accelerator Accelerator => DeviceFixtures.Cuda;
    protected override string? SkipReason => DeviceFixtures.SkipReason(BackendKind.Cuda, DeviceFixtures.RequireCudaVariable);
}

/// <summary>The accelerator suite on the first usable OpenCL device (a GPU); skips without one unless GPUHBM_REQUIRE_OPENCL=1.</summary>
[Collection(OpenClCollection.Name)]
public sealed class OpenClAcceleratorTests(ITestOutputHelper output) : AcceleratorSuite(output)
{
    protected override Accelerator Accelerator => DeviceFixtures.OpenCl;
    protected override string? SkipReason => DeviceFixtures.SkipReason(BackendKind.OpenCl, DeviceFixtures.RequireOpenClVariable);
}
