namespace GpuHbm.Models.Kinship;

/// <summary>
/// Narrow-sense heritability reported for models with <c>(1 | gr(id, cov = K))</c> terms:
/// h² = σg²/(σg² + σe²), with σg the term's sd and σe² the residual variance:
/// <list type="bullet">
/// <item>gaussian (no se): σe² = sigma².</item>
/// <item>bernoulli and binomial (logit link): σe² = π²/3, the variance of the standard logistic
/// distribution, i.e. h² on the latent (liability) scale.</item>
/// <item>poisson, and gaussian with known se: not reported. The log-link Poisson model has no
/// observation-level residual variance on the latent scale (it depends on the mean), so any σe²
/// would be a convention rather than a property of the model.</item>
/// </list>
/// With several relationship terms each gets h2_&lt;group&gt; = σ_t²/(Σ_s σ_s² + σe²) over the
/// relationship terms s. Variances of ordinary group-level terms are not in the denominator.
/// </summary>
public static class Heritability
{
    /// <summary>The latent residual variance of the logit link, π²/3.</summary>
    public const double LogisticVariance = Math.PI * Math.PI / 3;

    /// <summary>σe² for a family (gaussian: sigma², so <paramref name="sigma"/> is used), or NaN when h² is not defined.</summary>
    internal static double ResidualVariance(FamilyKind family, bool hasSigma, double sigma) => family switch
    {
        FamilyKind.Gaussian when hasSigma => sigma * sigma,
        FamilyKind.Bernoulli or FamilyKind.Binomial => LogisticVariance,
        _ => double.NaN,
    };

    /// <summary>True when h² is reported for this family.</summary>
    internal static bool IsDefined(FamilyKind family, bool hasSigma) =>
        (family == FamilyKind.Gaussian && hasSigma) || family is FamilyKind.Bernoulli or FamilyKind.Binomial;

    /// <summary>Output names: "h2" for one relationship term, "h2_&lt;group&gt;" for several.</summary>
    public static string[] Names(IReadOnlyList<RandomEffectsTerm> relationshipTerms) =>
        relationshipTerms.Count == 1 ? ["h2"] : relationshipTerms.Select(t => "h2_" + t.GroupName).ToArray();
}
