using GpuHbm.Models;

namespace GpuHbm.Sampling;

/// <summary>
/// One chain's view of a <see cref="ICentrableDensity"/> with its own partial-centring weights (automatic centring,
/// <see cref="SamplerOptions.AutomaticCentring"/>): the density in the coordinates of <see cref="Weights"/> (null: the
/// model's non-centred θ). During warm-up the sampler hands it the chain's positions from <see cref="ObserveFrom"/> on
/// (<see cref="Observe"/>: each effect keeps the smallest weight any of these positions suggests, so an effect whose sd
/// the chain also saw small — a funnel — is not centred), sets the weights once at <see cref="CentringIteration"/>
/// (<see cref="Centre"/>, <see cref="Centring.Settle"/>) and turns every draw it keeps back into the model's θ
/// (<see cref="ToModel"/>), so the reported draws do not depend on the weights.
/// </summary>
internal sealed class CentredChainDensity(ICentrableDensity model) : IBatchedDensity
{
    /// <summary>
    /// The warm-up iteration after which the weights are set: 30 % of warm-up, where nutpie's early phase ends
    /// (<see cref="Metrics.NutpieMetricWarmup.EarlyFraction"/>), so that the chain has left its starting point and the weights
    /// rest on positions near the posterior; 70 % of warm-up remain to adapt the metric and step size in the new
    /// coordinates. Setting them at 15 % from positions of 7.5–15 % (the first version) chose them before the chains had
    /// converged: with a 150-iteration warm-up sleepstudy's y ~ 1 + Days + (1 | Subject) then failed (R-hat ≥ 1.5) in 3
    /// of 10 seeds — as did this rule, against 6 of 10 for the non-centred form (notes: benchmarks/results/centring-2026-11-30.md).
    /// </summary>
    public static int CentringIteration(int warmup) => 3 * warmup / 10;

    /// <summary>The first warm-up iteration whose position is observed (15 % of warm-up, half-way to <see cref="CentringIteration"/>).</summary>
    public static int ObserveFrom(int warmup) => CentringIteration(warmup) / 2;

    /// <summary>Warm-up iterations needed for automatic centring (shorter warm-ups stay non-centred).</summary>
    public const int MinimumWarmup = 100;

    private double[]? _smallest;

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

    /// <summary>Keeps, per effect, the smallest weight the chain's positions (in the current coordinates) suggested.</summary>
    public void Observe(ReadOnlySpan<double> position)
    {
        var theta = position.ToArray();
        ToModel(theta);
        if (model.CentringWeights(theta) is not { } weights) return;
        if (_smallest is null) _smallest = weights;
        else for (int i = 0; i < weights.Length; i++) _smallest[i] = Math.Min(_smallest[i], weights[i]);
    }

    /// <summary>
    /// Sets the weights to the smallest observed ones (<see cref="Centring.Settle"/>) and, when they differ from the
    /// current ones, moves the position (current coordinates) to them and carries the diagonal inverse metric
    /// <paramref name="inverseMetric"/> along (its variances scale by the squares of the position's factors). Returns false
    /// when nothing changed.
    /// </summary>
    public bool Centre(Span<double> position, Span<double> inverseMetric)
    {
        if (_smallest is null) return false;
        var weights = Centring.Settle((double[])_smallest.Clone());
        var old = Weights;
        if (weights is null && old is null) return false;
        var theta = position.ToArray();
        ToModel(theta);
        model.Recentre(theta, position, old, weights);
        model.Recentre(theta, inverseMetric, old, weights);
        model.Recentre(theta, inverseMetric, old, weights);
        Weights = weights;
        return true;
    }

    /// <summary>The weights and the smallest observed ones, for a checkpoint.</summary>
    public void Save(CheckpointWriter writer)
    {
        writer.Write(Weights is not null);
        if (Weights is not null) writer.Write(Weights);
        writer.Write(_smallest is not null);
        if (_smallest is not null) writer.Write(_smallest);
    }

    /// <summary>Restores what <see cref="Save"/> wrote.</summary>
    public void Restore(CheckpointReader reader)
    {
        Weights = reader.ReadBoolean() ? reader.ReadDoubles() : null;
        _smallest = reader.ReadBoolean() ? reader.ReadDoubles() : null;
    }
}
