namespace GpuHbm.Kernels;

/// <summary>What a random number is for: the c3 word of the Philox counter, so that streams never overlap.</summary>
/// <remarks>The one definition of these codes: the managed samplers and the device kernels both pass them to <see cref="Philox"/>.</remarks>
public enum RandomPurpose : uint
{
    Initialization = 1,
    Momentum = 2,
    TreeDirection = 3,
    MultinomialSelection = 4,
    StepJitter = 5,
    Simulation = 6,
    /// <summary>Momenta drawn by the initial step-size search (Stan's init_stepsize).</summary>
    StepSizeSearch = 7,
    /// <summary>Metropolis accept/reject uniforms (ChEES-HMC).</summary>
    MetropolisAcceptance = 8,
    /// <summary>Posterior predictive draws of the response (counter: c2 = draw, c1 = row).</summary>
    PosteriorPredictive = 9,
    /// <summary>Effects of group levels not in the fit, drawn from the fitted population (counter: c2 = draw, c1 = term).</summary>
    NewLevelEffects = 10,
    /// <summary>Normals of the draws around each optimum that start ChEES chains (Sampling.Initialization.EnsembleLbfgs.DrawAroundOptimum).</summary>
    InitialDraw = 11,
}
