using GpuHbm.Models;

namespace GpuHbm.Sampling;

/// <summary>
/// One chain's view of a <see cref="ICentrableDensity"/> with its own partial-centring weights (automatic centring,
/// <see cref="SamplerOptions.AutomaticCentring"/>): the density in the coordinates of <see cref="Weights"/> (null: the
/// model's non-centred θ). The sampler sets the weights once during warm-up (<see cref="Centre"/>) and turns every draw
/// it keeps back into the model's θ (<see cref="ToModel"/>), so the reported draws do not depend on the weights.
/// </summary>
internal sealed class CentredChainDensity(ICentrableDensity model) : IBatchedDensity
{
    /// <summary>
    /// The warm-up iteration after which the weights are chosen (15 % of warm-up: after Stan's first two slow windows
    /// for 1000 iterations, inside nutpie's early phase); automatic centring needs at least <see cref="MinimumWarmup"/>.
    /// </summary>
    public static int CentringIteration(int warmup) => 3 * warmup / 20;

    /// <summary>Warm-up iterations needed for automatic centring.</summary>
    public const int MinimumWarmup = 100;

    public int Dimension => model.Dimension;

    /// <summary>The weights λ per θ entry, or null (non-centred).</summary>
    public double[]? Weights { get; set; }

    public void Evaluate(ReadOnlySpan<double> positions, Span<double> logDensity, Span<double> gradient, int chains) =>
        model.Evaluate(positions, logDensity, gradient, chains, Weights);

    /// <summary>A position in these coordinates → the model's θ (in place).</summary>
    public void ToModel(Span<double> theta)
    {
        if (Weights is null) return;
        model.Recentre(theta, theta, Weights, null);
    }

    /// <summary>
    /// Chooses the weights from the data's information at <paramref name="position"/> (the chain's current position in
    /// the current coordinates) and, when any are non-zero and differ from the current ones, moves the position to them
    /// and carries the diagonal inverse metric <paramref name="inverseMetric"/> along (its variances scale by the squares
    /// of the position's factors). Returns false when nothing changed.
    /// </summary>
    public bool Centre(Span<double> position, Span<double> inverseMetric)
    {
        var old = Weights;
        var theta = position.ToArray();
        model.Recentre(theta, theta, old, null);
        var weights = model.CentringWeights(theta);
        if (weights is null && old is null) return false;
        model.Recentre(theta, position, old, weights);
        model.Recentre(theta, inverseMetric, old, weights);
        model.Recentre(theta, inverseMetric, old, weights);
        Weights = weights;
        return true;
    }
}
