using GpuHbm.Kernels;

namespace GpuHbm.Models;

/// <summary>The response distributions GpuHbm fits, each with its canonical link (as brms).</summary>
internal enum FamilyKind { Gaussian, Bernoulli, Binomial, Poisson }

/// <summary>
/// A response family with its link, named as in brms: <c>gaussian</c> (identity link,
/// dispersion <c>sigma</c>), <c>bernoulli</c> (logit), <c>binomial</c> (logit, trials per row)
/// and <c>poisson</c> (log).
/// </summary>
/// <remarks>
/// Log likelihoods follow the Stan Functions Reference (normal_lpdf, bernoulli_logit_lpmf,
/// binomial_logit_lpmf, poisson_log_lpmf) including every normalizing constant.
/// </remarks>
public sealed class Family
{
    public static Family Gaussian { get; } = new("gaussian", "identity", FamilyKind.Gaussian);
    public static Family Bernoulli { get; } = new("bernoulli", "logit", FamilyKind.Bernoulli);
    public static Family Binomial { get; } = new("binomial", "logit", FamilyKind.Binomial);
    public static Family Poisson { get; } = new("poisson", "log", FamilyKind.Poisson);

    /// <summary>Every supported family, in the order error messages list them.</summary>
    public static IReadOnlyList<Family> All { get; } = [Gaussian, Bernoulli, Binomial, Poisson];

    private Family(string name, string link, FamilyKind kind)
    {
        Name = name;
        Link = link;
        Kind = kind;
    }

    /// <summary>brms's name: "gaussian", "bernoulli", "binomial" or "poisson".</summary>
    public string Name { get; }

    /// <summary>The (canonical) link function: "identity", "logit" or "log".</summary>
    public string Link { get; }

    internal FamilyKind Kind { get; }

    /// <summary>The per-row likelihood code the shared family terms and the kernels take (gaussian splits by known se).</summary>
    internal LikelihoodKind Likelihood(bool knownStandardErrors) => Kind switch
    {
        FamilyKind.Gaussian => knownStandardErrors ? LikelihoodKind.GaussianKnownSe : LikelihoodKind.Gaussian,
        FamilyKind.Bernoulli => LikelihoodKind.Bernoulli,
        FamilyKind.Binomial => LikelihoodKind.Binomial,
        _ => LikelihoodKind.Poisson,
    };

    /// <summary>
    /// The family by name (case-insensitive; "normal" is accepted for gaussian). An unknown
    /// name is an error listing the supported ones.
    /// </summary>
    public static Family Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var key = name.Trim().ToLowerInvariant();
        if (key == "normal") return Gaussian;
        foreach (var f in All)
            if (f.Name == key) return f;
        throw new GpuHbmModelException(
            $"unknown family '{name}'; supported families are: {string.Join(", ", All.Select(f => f.Name))}");
    }

    /// <summary>
    /// The inverse link: the mean of the response (per trial for binomial) at linear predictor
    /// <paramref name="eta"/> (<see cref="ResponseDistribution.Mean"/> with one trial).
    /// </summary>
    public double InverseLink(double eta) => ResponseDistribution.Mean(Kind, eta, 1);

    /// <summary>
    /// The Fisher information of the linear predictor carried by one observation with mean
    /// <paramref name="mean"/> (the GLM working weight): 1/sigma² (gaussian; pass <paramref name="sigma"/>),
    /// trials·μ(1 − μ) (bernoulli, binomial), μ (poisson).
    /// </summary>
    public double WorkingWeight(double mean, double trials = 1, double sigma = double.NaN) => Kind switch
    {
        FamilyKind.Gaussian => 1 / (sigma * sigma),
        FamilyKind.Poisson => mean,
        _ => trials * mean * (1 - mean),
    };

    public override string ToString() => $"{Name}({Link})";
}
