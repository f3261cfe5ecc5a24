namespace GpuHbm.Models;

/// <summary>
/// Partial centring of the effects of an independent group-level term (Papaspiliopoulos, Roberts and Sköld 2007,
/// "A general framework for the parametrization of hierarchical models"; Gorinova, Moore and Hoffman 2020, "Automatic
/// reparameterisation of probabilistic programs"): the sampler moves w_jm with r_jm = sd_m^(1−λ)·w_jm and
/// w_jm ~ N(0, sd_m^(2λ)), so λ = 0 is the non-centred z (r = sd·z) and λ = 1 the centred r ~ N(0, sd²); the reported
/// r are the same either way. λ per level and column is chosen from the data's information about the effect
/// (<see cref="Weight"/>).
/// </summary>
internal static class Centring
{
    /// <summary>∂r/∂w = sd^(1−λ), from log sd.</summary>
    public static double EffectScale(double logSd, double lambda) => Math.Exp((1 - lambda) * logSd);

    /// <summary>
    /// One effect's prior log N(w | 0, sd^(2λ)) without its −½ log 2π (added with the density's constant):
    /// −½ w² sd^(−2λ) − λ log sd. <paramref name="gw"/> = ∂/∂w of the prior plus sd^(1−λ)·∂ℓ/∂r (the likelihood's
    /// gradient <paramref name="dr"/> carried back to w); <paramref name="gsd"/> = ∂/∂sd of the prior plus ∂ℓ/∂r·∂r/∂sd,
    /// with ∂r/∂sd = (1−λ)·r/sd.
    /// </summary>
    public static double LevelTerms(double logSd, double sd, double lambda, double w, double dr, out double gw, out double gsd)
    {
        double scale = EffectScale(logSd, lambda);
        double precision = Math.Exp(-2 * lambda * logSd);   // sd^(−2λ)
        gw = scale * dr - w * precision;
        gsd = (dr * (1 - lambda) * scale * w + lambda * (w * w * precision - 1)) / sd;
        return -0.5 * w * w * precision - lambda * logSd;
    }

    /// <summary>
    /// The weight that makes a normal effect's w independent of sd a posteriori: λ = I·sd² / (1 + I·sd²), with I the
    /// data's information about the effect (Σ over its rows of Z² times −∂² log p(y|η)/∂η²) — 1 minus the shrinkage
    /// factor, so an effect the data pin down is centred and one they barely inform stays non-centred.
    /// </summary>
    public static double Weight(double information, double sd)
    {
        double q = information * sd * sd;
        double lambda = double.IsFinite(q) ? q / (1 + q) : 1;
        return lambda > 0 ? lambda : 0;
    }

    /// <summary>
    /// The weights to use from the smallest <see cref="Weight"/>s a chain saw in warm-up: values below
    /// <see cref="MinimumWeight"/> become 0 (non-centred); null when none is left.
    /// </summary>
    public static double[]? Settle(double[] weights)
    {
        bool any = false;
        for (int i = 0; i < weights.Length; i++)
        {
            if (!(weights[i] >= MinimumWeight)) weights[i] = 0;
            any |= weights[i] > 0;
        }
        return any ? weights : null;
    }

    /// <summary>
    /// Smallest weight used; smaller ones are 0. Only effects the data inform at least as much as the prior at every sd
    /// the chain visited are centred: partly centring the weakly informed ones (threshold 0.05, or weights averaged over
    /// the visited positions) gave radon's (1 + floor || county) 2–118 divergent transitions in 10,000 where the
    /// non-centred form had none, with this rule none (4 seeds), and the observation-level Poisson model none either.
    /// </summary>
    public const double MinimumWeight = 0.5;

    // When the weights are chosen (Sampling/CentredChainDensity.CentringIteration): at 30 % of warm-up from the positions of
    // 15–30 %. The first version chose them at 15 % from 7.5–15 %, before the chains had converged, and was opt-in: with a
    // 150-iteration warm-up sleepstudy's y ~ 1 + Days + (1 | Subject) had unmixed chains (R-hat ≥ 1.5) in 3 of 10 seeds —
    // so it has with the current rule, and so has the non-centred form in 6 of 10 (a 150-iteration warm-up is too short
    // for that model's b_Intercept ridge either way); numbers in benchmarks/results/centring-2026-11-30.md.
}
