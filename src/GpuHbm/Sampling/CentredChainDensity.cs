using GpuHbm.Models;

namespace GpuHbm.Sampling;

/// <summary>
/// One chain's view of a <see cref="ICentrableDensity"/> with its own partial-centring weights (automatic centring,
/// <see cref="SamplerOptions.AutomaticCentring"/>): the density in the coordinates of <see cref="Weights"/> (null: the
/// model's non-centred θ). During warm-up the sampler hands it the chain's positions from <see cref="ObserveFrom"/> on
/// (<see cref="Observe"/>: each effect keeps the smallest weight any of these positions suggests, so an effect whose sd
/// the chain also saw small — a funnel — is not centred), sets the weights once at <see cref="CentringIteration"/>
/// (<see cref="Centre"/>, <see cref="Centring.Settle"/>) and turns every draw it keeps back into the model's θ
/// (<see cref="ToModel"/>), so the reported draws do not depend on the weights. With every level of a random intercept
/// centred it also centres the model's intercept into that term (<see cref="AbsorbingTerm"/>).
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

    private double[]? _smallest, _weights, _inner, _factors;
    private int _interceptIndex = -1;
    private (int Offset, int Levels, int SdOffset) _absorbing;

    public int Dimension => model.Dimension;

    /// <summary>
    /// The weights λ per θ entry, or null (non-centred). Setting them also decides the hierarchical centring of the
    /// intercept (<see cref="AbsorbingTerm"/>): the random intercept with the fewest levels among those whose every level
    /// has λ &gt; 0.
    /// </summary>
    public double[]? Weights
    {
        get => _weights;
        set
        {
            _weights = value;
            int chosen = -1, levels = int.MaxValue;
            if (value is not null && model.InterceptIndex >= 0)
                foreach (var term in model.InterceptTerms)
                {
                    bool all = true;
                    for (int j = 0; j < term.Levels && all; j++) all = value[term.Offset + j] > 0;
                    if (all && term.Levels < levels) (chosen, levels) = (term.Offset, term.Levels);
                }
            Absorbing(chosen);
        }
    }

    /// <summary>The intercept held by the random intercept whose effects start at θ offset <paramref name="offset"/> (−1: none).</summary>
    private void Absorbing(int offset)
    {
        (_interceptIndex, _absorbing) = (-1, default);
        if (offset < 0) return;
        _absorbing = model.InterceptTerms.Single(t => t.Offset == offset);
        _interceptIndex = model.InterceptIndex;
    }

    /// <summary>
    /// The random intercept whose effects hold the intercept (hierarchical centring, Gelfand, Sahu and Carlin 1995), as
    /// (θ offset, levels), or null. With every level of a random intercept centred the data pin down b + r_j, not b and
    /// r_j apart: b and the r_j form a ridge that a diagonal metric follows slowly (issue 12's Poisson model: 5 levels of
    /// 40 rows, ESS per gradient of b 1.8 per 1000 against 3.0 with Stan's metric). The chain then samples
    /// v_j = w_j + b·sd^(λ_j − 1) instead of w_j (the partially centred coordinate, r_j = sd^(1−λ_j)·w_j), so that the
    /// rows' η = b + r_j = sd^(1−λ_j)·v_j does not depend on b at all, and b only sets the centre of the v_j.
    /// </summary>
    public (int Offset, int Levels)? AbsorbingTerm => _interceptIndex < 0 ? null : (_absorbing.Offset, _absorbing.Levels);

    /// <summary>
    /// The density at positions in these coordinates: w_j = v_j − b·f_j (f_j = sd^(λ_j − 1)) for the absorbing term, the
    /// model's density in the coordinates of the weights, and the gradient back: ∂/∂v_j = ∂/∂w_j,
    /// ∂/∂b −= Σ_j f_j ∂/∂w_j, ∂/∂log sd −= Σ_j (λ_j − 1)·b·f_j ∂/∂w_j. The map changes only the w entries, by amounts
    /// that depend on other coordinates: its Jacobian determinant is 1.
    /// </summary>
    public void Evaluate(ReadOnlySpan<double> positions, Span<double> logDensity, Span<double> gradient, int chains)
    {
        if (_interceptIndex < 0)
        {
            model.Evaluate(positions, logDensity, gradient, chains, Weights);
            return;
        }
        int d = Dimension;
        var (offset, levels, sdOffset) = _absorbing;
        if (_inner is null || _inner.Length < positions.Length) _inner = new double[positions.Length];
        if (_factors is null || _factors.Length < chains * levels) _factors = new double[chains * levels];
        var inner = _inner.AsSpan(0, positions.Length);
        positions.CopyTo(inner);
        for (int c = 0; c < chains; c++) Absorb(inner.Slice(c * d, d), -1, _factors.AsSpan(c * levels, levels));
        model.Evaluate(inner, logDensity, gradient, chains, Weights);
        for (int c = 0; c < chains; c++)
        {
            var g = gradient.Slice(c * d, d);
            var f = _factors.AsSpan(c * levels, levels);
            double b = positions[c * d + _interceptIndex], toB = 0, toSd = 0;
            for (int j = 0; j < levels; j++)
            {
                double gw = g[offset + j];
                toB += f[j] * gw;
                toSd += (_weights![offset + j] - 1) * b * f[j] * gw;
            }
            g[_interceptIndex] -= toB;
            g[sdOffset] -= toSd;
        }
    }

    /// <summary>
    /// v_j = w_j + sign·b·f_j, f_j = sd^(λ_j − 1), for the absorbing term's effects (sign −1: v → w; +1: w → v); b and sd
    /// are unchanged. <paramref name="factors"/> (length: the term's levels) receives the f_j, or null when not needed.
    /// </summary>
    private void Absorb(Span<double> theta, int sign, Span<double> factors = default)
    {
        var (offset, levels, sdOffset) = _absorbing;
        double b = sign * theta[_interceptIndex], logSd = theta[sdOffset];
        for (int j = 0; j < levels; j++)
        {
            double f = Math.Exp((_weights![offset + j] - 1) * logSd);
            if (!factors.IsEmpty) factors[j] = f;
            theta[offset + j] += b * f;
        }
    }

    /// <summary>A position in these coordinates → the model's θ (in place).</summary>
    public void ToModel(Span<double> theta)
    {
        if (Weights is null) return;
        if (_interceptIndex >= 0) Absorb(theta, -1);
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
        if (_interceptIndex >= 0) Absorb(position, -1);  // (never: the weights are set once) back to the plain weights' coordinates
        model.Recentre(theta, position, old, weights);
        model.Recentre(theta, inverseMetric, old, weights);
        model.Recentre(theta, inverseMetric, old, weights);
        Weights = weights;
        // The absorbing term's v_j = w_j + b; their metric entries stay those of w_j, and the metric warm-up restarts.
        if (_interceptIndex >= 0) Absorb(position, +1);
        return true;
    }

    /// <summary>The weights, the smallest observed ones and the term holding the intercept, for a checkpoint.</summary>
    public void Save(CheckpointWriter writer)
    {
        writer.Write(Weights is not null);
        if (Weights is not null) writer.Write(Weights);
        writer.Write(_smallest is not null);
        if (_smallest is not null) writer.Write(_smallest);
        writer.Write(_interceptIndex < 0 ? -1 : _absorbing.Offset);
    }

    /// <summary>Restores what <see cref="Save"/> wrote.</summary>
    /// <remarks>A checkpoint written before the intercept could be centred ends before that term: its positions hold w, so none.</remarks>
    public void Restore(CheckpointReader reader)
    {
        _weights = reader.ReadBoolean() ? reader.ReadDoubles() : null;
        _smallest = reader.ReadBoolean() ? reader.ReadDoubles() : null;
        Absorbing(reader.AtEnd ? -1 : reader.ReadInt32());
    }
}
