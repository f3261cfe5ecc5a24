namespace GpuHbm.Tests.Models;

/// <summary>The random-effects structures every density test covers, appended to a family's fixed part.</summary>
internal static class ModelCases
{
    /// <summary>None; intercept; correlated K = 2 and K = 3; uncorrelated (||); nested (g/h); crossed.</summary>
    public static readonly string[] Structures =
    [
        "",
        " + (1 | g)",
        " + (1 + x1 | g)",
        " + (1 + x1 + x2 | g)",
        " + (1 + x1 || g)",
        " + (1 | g) + (1 | g:h)",
        " + (1 | g) + (1 + x2 | h)",
    ];
}
