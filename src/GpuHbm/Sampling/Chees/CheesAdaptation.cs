using GpuHbm.Kernels;
namespace GpuHbm.Sampling.Chees;

/// <summary>
/// The ensemble-wide tuning of ChEES-HMC (Hoffman, Radul &amp; Sountsov 2021, Algorithm 1), after TFP's
/// GradientBasedTrajectoryLengthAdaptation and BlackJAX's chees_adaptation:
/// <list type="bullet">
/// <item>step size ε: dual averaging (<see cref="DualAveraging"/>) driven by the harmonic mean over all chains of
/// the acceptance probabilities (a divergent chain counts as 0, as TFP's reduce_log_harmonic_mean_exp), toward
/// 0.651 (Beskos et al. 2013's optimum for HMC);</item>
/// <item>trajectory length T: ascent on log T by <see cref="Adam"/> along the acceptance-weighted mean of the
/// per-chain ChEES gradients, each step clipped to ±0.35, with iterate averaging of log T (weight t^−½),
/// and T clipped to at most ε × maxLeapfrogSteps after each update and to [ε, ε × maxLeapfrogSteps] at each restart
/// after a metric update (BlackJAX's chees_adaptation: "the minimum trajectory length is one integrator step");
/// a transition takes max(1, ⌈u·T/ε⌉) steps.</item>
/// </list>
/// </summary>
public sealed class CheesAdaptation
{
    /// <summary>Largest |Δ log T| per iteration (≈ log(2)/2, as TFP).</summary>
    public const double LogUpdateClip = 0.35;

    private readonly DualAveraging _dualAveraging;
    private Adam _adam;
    private readonly double _learningRate;

    public CheesAdaptation(double initialStepSize, double targetAcceptance = 0.651, double learningRate = 0.025, int maxLeapfrogSteps = 1000)
    {
        _dualAveraging = new DualAveraging(targetAcceptance) { Mu = Math.Log(10 * initialStepSize) };
        _learningRate = learningRate;
        _adam = new Adam(learningRate);
        MaxLeapfrogSteps = maxLeapfrogSteps;
        StepSize = initialStepSize;
        TrajectoryLength = initialStepSize;
        LogTrajectoryLengthAverage = Math.Log(initialStepSize);
    }

    public int MaxLeapfrogSteps { get; }

    /// <summary>The step size to use next.</summary>
    public double StepSize { get; private set; }

    /// <summary>The (maximum) trajectory length T to use next; a transition integrates for u·T with u from the Halton sequence.</summary>
    public double TrajectoryLength { get; private set; }

    /// <summary>Iterate average of log T.</summary>
    public double LogTrajectoryLengthAverage { get; private set; }

    /// <summary>Updates taken.</summary>
    public int Count { get; private set; }

    /// <summary>The step size for sampling: the dual-averaging iterate average exp(x̄).</summary>
    public double FinalStepSize => _dualAveraging.Count > 0 ? _dualAveraging.FinalStepSize : StepSize;

    /// <summary>The trajectory length for sampling: exp(averaged log T), clipped to [ε, ε·maxLeapfrogSteps] for the final ε.</summary>
    public double FinalTrajectoryLength => Math.Clamp(Math.Exp(LogTrajectoryLengthAverage), FinalStepSize, FinalStepSize * MaxLeapfrogSteps);

    /// <summary>
    /// After a metric update: restarts step-size dual averaging around the new ε (as Stan does), multiplies T by
    /// <paramref name="trajectoryScale"/> (the change of the dynamics' time scale) and restarts Adam and the
    /// iterate averaging of log T, so that T is not left in a local maximum of the old geometry.
    /// </summary>
    public void Restart(double stepSize, double trajectoryScale)
    {
        _dualAveraging.Mu = Math.Log(10 * stepSize);
        _dualAveraging.Restart();
        StepSize = stepSize;
        if (double.IsFinite(trajectoryScale) && trajectoryScale > 0) TrajectoryLength *= trajectoryScale;
        // At least one step (BlackJAX clips T to [ε, ε·maxLeapfrogSteps]). T starts at the initial ε, which the step-size
        // search finds where the chains start — far out in the tails, orders of magnitude below the ε of the typical set;
        // without this floor T stays below ε while ε grows, every transition is one leapfrog step, and the ChEES gradient
        // (taken at t = u·T, not at the ε actually integrated) moves log T by a few percent per iteration at most, so the
        // chains are still drifting (MALA-like) when warm-up ends.
        TrajectoryLength = Math.Clamp(TrajectoryLength, StepSize, StepSize * MaxLeapfrogSteps);
        LogTrajectoryLengthAverage = Math.Log(TrajectoryLength);
        _adam = new Adam(_learningRate);
        Count = 0;
    }

    /// <summary>
    /// How a metric change rescales trajectory time: coordinate i's oscillation period scales as
    /// 1/√(M⁻¹ᵢ,new/M⁻¹ᵢ,old); ChEES is dominated by the high-variance coordinates (Var‖q‖² = Σ 2σᵢ⁴), so the
    /// periods are averaged with weights (M⁻¹ᵢ,new)² ≈ σᵢ⁴.
    /// </summary>
    public static double TrajectoryScale(ReadOnlySpan<double> oldInverseMetric, ReadOnlySpan<double> newInverseMetric)
    {
        double weighted = 0, weights = 0;
        for (int i = 0; i < oldInverseMetric.Length; i++)
        {
            double w = newInverseMetric[i] * newInverseMetric[i];
            weighted += w / Math.Sqrt(newInverseMetric[i] / oldInverseMetric[i]);
            weights += w;
        }
        return weighted / weights;
    }

    /// <summary>
    /// One update from an iteration's statistics.
    /// </summary>
    /// <param name="harmonicMeanAcceptance">Harmonic mean over all chains of the acceptance probabilities (divergent chains count as 0).</param>
    /// <param name="trajectoryGradient">Acceptance-weighted mean over chains of ∂ChEES/∂T (see <see cref="CheesSampler"/>).</param>
    public void Update(double harmonicMeanAcceptance, double trajectoryGradient)
    {
        Count++;
        double stepSize = _dualAveraging.Learn(double.IsFinite(harmonicMeanAcceptance) ? harmonicMeanAcceptance : 0);
        if (double.IsFinite(stepSize) && stepSize > 0) StepSize = stepSize;

        if (double.IsFinite(trajectoryGradient))
        {
            double logUpdate = Math.Clamp(_adam.Step(trajectoryGradient), -LogUpdateClip, LogUpdateClip);
            if (double.IsFinite(logUpdate)) TrajectoryLength *= Math.Exp(logUpdate);
        }
        double weight = Math.Pow(Count, -0.5);
        LogTrajectoryLengthAverage = weight * Math.Log(TrajectoryLength) + (1 - weight) * LogTrajectoryLengthAverage;
        // Only an upper clip here (as TFP): the transient large ε right after a dual-averaging restart (μ = log 10ε) must
        // not drag T up. The lower clip at one step is applied in Restart, against the ε the step-size search found.
        TrajectoryLength = Math.Min(TrajectoryLength, StepSize * MaxLeapfrogSteps);
    }
}
