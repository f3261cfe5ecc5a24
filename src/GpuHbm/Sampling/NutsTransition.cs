namespace GpuHbm.Sampling;

/// <summary>
/// What one NUTS transition of one chain reports: Stan's sampler parameters (accept_stat__, stepsize__,
/// treedepth__, n_leapfrog__, divergent__, energy__) and lp__.
/// </summary>
/// <param name="AcceptStat">Mean of min(1, exp(H0 − H)) over the states the transition created (Stan ≥ 2.21 base_nuts).</param>
/// <param name="StepSize">The step size used.</param>
/// <param name="TreeDepth">Number of subtrees accepted into the trajectory (the trajectory has up to 2^TreeDepth states).</param>
/// <param name="LeapfrogSteps">Leapfrog steps taken, including those of a rejected final subtree.</param>
/// <param name="Divergent">True when some leapfrog step's energy error H − H0 exceeded <see cref="Nuts.MaxEnergyError"/>.</param>
/// <param name="Energy">The Hamiltonian of the selected phase-space point, as Stan's energy__ (base_nuts sets energy_ = H(z_sample)).</param>
/// <param name="LogDensity">log π of the new draw (Stan's lp__ on the unconstrained scale).</param>
/// <param name="Moved">False when the transition kept its starting point (no new state was selected); metric warm-up
/// skips such draws (nuts-rs's DrawGradCollector).</param>
public readonly record struct NutsTransition(
    double AcceptStat,
    double StepSize,
    int TreeDepth,
    int LeapfrogSteps,
    bool Divergent,
    double Energy,
    double LogDensity,
    bool Moved = true)
{
    /// <summary>
    /// Mean over the new states of 2/(1 + exp|H − H0|) (nuts-rs AcceptanceRateCollector's mean_sym): like
    /// <see cref="AcceptStat"/> but an energy drop counts as much against the step size as a rise, so dual averaging
    /// toward the same target settles on a smaller step (nutpie's final step-size phase).
    /// </summary>
    public double SymmetricAcceptStat { get; init; } = AcceptStat;
}

/// <summary>
/// The host-side part of an ensemble's NUTS state; the vectors (each chain's current position and the
/// gradient there) live in the ensemble's <see cref="NutsLayout.Position"/> and <see cref="NutsLayout.Gradient"/> slots.
/// </summary>
public sealed class NutsState
{
    public NutsState(int chains) => LogDensity = new double[chains];

    /// <summary>log π at each chain's current position.</summary>
    public double[] LogDensity { get; }
}
