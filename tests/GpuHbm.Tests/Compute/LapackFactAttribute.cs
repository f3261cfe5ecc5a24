using System.Runtime.CompilerServices;
using GpuHbm.Compute.Native;
using Xunit;

namespace GpuHbm.Tests.Compute;

/// <summary>Why LAPACK tests skip: null when a native LAPACK loads (or GPUHBM_REQUIRE_LAPACK=1 makes them run and fail).</summary>
internal static class LapackSkip
{
    public const string RequireVariable = "GPUHBM_REQUIRE_LAPACK";

    public static string? Reason()
    {
        if (LapackApi.TryGet(out string why) is not null || Environment.GetEnvironmentVariable(RequireVariable) == "1") return null;
        return $"{why} (set {RequireVariable}=1 to fail instead of skipping)";
    }
}

/// <summary>A fact that needs a native LAPACK: skipped with the loader's reason when none loads, unless GPUHBM_REQUIRE_LAPACK=1.</summary>
public sealed class LapackFactAttribute : FactAttribute
{
    public LapackFactAttribute([CallerFilePath] string? sourceFilePath = null, [CallerLineNumber] int sourceLineNumber = -1)
        : base(sourceFilePath, sourceLineNumber)
    {
        if (LapackSkip.Reason() is { } reason) Skip = reason;
    }
}

/// <summary>A theory that needs a native LAPACK (see <see cref="LapackFactAttribute"/>).</summary>
public sealed class LapackTheoryAttribute : TheoryAttribute
{
    public LapackTheoryAttribute([CallerFilePath] string? sourceFilePath = null, [CallerLineNumber] int sourceLineNumber = -1)
        : base(sourceFilePath, sourceLineNumber)
    {
        if (LapackSkip.Reason() is { } reason) Skip = reason;
    }
}
