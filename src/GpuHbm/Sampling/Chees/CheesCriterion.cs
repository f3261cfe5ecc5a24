using GpuHbm.Compute;

namespace GpuHbm.Sampling.Chees;

/// <summary>
/// The per-iteration ensemble statistics of ChEES-HMC (Hoffman, Radul &amp; Sountsov 2021, Algorithm 1), computed on the
/// ensemble between a transition's proposal and its accept step:
/// <list type="bullet">
/// <item>the harmonic mean over all chains of the acceptance probabilities, a divergent chain counting as 0 (TFP's
/// reduce_log_harmonic_mean_exp of the log acceptance ratios over the chain axis);</item>
/// <item>the ChEES gradient (TFP's _update_trajectory_grad with chees_criterion): with q̃′ = q′ − m′ (m′ the
/// acceptance-weighted cross-chain mean of the proposals) and q̃ = q − m (m the plain cross-chain mean of the starting
/// points), ∂ChEES_c/∂t = (‖q̃′‖² − ‖q̃‖²)·q̃′·M⁻¹p′ since dq′/dt = M⁻¹p′, times the jitter u (t = u·T); the ensemble
/// gradient is Σ a_c g_c / Σ (a_c + 1e-20) over non-divergent chains, chains with a_c ≤ 1e-4 or a non-finite g_c
/// contributing 0 to the numerator.</item>
/// </list>
/// The cross-chain moments of the starting points and of the gradients there are returned as well (the metric
/// adaptation uses them).
/// </summary>
internal sealed class CheesCriterion(IChainEnsemble ensemble, HmcSlots hmc, EnsembleSlot proposalMean, EnsembleSlot initialMean,
    EnsembleSlot centeredProposal, EnsembleSlot centeredInitial)
{
    private readonly int _chains = ensemble.Chains;
    private readonly bool[] _all = Enumerable.Repeat(true, ensemble.Chains).ToArray();
    private readonly double[] _ones = Enumerable.Repeat(1.0, ensemble.Chains).ToArray();
    private readonly double[] _weights = new double[ensemble.Chains];
    private readonly double[] _dots = new double[3 * ensemble.Chains];
    private readonly double[] _proposalMean = new double[ensemble.Dimension], _proposalMeanOfSquares = new double[ensemble.Dimension];

    /// <summary>Cross-chain mean of the starting points of the latest <see cref="Compute"/>.</summary>
    public double[] InitialMean { get; } = new double[ensemble.Dimension];

    /// <summary>Cross-chain mean of the squared starting points of the latest <see cref="Compute"/>.</summary>
    public double[] InitialMeanOfSquares { get; } = new double[ensemble.Dimension];

    /// <summary>Cross-chain mean and mean of squares of ∇log π at the starting points of the latest <see cref="Compute"/>.</summary>
    public double[] GradientMean { get; } = new double[ensemble.Dimension];
    public double[] GradientMeanOfSquares { get; } = new double[ensemble.Dimension];

    /// <summary>Harmonic-mean acceptance and the ChEES gradient for a transition proposed with jitter <paramref name="jitter"/>.</summary>
    public (double HarmonicMeanAcceptance, double Gradient) Compute(JitteredHmcTransition transition, double jitter)
    {
        double harmonicDenominator = 0;
        for (int c = 0; c < _chains; c++)
        {
            double a = transition.Divergent[c] ? 0 : transition.AcceptProbability[c];
            _weights[c] = a;
            harmonicDenominator += 1 / a; // +∞ for a = 0
        }
        double harmonicMean = _chains / harmonicDenominator;

        ensemble.CrossChainMoments(hmc.Position, _ones, _all, InitialMean, InitialMeanOfSquares);
        ensemble.CrossChainMoments(hmc.Gradient, _ones, _all, GradientMean, GradientMeanOfSquares);
        double gradient = double.NaN;
        if (ensemble.CrossChainMoments(hmc.Q, _weights, _all, _proposalMean, _proposalMeanOfSquares) > 0)
        {
            ensemble.Broadcast(proposalMean, _proposalMean, _all);
            ensemble.Broadcast(initialMean, InitialMean, _all);
            ensemble.Combine(centeredProposal, hmc.Q, 1, proposalMean, -1, _all);
            ensemble.Combine(centeredInitial, hmc.Position, 1, initialMean, -1, _all);
            ensemble.Dots([new(centeredProposal, centeredProposal, DotWeight.None), new(centeredInitial, centeredInitial, DotWeight.None),
                new(centeredProposal, hmc.P, DotWeight.InverseMetric)], _all, _dots);
            double numerator = 0, denominator = 0;
            for (int c = 0; c < _chains; c++)
            {
                if (transition.Divergent[c]) continue;
                double a = transition.AcceptProbability[c];
                double g = jitter * (_dots[c] - _dots[_chains + c]) * _dots[2 * _chains + c];
                if (a > 1e-4 && double.IsFinite(g)) numerator += a * g;
                denominator += a + 1e-20;
            }
            gradient = numerator / denominator;
        }
        return (harmonicMean, gradient);
    }
}
