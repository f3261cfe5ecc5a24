using GpuHbm.Kernels;
using MathNet.Numerics.Distributions;

namespace GpuHbm.Models;

/// <summary>
/// The response distribution of each family given the linear predictor η: its mean (the inverse link,
/// times the trials for binomial) and a random draw. With <see cref="GlmmDensity.RowLogLikelihood"/>
/// (the density's own row terms) these are the family functions predictions and model checks use.
/// </summary>
/// <remarks>
/// Draws use MathNet.Numerics' samplers (normal: Box–Muller; binomial: n Bernoulli trials; Poisson:
/// Knuth's method below λ = 30, Atkinson's rejection method above) on the <see cref="Random"/> given,
/// a <see cref="Kernels.PhiloxRandom"/> keyed by (seed, draw, row) in GpuHbm, so draws are reproducible
/// and independent of batching and thread count.
/// </remarks>
internal static class ResponseDistribution
{
    /// <summary>The logistic function 1/(1 + e^−η): the binomial row term's own (<see cref="FamilyTerms.Logistic(double)"/>).</summary>
    public static double Logistic(double eta) => FamilyTerms.Logistic(eta);

    /// <summary>E[y | η]: η (gaussian), logistic(η) (bernoulli), n·logistic(η) (binomial), e^η (poisson).</summary>
    public static double Mean(FamilyKind family, double eta, double trials) => family switch
    {
        FamilyKind.Gaussian => eta,
        FamilyKind.Bernoulli => Logistic(eta),
        FamilyKind.Binomial => trials * Logistic(eta),
        _ => DeviceMath.Exp(eta),
    };

    /// <summary>One draw of y given η; <paramref name="sd"/> is σ or the known se (gaussian), <paramref name="trials"/> n (binomial).</summary>
    public static double Draw(FamilyKind family, double eta, double trials, double sd, Random random) => family switch
    {
        FamilyKind.Gaussian => Normal.Sample(random, eta, sd),
        FamilyKind.Bernoulli => random.NextDouble() < Logistic(eta) ? 1 : 0,
        FamilyKind.Binomial => Binomial.Sample(random, Logistic(eta), (int)trials),
        _ => Poisson.Sample(random, DeviceMath.Exp(eta)),
    };
}
