using System.Runtime.CompilerServices;
using GpuHbm.Compute;
using Xunit;

namespace GpuHbm.Tests.Compute;

/// <summary>
/// A fact that needs an OpenCL device ILGPU can use (an OpenCL GPU: PoCL on a CPU lacks the generic address
/// space): skipped with the catalog's reason when there is none, unless GPUHBM_REQUIRE_OPENCL=1.
/// </summary>
public sealed class OpenClFactAttribute : FactAttribute
{
    public OpenClFactAttribute([CallerFilePath] string? sourceFilePath = null, [CallerLineNumber] int sourceLineNumber = -1)
        : base(sourceFilePath, sourceLineNumber)
    {
        if (DeviceFixtures.SkipReason(BackendKind.OpenCl, DeviceFixtures.RequireOpenClVariable) is { } reason) Skip = reason;
    }
}
