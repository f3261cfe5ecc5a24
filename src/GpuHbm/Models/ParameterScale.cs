using GpuHbm.Kernels;
namespace GpuHbm.Models;

/// <summary>
/// Where each coordinate of the unconstrained vector θ is expected to lie before the data are seen, and on what
/// scale: θᵢ ≈ <see cref="Location"/>[i] ± <see cref="Scale"/>[i]. Samplers use it to start chains near the prior's
/// bulk and as the initial diagonal metric (M⁻¹ᵢ = Scaleᵢ²), so that a unit step means the same for every coordinate
/// (the sleepstudy intercept, prior normal(250, 100), starts near 250 and moves in steps of about 100 instead of
/// starting at 0 and moving in unit steps). The density and the reported draws do not change.
/// </summary>
/// <remarks>
/// From the priors in force (<see cref="ForPriors"/>): a coefficient with a normal, Student-t or Cauchy prior takes the
/// prior's location and scale; log σ and log sd take log(|μ| + s) of their (half) prior and scale 1 (one e-fold);
/// Cholesky-factor coordinates take 0 and 1/2 (|tanh y| &lt; 0.46 within one scale); standardized effects z take 0 and 1
/// (their prior). A flat prior falls back to the data-scaled default prior of <see cref="DefaultPriors"/>.
/// </remarks>
public sealed class ParameterScale
{
    private readonly double[] _location, _scale;

    public ParameterScale(double[] location, double[] scale)
    {
        ArgumentNullException.ThrowIfNull(location);
        ArgumentNullException.ThrowIfNull(scale);
        if (location.Length != scale.Length) throw new ArgumentException("location and scale must have the same length.");
        for (int i = 0; i < location.Length; i++)
        {
            if (!double.IsFinite(location[i])) throw new ArgumentException($"location[{i}] is not finite.", nameof(location));
            if (!(scale[i] > 0) || !double.IsFinite(scale[i])) throw new ArgumentException($"scale[{i}] must be finite and positive.", nameof(scale));
        }
        _location = location.ToArray();
        _scale = scale.ToArray();
    }

    /// <summary>Length of θ.</summary>
    public int Dimension => _location.Length;

    public ReadOnlySpan<double> Location => _location;
    public ReadOnlySpan<double> Scale => _scale;

    /// <summary>Unit location 0 and scale 1 for every coordinate (Stan's implicit choice).</summary>
    public static ParameterScale Unit(int dimension) => new(new double[dimension], Enumerable.Repeat(1.0, dimension).ToArray());

    /// <summary>(location, scale) of an unbounded coefficient with prior <paramref name="prior"/>; null for a flat prior.</summary>
    internal static (double Location, double Scale)? OfCoefficient(PriorDistribution prior) => prior.Kind switch
    {
        PriorDistributionKind.Normal or PriorDistributionKind.Cauchy => (prior.Arguments[0], prior.Arguments[1]),
        PriorDistributionKind.StudentT => (prior.Arguments[1], prior.Arguments[2]),
        _ => null,
    };

    /// <summary>
    /// (location, scale) of log θ for a positive parameter with (half) prior <paramref name="prior"/>: log(|μ| + s) and 1,
    /// or log(1/rate) for an exponential; null for a flat prior.
    /// </summary>
    internal static (double Location, double Scale)? OfLogPositive(PriorDistribution prior) => prior.Kind switch
    {
        PriorDistributionKind.Exponential => (-Math.Log(prior.Arguments[0]), 1.0),
        _ => OfCoefficient(prior) is { } ls ? (Math.Log(Math.Abs(ls.Location) + ls.Scale), 1.0) : null,
    };

    /// <summary>
    /// The scale of a GLMM's θ (the layout of <see cref="CompiledModel"/>: b, [log sigma], then per term log sd,
    /// [Cholesky factor], z) from its priors; <paramref name="defaults"/> stands in for flat priors.
    /// </summary>
    internal static ParameterScale ForPriors(ParameterLayout layout, PriorSet priors, DefaultPriors defaults, DesignColumns x)
    {
        var location = new double[layout.Dimension];
        var scale = new double[layout.Dimension];
        foreach (var block in layout.Blocks)
        {
            for (int k = 0; k < block.Length; k++)
            {
                int i = block.Offset + k;
                (double Location, double Scale) ls = block.Transform switch
                {
                    ParameterTransform.Identity => OfCoefficient(priors.B[k]) ?? OfCoefficient(DefaultCoefficient(defaults, x, k))!.Value,
                    ParameterTransform.Log when block.Term < 0 =>
                        OfLogPositive(priors.Sigma!) ?? OfLogPositive(defaults.Scale)!.Value,
                    ParameterTransform.Log => OfLogPositive(priors.Sd[block.Term][k]) ?? OfLogPositive(defaults.Scale)!.Value,
                    ParameterTransform.CholeskyCorr => (0.0, 0.5),
                    _ => (0.0, 1.0),
                };
                location[i] = ls.Location;
                scale[i] = ls.Scale;
            }
        }
        return new ParameterScale(location, scale);
    }

    private static PriorDistribution DefaultCoefficient(DefaultPriors defaults, DesignColumns x, int column)
    {
        if (x.Names[column] == "Intercept") return defaults.Intercept;
        var v = new double[x.Rows];
        for (int i = 0; i < x.Rows; i++) v[i] = x.Values[i * x.Count + column];
        return defaults.B(v);
    }
}
