using GpuHbm.Compute;
using GpuHbm.Kernels;

namespace GpuHbm.Sampling;

/// <summary>
/// Stan's initial step-size heuristic (base_hmc::init_stepsize; cf. Hoffman &amp; Gelman 2014, Algorithm 4):
/// from the current position, take one leapfrog step with a fresh momentum; if the acceptance
/// exp(H0 − H) exceeds 0.8 keep doubling ε, otherwise keep halving, each time with a fresh momentum,
/// until the acceptance crosses 0.8. Runs for all active chains of an ensemble in lockstep; the
/// position, gradient and log density are left unchanged.
/// </summary>
public static class StepSizeSearch
{
    private static readonly double LogThreshold = Math.Log(0.8);

    /// <summary>Trials per search are numbered within the Philox counter: counter = (searchId &lt;&lt; 11) | trial.</summary>
    public const int MaxTrials = 2048;

    /// <param name="ensemble">The chains.</param>
    /// <param name="slots">Reads Position/Gradient, uses Q, P, G as scratch.</param>
    /// <param name="logDensity">log π at each chain's position.</param>
    /// <param name="stepSize">Per-chain nominal step size, updated in place.</param>
    /// <param name="active">Chains to tune.</param>
    /// <param name="searchId">Distinguishes the searches of one run (Stan runs one before warm-up and one after each metric update).</param>
    public static void Run(IChainEnsemble ensemble, HmcSlots slots, ReadOnlySpan<double> logDensity, Span<double> stepSize,
        ReadOnlySpan<bool> active, uint searchId)
    {
        int chains = ensemble.Chains;
        var searching = new bool[chains];
        var direction = new int[chains];
        var lp = new double[chains];
        var kinetic = new double[chains];
        var h0 = new double[chains];
        var step = new double[chains];
        for (int c = 0; c < chains; c++)
        {
            double eps = stepSize[c];
            // Skip extreme step sizes that could loop forever (as Stan does).
            searching[c] = active[c] && eps != 0 && !(eps > 1e7) && !double.IsNaN(eps);
        }

        for (int trial = 0; Nuts.Any(searching); trial++)
        {
            if (trial >= MaxTrials) throw new GpuHbmSamplingException("The initial step-size search did not converge.");
            ensemble.Copy(slots.Q, slots.Position, searching);
            ensemble.Copy(slots.G, slots.Gradient, searching);
            ensemble.DrawMomentum(slots.P, RandomPurpose.StepSizeSearch, (searchId << 11) | (uint)trial, searching, kinetic);
            for (int c = 0; c < chains; c++)
            {
                if (!searching[c]) continue;
                h0[c] = -logDensity[c] + kinetic[c];
                step[c] = stepSize[c];
            }
            ensemble.Leapfrog(slots.Q, slots.P, slots.G, step, 1, searching, lp, kinetic);
            for (int c = 0; c < chains; c++)
            {
                if (!searching[c]) continue;
                double h = -lp[c] + kinetic[c];
                if (double.IsNaN(h)) h = double.PositiveInfinity;
                double deltaH = h0[c] - h;
                if (trial == 0)
                {
                    // The first trial only decides the direction (its step size is tried again below).
                    direction[c] = deltaH > LogThreshold ? 1 : -1;
                    continue;
                }
                if (direction[c] == 1 && !(deltaH > LogThreshold)) { searching[c] = false; continue; }
                if (direction[c] == -1 && !(deltaH < LogThreshold)) { searching[c] = false; continue; }
                stepSize[c] = direction[c] == 1 ? 2 * stepSize[c] : 0.5 * stepSize[c];
                if (stepSize[c] > 1e7)
                    throw new GpuHbmSamplingException($"Chain {ensemble.ChainId(c)}: the step size grew beyond 1e7 while searching for an initial step size; the posterior is probably improper.");
                if (stepSize[c] == 0)
                    throw new GpuHbmSamplingException($"Chain {ensemble.ChainId(c)}: no acceptable small step size could be found; perhaps the posterior is not continuous.");
            }
        }
    }
}
