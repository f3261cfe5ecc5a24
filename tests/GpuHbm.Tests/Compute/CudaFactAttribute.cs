using System.Runtime.CompilerServices;
using GpuHbm.Compute;
using Xunit;

namespace GpuHbm.Tests.Compute;

/// <summary>
/// A fact that needs a CUDA device: skipped with the catalog's reason when there is none,
/// unless GPUHBM_REQUIRE_CUDA=1, in which case it runs (and fails with that reason).
/// </summary>
public sealed class CudaFactAttribute : FactAttribute
{
    public CudaFactAttribute([CallerFilePath] string? sourceFilePath = null, [CallerLineNumber] int sourceLineNumber = -1)
        : base(sourceFilePath, sourceLineNumber)
    {
        if (DeviceFixtures.SkipReason(BackendKind.Cuda, DeviceFixtures.RequireCudaVariable) is { } reason) Skip = reason;
    }
}
