using GpuHbm.Compute;
using GpuHbm.Kernels;

namespace GpuHbm.Sampling;

/// <summary>
/// Initial positions as Stan chooses them (services/util/initialize.hpp): the user's, or independent
/// uniform(−2, 2) draws on the unconstrained scale (from Philox, purpose Initialization, counter = attempt),
/// retried up to 100 times for chains where the log density or its gradient is not finite. Given a
/// <see cref="Models.ParameterScale"/>, coordinate i is drawn from location[i] + scale[i]·uniform(−2, 2) instead
/// (Stan's rule on the scale the priors give each coordinate).
/// </summary>
public static class ChainInitializer
{
    public const int MaxAttempts = 100;

    /// <param name="ensemble">The chains.</param>
    /// <param name="position">Slot receiving the initial positions.</param>
    /// <param name="gradient">Slot receiving the gradients there.</param>
    /// <param name="given">Optional user positions indexed by run-wide chain number.</param>
    /// <param name="firstChain">Run-wide number of ensemble chain 0 (for messages and <paramref name="given"/>).</param>
    /// <param name="logDensity">Receives log π at each initial position.</param>
    /// <param name="scale">Where the uniform draws are centred and how wide they are; null for Stan's uniform(−2, 2).</param>
    /// <exception cref="GpuHbmSamplingException">No finite initial point.</exception>
    public static void Initialize(IChainEnsemble ensemble, EnsembleSlot position, EnsembleSlot gradient, IReadOnlyList<double[]>? given,
        int firstChain, Span<double> logDensity, Models.ParameterScale? scale = null)
    {
        if (scale is not null && scale.Dimension != ensemble.Dimension)
            throw new ArgumentException("The parameter scale must have the ensemble's dimension.", nameof(scale));
        int d = ensemble.Dimension, chains = ensemble.Chains;
        var all = Enumerable.Repeat(true, chains).ToArray();
        if (given is not null)
        {
            for (int c = 0; c < chains; c++) ensemble.WriteRow(position, c, given[firstChain + c]);
            ensemble.Evaluate(position, gradient, all, logDensity);
            for (int c = 0; c < chains; c++)
                if (double.IsNegativeInfinity(logDensity[c]))
                    throw new GpuHbmSamplingException($"Chain {firstChain + c}: the log density or its gradient is not finite at the given initial position.");
            return;
        }
        var pending = all;
        var row = new double[d];
        for (int attempt = 0; attempt < MaxAttempts && Nuts.Any(pending); attempt++)
        {
            for (int c = 0; c < chains; c++)
            {
                if (!pending[c]) continue;
                uint id = ensemble.ChainId(c);
                for (int i = 0; i < d; i += 2)
                {
                    var (u0, u1) = Philox.Uniforms(ensemble.Seed, id, (uint)attempt, RandomPurpose.Initialization, (uint)(i / 2));
                    row[i] = Draw(i, u0);
                    if (i + 1 < d) row[i + 1] = Draw(i + 1, u1);
                }
                ensemble.WriteRow(position, c, row);
            }
            ensemble.Evaluate(position, gradient, pending, logDensity);
            for (int c = 0; c < chains; c++)
                if (pending[c] && !double.IsNegativeInfinity(logDensity[c])) pending[c] = false;
        }
        for (int c = 0; c < chains; c++)
            if (pending[c])
                throw new GpuHbmSamplingException(
                    $"Chain {firstChain + c}: no initial position with a finite log density and gradient was found in {MaxAttempts} uniform(-2, 2) attempts; supply initial values.");

        double Draw(int i, double u) => scale is null ? -2 + 4 * u : scale.Location[i] + scale.Scale[i] * (-2 + 4 * u);
    }
}
