namespace GpuHbm.Tests.Models;

/// <summary>The random-effects structures every density test covers, appended to a family's fixed part.</summary>
internal static class ModelCases
{
    /// <summary>
    /// Every family's fixed part over the synthetic data columns: gaussian, gaussian with known se,
    /// bernoulli, binomial by trials() and by cbind(), poisson with an offset (P &gt; 1 and P = 1).
    /// </summary>
    public static readonly (string Family, string Formula)[] Families =
    [
        ("gaussian", "yg ~ 1 + x1 + f"),
        ("gaussian", "yg | se(se) ~ 1 + x1 + f"),
        ("bernoulli", "yb ~ 1 + x1 + f"),
        ("binomial", "ys | trials(nt) ~ 1 + x1 + f + x1:f"),
        ("binomial", "cbind(ys, nf) ~ 0 + f + x2"),
        ("poisson", "yp ~ 1 + x1 + f + offset(off)"),
        ("poisson", "yp ~ 1 + offset(off)"),
    ];

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
