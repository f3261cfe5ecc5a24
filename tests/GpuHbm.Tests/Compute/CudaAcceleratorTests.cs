using GpuHbm.Compute;
using Xunit;

namespace GpuHbm.Tests.Compute;

[Collection(CudaCollection.Name)]
public class CudaAcceleratorTests(ITestOutputHelper output) : AcceleratorSuite(output)
{
    protected override Accelerator Accelerator => DeviceFixtures.Cuda;

    [CudaFact] public void Buffer_round_trip() => Buffer_round_trip_preserves_every_bit();
    [CudaFact] public void Compile_error_has_build_log() => A_compile_error_reports_the_build_log();
    [CudaFact] public void Out_of_memory_names_bytes() => An_allocation_beyond_the_device_limit_reports_the_bytes_requested();
    [CudaFact] public void Kernel_cache_and_launch_checks() => Kernels_are_compiled_once_and_launches_are_checked_against_the_signature();
}
