using GpuHbm.Compute.Native;
using Xunit;

namespace GpuHbm.Tests.Compute;

/// <summary>CUresult codes from the CUDA driver API reference (cuda.h): what the user is told to do.</summary>
public class CudaErrorHintTests
{
    [Theory]
    [InlineData(222, "driver is older")]        // CUDA_ERROR_UNSUPPORTED_PTX_VERSION
    [InlineData(700, "cannot be used again")]   // CUDA_ERROR_ILLEGAL_ADDRESS (sticky)
    [InlineData(999, "unavailable or was lost")] // CUDA_ERROR_UNKNOWN
    [InlineData(46, "unavailable or was lost")]  // CUDA_ERROR_DEVICES_UNAVAILABLE
    public void Known_errors_say_what_to_do(int code, string expected) =>
        Assert.Contains(expected, CudaDriverApi.Hint(code));

    [Fact]
    public void Other_errors_have_no_hint() => Assert.Null(CudaDriverApi.Hint(1));
}
