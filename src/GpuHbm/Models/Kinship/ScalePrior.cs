using MathNet.Numerics;

namespace GpuHbm.Models.Kinship;

/// <summary>
/// A half-Student-t (or, with infinite degrees of freedom, half-normal) prior on a standard
/// deviation σ > 0, with its normalizing constant: p(σ) = 2·t_ν(σ / scale) / scale.
/// brms's default for group-level standard deviations is student_t(3, 0, 2.5).
/// </summary>
public readonly record struct ScalePrior
{
    /// <summary>Degrees of freedom ν; +∞ = half-normal.</summary>
    public double DegreesOfFreedom { get; }

    /// <summary>Scale s &gt; 0.</summary>
    public double Scale { get; }

    private readonly double _logNormalizer;

    private ScalePrior(double df, double scale)
    {
        if (!(scale > 0) || !double.IsFinite(scale))
            throw new GpuHbmModelException($"the scale of a prior on a standard deviation must be positive and finite, not {scale}");
        if (!(df > 0))
            throw new GpuHbmModelException($"the degrees of freedom of a half-Student-t prior must be positive, not {df}");
        DegreesOfFreedom = df;
        Scale = scale;
        _logNormalizer = double.IsPositiveInfinity(df)
            ? Math.Log(2) - 0.5 * Math.Log(2 * Math.PI) - Math.Log(scale)
            : Math.Log(2) + SpecialFunctions.GammaLn((df + 1) / 2) - SpecialFunctions.GammaLn(df / 2) - 0.5 * Math.Log(df * Math.PI) - Math.Log(scale);
    }

    /// <summary>Half-normal(0, scale).</summary>
    public static ScalePrior HalfNormal(double scale) => new(double.PositiveInfinity, scale);

    /// <summary>Half-Student-t(ν, 0, scale).</summary>
    public static ScalePrior HalfStudentT(double degreesOfFreedom, double scale) => new(degreesOfFreedom, scale);

    /// <summary>log p(σ) for σ &gt; 0, normalized.</summary>
    public double LogDensity(double sigma)
    {
        double z = sigma / Scale;
        return double.IsPositiveInfinity(DegreesOfFreedom)
            ? _logNormalizer - 0.5 * z * z
            : _logNormalizer - 0.5 * (DegreesOfFreedom + 1) * Math.Log(1 + z * z / DegreesOfFreedom);
    }

    /// <summary>d log p(σ) / dσ.</summary>
    public double DerivativeLogDensity(double sigma)
    {
        double s2 = Scale * Scale;
        return double.IsPositiveInfinity(DegreesOfFreedom)
            ? -sigma / s2
            : -(DegreesOfFreedom + 1) * sigma / (DegreesOfFreedom * s2 + sigma * sigma);
    }
}
