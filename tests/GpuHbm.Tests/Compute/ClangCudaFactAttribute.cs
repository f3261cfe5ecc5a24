using System.Runtime.CompilerServices;
using Xunit;

namespace GpuHbm.Tests.Compute;

/// <summary>A fact that needs clang with the NVPTX target (see <see cref="ClangCudaCheck"/>); skipped without it.</summary>
public sealed class ClangCudaFactAttribute : FactAttribute
{
    public ClangCudaFactAttribute([CallerFilePath] string? sourceFilePath = null, [CallerLineNumber] int sourceLineNumber = -1)
        : base(sourceFilePath, sourceLineNumber)
    {
        if (ClangCudaCheck.SkipReason is { } reason) Skip = reason;
    }
}
