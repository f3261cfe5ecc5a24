namespace GpuHbm.Models;

/// <summary>
/// A prior in force on one parameter (or, for cor, one correlation matrix): its class, group and
/// coefficient, the distribution, and whether it is a default. On sd and sigma the distribution is
/// truncated at 0 (a half distribution).
/// </summary>
public sealed record ResolvedPrior(PriorClass Class, string? Group, string? Coef, PriorDistribution Distribution, bool IsDefault)
{
    /// <summary>The target as in a prior string: "Intercept", "b[Days]", "sd[Subject, Intercept]", "sigma", "cor[Subject]".</summary>
    public string Target => new PriorSpec(Class, Distribution, Group, Coef).Target;

    /// <summary>True for sd and sigma (distribution truncated to [0, ∞)).</summary>
    public bool IsHalf => Class is PriorClass.Sd or PriorClass.Sigma;

    /// <summary>The prior as text that <see cref="PriorSpec.Parse"/> reads back, e.g. "sd[county, floor] ~ student_t(3, 0, 2.5)".</summary>
    public string Text => $"{Target} ~ {Distribution}";

    public override string ToString() => Text + (IsHalf ? " (truncated at 0)" : "") + (IsDefault ? " [default]" : "");
}
