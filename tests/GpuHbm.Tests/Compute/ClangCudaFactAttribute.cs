using Xunit;

namespace GpuHbm.Tests.Compute;

/// <summary>A fact that needs clang with the NVPTX target (see <see cref="ClangCudaCheck"/>); skipped without it.</summary>
public sealed class ClangCudaFactAttribute : FactAttribute
{
    public ClangCudaFactAttribute()
    {
        if (ClangCudaCheck.SkipReason is { } reason) Skip = reason;
    }
}
