using GpuHbm.Kernels;
namespace GpuHbm.Models.Kinship;

/// <summary>
/// Priors of <see cref="FastLmmDensity"/>: β_j ~ N(BetaLocation, BetaScale²) independently; σg and σe as given.
/// When <see cref="Beta"/>, <see cref="SigmaGDistribution"/> or <see cref="SigmaEDistribution"/> are set
/// (as <see cref="FromDistributions"/> does with the priors a <see cref="CompiledModel"/> resolves) they
/// take precedence: any <see cref="PriorDistribution"/> per coefficient, and on σg, σe the distribution
/// truncated at 0 (with its <see cref="PriorDistribution.LogHalfNormalizer"/>), so the fast path and the
/// general path define the same posterior.
/// </summary>
public sealed record FastLmmPriors(double BetaScale, ScalePrior SigmaG, ScalePrior SigmaE, double BetaLocation = 0)
{
    /// <summary>β ~ N(0, 10²), σg and σe ~ half-Student-t(3, 0, 2.5) (brms's default for sd).</summary>
    public static FastLmmPriors Default { get; } = new(10, ScalePrior.HalfStudentT(3, 2.5), ScalePrior.HalfStudentT(3, 2.5));

    /// <summary>Per-coefficient priors (length P); overrides <see cref="BetaScale"/> and <see cref="BetaLocation"/>.</summary>
    public IReadOnlyList<PriorDistribution>? Beta { get; init; }

    /// <summary>Prior on σg, truncated at 0; overrides <see cref="SigmaG"/>.</summary>
    public PriorDistribution? SigmaGDistribution { get; init; }

    /// <summary>Prior on σe, truncated at 0; overrides <see cref="SigmaE"/>.</summary>
    public PriorDistribution? SigmaEDistribution { get; init; }

    /// <summary>Priors given as <see cref="PriorDistribution"/>s (the positional ones are then unused).</summary>
    public static FastLmmPriors FromDistributions(IReadOnlyList<PriorDistribution> beta, PriorDistribution sigmaG, PriorDistribution sigmaE) =>
        Default with { Beta = beta.ToArray(), SigmaGDistribution = sigmaG, SigmaEDistribution = sigmaE };

    internal PriorDistribution[] BetaDistributions(int p)
    {
        if (Beta is not null)
        {
            if (Beta.Count != p) throw new GpuHbmModelException($"{Beta.Count} fixed-effect priors given for {p} coefficients");
            return Beta.ToArray();
        }
        if (!(BetaScale > 0) || !double.IsFinite(BetaScale))
            throw new GpuHbmModelException($"the prior scale of the fixed effects must be positive and finite, not {BetaScale}");
        return Enumerable.Repeat(new PriorDistribution(PriorDistributionKind.Normal, BetaLocation, BetaScale), p).ToArray();
    }

    internal static PriorDistribution ToDistribution(ScalePrior prior) => double.IsPositiveInfinity(prior.DegreesOfFreedom)
        ? new PriorDistribution(PriorDistributionKind.Normal, 0, prior.Scale)
        : new PriorDistribution(PriorDistributionKind.StudentT, prior.DegreesOfFreedom, 0, prior.Scale);
}

/// <summary>
/// The Gaussian kinship model y ~ N(Xβ, σg²K + σe²I), with the genetic effects u ~ N(0, σg²K)
/// integrated out, evaluated by the FaST-LMM rotation (Lippert et al. 2011, Nature Methods 8:833):
/// log p(y | θ) = Σ_i log N(ỹ_i | x̃_iᵀβ, σg²s_i + σe²), O(N·P) per evaluation instead of O(N³).
/// </summary>
/// <remarks>
/// Parameters θ = (β_1..β_P, log σg, log σe). The log density is exact, constants included: the
/// marginal likelihood, the prior on each β_j, the (half) priors on σg and σe
/// and the log-Jacobians log σg + log σe of the log transforms. The gradient is analytic:
/// with v_i = σg²s_i + σe² and r_i = ỹ_i − x̃_iᵀβ, ∂/∂β = Σ r_i x̃_i / v_i, and
/// ∂/∂v_i = ½(r_i²/v_i² − 1/v_i), chained through ∂v_i/∂log σg = 2σg²s_i, ∂v_i/∂log σe = 2σe².
/// Stateless after construction, so thread-safe and deterministic; a non-finite result gives −∞
/// and a zero gradient.
/// </remarks>
public sealed class FastLmmDensity : IBatchedDensity
{
    private const double Log2Pi = 1.8378770664093453;
    private readonly double[] _s, _y, _x;
    private readonly int _n, _p;
    private readonly PriorDistribution[] _beta;
    private readonly PriorDistribution _sigmaG, _sigmaE;

    public RotatedKinshipData Data { get; }
    public FastLmmPriors Priors { get; }

    /// <summary>P + 2.</summary>
    public int Dimension => _p + 2;

