using System.Runtime.CompilerServices;
using GpuHbm.Compute;
using Xunit;

namespace GpuHbm.Tests.Compute;

/// <summary>
/// A fact that needs an OpenCL device: skipped with the catalog's reason when there is none,
/// unless GPUHBM_REQUIRE_OPENCL=1, in which case it runs (and fails with that reason).
/// </summary>
public sealed class OpenClFactAttribute : FactAttribute
{
    public OpenClFactAttribute([CallerFilePath] string? sourceFilePath = null, [CallerLineNumber] int sourceLineNumber = -1)
        : base(sourceFilePath, sourceLineNumber)
    {
        if (DeviceFixtures.SkipReason(BackendKind.OpenCl, DeviceFixtures.RequireOpenClVariable) is { } reason) Skip = reason;
    }
}
