using GpuHbm.Kernels;
using GpuHbm.Compute;

namespace GpuHbm.Sampling.Chees;

/// <summary>
/// The initial step size of a ChEES ensemble: Hoffman &amp; Gelman (2014), Algorithm 4 ("heuristic for choosing an
/// initial value of ε": take one leapfrog step with a fresh momentum; double ε while the acceptance exceeds 1/2, or halve
/// it while it is below, until it crosses), with the acceptance statistic replaced by the harmonic mean over all chains
/// of min(1, exp(H₀ − H₁)) — the statistic ChEES's step-size adaptation targets (TFP, BlackJAX), a divergent chain
/// counting as 0 — so that one ε serves the whole ensemble. Position, gradient and log density are left unchanged.
/// </summary>
internal static class EnsembleStepSizeSearch
{
    private const double Threshold = 0.5;
    private const int MaxTrials = 60;

    /// <param name="ensemble">The chains.</param>
    /// <param name="slots">Reads Position/Gradient, uses Q, P, G as scratch.</param>
    /// <param name="logDensity">log π at each chain's position.</param>
    /// <param name="stepSize">The starting ε.</param>
    /// <param name="searchId">Distinguishes the searches of one run (Philox counter = searchId·64 + trial).</param>
    public static double Run(IChainEnsemble ensemble, HmcSlots slots, ReadOnlySpan<double> logDensity, double stepSize, uint searchId)
    {
        int chains = ensemble.Chains;
        var all = Enumerable.Repeat(true, chains).ToArray();
        var kinetic = new double[chains];
        var h0 = new double[chains];
        var lp = new double[chains];
        var step = new double[chains];
        int direction = 0;
        for (int trial = 0; trial < MaxTrials; trial++)
        {
            ensemble.Copy(slots.Q, slots.Position, all);
            ensemble.Copy(slots.G, slots.Gradient, all);
            ensemble.DrawMomentum(slots.P, RandomPurpose.StepSizeSearch, searchId * MaxTrials + (uint)trial, all, kinetic);
            for (int c = 0; c < chains; c++) h0[c] = -logDensity[c] + kinetic[c];
            Array.Fill(step, stepSize);
            ensemble.Leapfrog(slots.Q, slots.P, slots.G, step, 1, all, lp, kinetic);
            double denominator = 0;
            for (int c = 0; c < chains; c++)
            {
                double logRatio = h0[c] - (-lp[c] + kinetic[c]);
                double a = double.IsNaN(logRatio) ? 0 : Math.Min(1, Math.Exp(logRatio));
                denominator += 1 / a;
            }
            double harmonic = chains / denominator;
            if (trial == 0) direction = harmonic > Threshold ? 1 : -1;
            else if (direction == 1 ? !(harmonic > Threshold) : harmonic > Threshold) return stepSize;   // crossed: Algorithm 4's ε
            stepSize = direction == 1 ? 2 * stepSize : 0.5 * stepSize;
            if (stepSize > 1e7) throw new GpuHbmSamplingException("the step size grew beyond 1e7 while searching for an initial step size; the posterior is probably improper.");
            if (stepSize < 1e-300) throw new GpuHbmSamplingException("no acceptable small step size could be found; perhaps the posterior is not continuous.");
        }
        return stepSize;
    }
}