    /// <summary>Index of log σg in θ (log σe follows).</summary>
    public int LogSigmaGIndex => _p;

    public FastLmmDensity(RotatedKinshipData data, FastLmmPriors priors)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(priors);
        _beta = priors.BetaDistributions(data.Predictors);
        _sigmaG = priors.SigmaGDistribution ?? FastLmmPriors.ToDistribution(priors.SigmaG);
        _sigmaE = priors.SigmaEDistribution ?? FastLmmPriors.ToDistribution(priors.SigmaE);
        Data = data;
        Priors = priors;
        _s = data.S;
        _y = data.Y;
        _x = data.X;
        _n = data.Count;
        _p = data.Predictors;
    }

    public void Evaluate(ReadOnlySpan<double> positions, Span<double> logDensity, Span<double> gradient, int chains)
    {
        int d = Dimension;
        if (positions.Length < chains * d || gradient.Length < chains * d || logDensity.Length < chains)
            throw new ArgumentException($"{chains} chains of dimension {d} need {chains * d} positions and gradients");
        for (int c = 0; c < chains; c++)
            logDensity[c] = EvaluateOne(positions.Slice(c * d, d), gradient.Slice(c * d, d));
    }

    private double EvaluateOne(ReadOnlySpan<double> theta, Span<double> grad)
    {
        int n = _n, p = _p;
        var beta = theta[..p];
        double logSg = theta[p], logSe = theta[p + 1];
        double sg = Math.Exp(logSg), se = Math.Exp(logSe);
        double a = sg * sg, b = se * se;
        grad.Clear();
        var gBeta = grad[..p];
        double lp = -0.5 * n * Log2Pi, dA = 0, dB = 0;
        for (int i = 0; i < n; i++)
        {
            var xi = _x.AsSpan(i * p, p);
            double r = _y[i];
            for (int j = 0; j < p; j++) r -= xi[j] * beta[j];
            double v = a * _s[i] + b, inv = 1 / v, q = r * r * inv;
            lp -= 0.5 * (Math.Log(v) + q);
            double rv = r * inv;
            for (int j = 0; j < p; j++) gBeta[j] += rv * xi[j];
            double t = 0.5 * (q - 1) * inv;
            dA += t * _s[i];
            dB += t;
        }
        for (int j = 0; j < p; j++)
        {
            lp += _beta[j].LogDensity(beta[j], out double dj);
            gBeta[j] += dj;
        }
        lp += _sigmaG.LogDensity(sg, out double dg) + _sigmaG.LogHalfNormalizer + logSg
            + _sigmaE.LogDensity(se, out double de) + _sigmaE.LogHalfNormalizer + logSe;
        grad[p] = dA * 2 * a + dg * sg + 1;
        grad[p + 1] = dB * 2 * b + de * se + 1;
        if (!double.IsFinite(lp)) { grad.Clear(); return double.NegativeInfinity; }
        foreach (double g in grad)
            if (!double.IsFinite(g)) { grad.Clear(); return double.NegativeInfinity; }
        return lp;
    }

    /// <summary>
    /// Draws the genetic effects u (one per individual, in data-row order) from their Gaussian
    /// conditional given y and θ. In the eigenbasis it is diagonal:
    /// ũ_i ~ N(σg²s_i/(σg²s_i + σe²)·(ỹ_i − x̃_iᵀβ), σg²s_i·σe²/(σg²s_i + σe²)), and u = Uũ.
    /// <paramref name="standardNormals"/> (length N) supplies the randomness, e.g. from
    /// <see cref="GpuHbm.Kernels.Philox.Normals"/>; passing zeros gives the conditional mean (BLUP).
    /// </summary>
    public void DrawGeneticEffects(ReadOnlySpan<double> theta, ReadOnlySpan<double> standardNormals, Span<double> u)
    {
        int n = _n, p = _p;
        if (theta.Length != Dimension) throw new ArgumentException($"θ needs {Dimension} values", nameof(theta));
        if (standardNormals.Length < n || u.Length < n) throw new ArgumentException($"the genetic effects need {n} values");
        double a = Math.Exp(2 * theta[p]), b = Math.Exp(2 * theta[p + 1]);
        var rotated = new double[n];
        for (int i = 0; i < n; i++)
        {
            double r = _y[i];
            for (int j = 0; j < p; j++) r -= _x[i * p + j] * theta[j];
            double as_ = a * _s[i], v = as_ + b;
            double shrink = as_ / v;
            rotated[i] = shrink * r + Math.Sqrt(as_ * b / v) * standardNormals[i];
        }
        Data.Eigen.Unrotate(rotated, u);
    }

    /// <summary>Narrow-sense heritability h² = σg²/(σg² + σe²).</summary>
    public static double Heritability(double sigmaG, double sigmaE)
    {
        double a = sigmaG * sigmaG;
        return a / (a + sigmaE * sigmaE);
    }
}
