namespace GpuHbm.Kernels;

/// <summary>
/// The per-row likelihood of a GLMM: the family with its canonical link, gaussian split by whether the
/// residual scale is the parameter σ or known standard errors (<c>y | se(s)</c>). The one definition of these
/// codes: the managed density switches on them and the device kernels receive them.
/// </summary>
public enum LikelihoodKind
{
    /// <summary>normal_lpdf(y | η, σ), σ a parameter (log σ in θ).</summary>
    Gaussian = 0,

    /// <summary>normal_lpdf(y | η, se_i) with known standard errors.</summary>
    GaussianKnownSe = 1,

    /// <summary>bernoulli_logit_lpmf(y | η).</summary>
    Bernoulli = 2,

    /// <summary>binomial_logit_lpmf(y | n, η).</summary>
    Binomial = 3,

    /// <summary>poisson_log_lpmf(y | η).</summary>
    Poisson = 4,
}
