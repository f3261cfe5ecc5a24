namespace GpuHbm.Models;

/// <summary>
/// A density whose group-level effects can be partially centred (<see cref="Centring"/>): NUTS on the CPU chooses the
/// weights λ per chain during warm-up from the data's information at the chain's position, moves the chain to them and
/// reports draws on the non-centred θ, so the reported parameters are the same either way. Implemented by
/// <see cref="CompiledModel"/>.
/// </summary>
internal interface ICentrableDensity : IBatchedDensity
{
    /// <summary>True when some term can be centred.</summary>
    bool CanCentre { get; }

    /// <summary>λ for every θ entry suggested at the non-centred position <paramref name="theta"/> (<see cref="Centring.Weight"/>), or null when no term can be centred.</summary>
    double[]? CentringWeights(ReadOnlySpan<double> theta);

    /// <summary>The density and gradient in the coordinates of the weights <paramref name="centring"/> (null: non-centred).</summary>
    void Evaluate(ReadOnlySpan<double> positions, Span<double> logDensity, Span<double> gradient, int chains, double[]? centring);

    /// <summary>
    /// values ← values·sd^(λ_to − λ_from) entrywise, sd from θ (null weights: non-centred); values = θ moves the position
    /// from the weights <paramref name="from"/> to <paramref name="to"/> keeping r.
    /// </summary>
    void Recentre(ReadOnlySpan<double> theta, Span<double> values, double[]? from, double[]? to);

    /// <summary>θ index of the intercept (a fixed-effect column of ones), or −1.</summary>
    int InterceptIndex { get; }

    /// <summary>Random intercepts that can absorb the intercept: θ offset of their effects, their number of levels, θ index of their log sd.</summary>
    IReadOnlyList<(int Offset, int Levels, int SdOffset)> InterceptTerms { get; }
}
