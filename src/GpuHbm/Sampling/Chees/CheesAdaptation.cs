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
/// and T clipped to [ε, ε × maxLeapfrogSteps] after each update (BlackJAX's chees_adaptation: "the minimum trajectory
/// length is one integrator step"; TFP's _clip_max_trajectory_length has the upper clip); a transition takes
/// max(1, ⌈u·T/ε⌉) steps. T starts at <see cref="StandardNormalOptimum"/> (in the units of the initial metric).</item>
/// </list>
/// </summary>
public sealed class CheesAdaptation
{
    /// <summary>Largest |Δ log T| per iteration (≈ log(2)/2, as TFP).</summary>
    public const double LogUpdateClip = 0.35;

    private readonly DualAveraging _dualAveraging;
    private readonly Adam _adam;

    /// <summary>
    /// The T that maximises the jittered ChEES criterion of a standard normal target sampled with M⁻¹ = I: with
    /// q(t) = q cos t + p sin t, E(‖q(t)‖² − ‖q‖²)² = 4d·sin²t (the ChEES criterion of Hoffman, Radul &amp; Sountsov 2021,
    /// §3, for q, p ~ N(0, I_d)), and averaging over the jitter t = u·T, u ~ U(0, 1), gives 2d·(1 − sin(2T)/(2T)), largest
    /// where tan(2T) = 2T: T = 4.4934/2 ≈ 2.2467. Our choice of starting T for a metric estimated from the starting
    /// points (BlackJAX starts at T = ε, TFP at ε times the user's number of leapfrog steps).
    /// </summary>
    public const double StandardNormalOptimum = 2.2467;

    public CheesAdaptation(double initialStepSize, double targetAcceptance = 0.651, double learningRate = 0.025, int maxLeapfrogSteps = 1000,
        double initialTrajectoryLength = 0, double dualAveragingGamma = 0.05)
    {
        _dualAveraging = new DualAveraging(targetAcceptance, dualAveragingGamma) { Mu = Math.Log(10 * initialStepSize) };
        _adam = new Adam(learningRate);
        MaxLeapfrogSteps = maxLeapfrogSteps;
        StepSize = initialStepSize;
        TrajectoryLength = Math.Clamp(initialTrajectoryLength, initialStepSize, initialStepSize * maxLeapfrogSteps);
        LogTrajectoryLengthAverage = Math.Log(TrajectoryLength);
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
        // BlackJAX's clip to [ε, ε·maxLeapfrogSteps]: at least one integrator step, at most the cap.
        TrajectoryLength = Math.Clamp(TrajectoryLength, StepSize, StepSize * MaxLeapfrogSteps);
    }
}
