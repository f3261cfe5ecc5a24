using GpuHbm.Compute;
using GpuHbm.Kernels;

namespace GpuHbm.Sampling;

/// <summary>
/// The No-U-Turn sampler as Stan implements it (stan/mcmc/hmc/nuts/base_nuts.hpp, Stan ≥ 2.26), written
/// iteratively against <see cref="IChainEnsemble"/> so that every chain of the ensemble advances in
/// lockstep under per-chain masks:
/// <list type="bullet">
/// <item>trajectory doubling in a random direction (Hoffman &amp; Gelman 2014, Algorithm 3);</item>
/// <item>multinomial sampling of the draw (Betancourt 2017, "A conceptual introduction to Hamiltonian
/// Monte Carlo", §A.3): biased progressive sampling between the old trajectory and each new subtree,
/// uniform (weight-proportional) progressive sampling within a subtree;</item>
/// <item>the generalized U-turn criterion p♯₋·ρ &gt; 0 ∧ p♯₊·ρ &gt; 0 (Betancourt 2017, §A.4.2) on every
/// merged subtree, plus Stan's two extra checks across each merge (ρ of one half extended by the
/// neighbouring momentum of the other half);</item>
/// <item>divergence when H − H0 &gt; 1000, maximum tree depth, and accept_stat as the mean of
/// min(1, exp(H0 − H)) over the new states.</item>
/// </list>
/// </summary>
/// <remarks>
/// Iterative subtree: the 2^d leaves of a depth-d subtree are produced one by one. After leaf n, each
/// trailing one-bit k of n completes a merge of two sibling blocks of 2^k leaves — exactly the merges
/// Stan's recursive build_tree performs when returning — checked against a per-level checkpoint of the
/// left block (its first and last momentum and its Σp, <see cref="NutsLayout.CheckpointBegin"/> …) as in
/// the iterative NUTS of NumPyro/BlackJAX (Phan et al. 2019). Uniform progressive sampling within the
/// subtree gives each leaf the same probability of being the subtree's proposal as Stan's recursive
/// multinomial sampling. Randomness: every uniform and momentum comes from Philox keyed by
/// (seed, chain id, iteration, purpose, index), so draws do not depend on scheduling or ensemble size.
/// </remarks>
public sealed class Nuts
{
    /// <summary>Largest permitted <see cref="MaxDepth"/> (leaf numbers must fit the Philox index word).</summary>
    public const int DepthLimit = 30;

    /// <summary>Energy error beyond which a leapfrog step is divergent (Stan's max_deltaH_).</summary>
    public const double MaxEnergyError = 1000;

    private const uint TopLevelSelectionIndex = 0x8000_0000u;

    private readonly IChainEnsemble _ensemble;
    private readonly int _chains;
    private readonly NutsLayout _slots;

    // Per-chain host scalars (length C).
    private readonly double[] _h0, _logSumWeight, _subtreeLogSumWeight, _sumMetropolis, _sumSymmetric, _signedStep;
    private readonly double[] _logDensity, _kinetic, _sampleLogDensity, _sampleEnergy, _proposalLogDensity, _proposalEnergy;
    private readonly int[] _leapfrogs, _depth;
    private readonly bool[] _running, _inSubtree, _divergent, _forward, _mask, _maskB, _moved;
    private readonly double[] _dots;

    public Nuts(IChainEnsemble ensemble, NutsLayout layout, int maxDepth = 10)
    {
        ArgumentNullException.ThrowIfNull(ensemble);
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDepth, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxDepth, DepthLimit);
        if (layout.CheckpointBegin.Count < maxDepth - 1) throw new ArgumentException("The layout has too few checkpoint levels for maxDepth.");
        if (ensemble.SlotCount < layout.SlotCount) throw new ArgumentException("The ensemble has fewer slots than the layout needs.");
        _ensemble = ensemble;
        _slots = layout;
        MaxDepth = maxDepth;
        int c = _chains = ensemble.Chains;
        _h0 = new double[c]; _logSumWeight = new double[c]; _subtreeLogSumWeight = new double[c];
        _sumMetropolis = new double[c]; _sumSymmetric = new double[c]; _signedStep = new double[c];
        _logDensity = new double[c]; _kinetic = new double[c];
        _sampleLogDensity = new double[c]; _sampleEnergy = new double[c];
        _proposalLogDensity = new double[c]; _proposalEnergy = new double[c];
        _leapfrogs = new int[c]; _depth = new int[c];
        _running = new bool[c]; _inSubtree = new bool[c]; _divergent = new bool[c]; _forward = new bool[c];
        _mask = new bool[c]; _maskB = new bool[c]; _moved = new bool[c];
        _dots = new double[6 * c];
    }

    /// <summary>Maximum tree depth (Stan's max_depth, default 10).</summary>
    public int MaxDepth { get; }

    /// <summary>The slot layout this sampler uses.</summary>
    public NutsLayout Layout => _slots;

    /// <summary>
    /// One NUTS transition for every active chain, starting from the position in <see cref="NutsLayout.Position"/>
    /// (with its gradient and <paramref name="state"/>.LogDensity) and leaving the new draw there.
    /// </summary>
    /// <param name="iteration">The chain's iteration number (Philox c1 word; warm-up and sampling counted together).</param>
    /// <param name="stepSize">Per-chain step size ε &gt; 0.</param>
    /// <param name="active">Chains to advance; the others are left untouched.</param>
    /// <param name="state">Host part of the chains' state, updated.</param>
    /// <param name="reports">Per-chain transition reports (written for active chains).</param>
    public void Transition(uint iteration, ReadOnlySpan<double> stepSize, ReadOnlySpan<bool> active, NutsState state,
        Span<NutsTransition> reports)
    {
        var e = _ensemble;
        var s = _slots;
        if (active.Length != _chains || stepSize.Length != _chains || reports.Length < _chains)
            throw new ArgumentException("Per-chain arguments must have one entry per chain.");
        active.CopyTo(_running);

        // Start: z = (q, p) with p ~ N(0, M); both trajectory ends and the sample are z (base_nuts::transition).
        e.Copy(s.Q, s.Position, active);
        e.Copy(s.G, s.Gradient, active);
        e.DrawMomentum(s.P, RandomPurpose.Momentum, iteration, active, _kinetic);
        for (int c = 0; c < _chains; c++)
        {
            if (!active[c]) continue;
            double h0 = -state.LogDensity[c] + _kinetic[c];
            _h0[c] = h0;
            _sampleLogDensity[c] = state.LogDensity[c];
            _sampleEnergy[c] = h0;
            _logSumWeight[c] = 0; // log(exp(H0 − H0))
            _sumMetropolis[c] = 0;
            _sumSymmetric[c] = 0;
            _leapfrogs[c] = 0;
            _depth[c] = 0;
            _divergent[c] = false;
            _moved[c] = false;
        }
        CopyPoint(s.ForwardQ, s.ForwardP, s.ForwardG, s.Q, s.P, s.G, active);
        CopyPoint(s.BackwardQ, s.BackwardP, s.BackwardG, s.Q, s.P, s.G, active);
        e.Copy(s.Rho, s.P, active);

        for (int depth = 0; depth < MaxDepth && Any(_running); depth++)
        {
            // Extend in a random direction from the corresponding end.
            for (int c = 0; c < _chains; c++)
            {
                if (!_running[c]) continue;
                _forward[c] = Philox.Uniform(e.Seed, e.ChainId(c), iteration, RandomPurpose.TreeDirection, (uint)depth) > 0.5;
                _signedStep[c] = _forward[c] ? stepSize[c] : -stepSize[c];
            }
            SplitByDirection(_running);
            CopyPoint(s.Q, s.P, s.G, s.ForwardQ, s.ForwardP, s.ForwardG, _mask);
            CopyPoint(s.Q, s.P, s.G, s.BackwardQ, s.BackwardP, s.BackwardG, _maskB);

            BuildSubtree(depth, iteration);

            // A subtree that diverged or turned inside ends the trajectory without contributing.
            for (int c = 0; c < _chains; c++)
                if (_running[c] && !_inSubtree[c]) _running[c] = false;
            if (!Any(_running)) break;

            // Biased progressive sampling between the old trajectory and the new subtree (Betancourt 2017, A.3.2).
            for (int c = 0; c < _chains; c++)
            {
                _mask[c] = false;
                if (!_running[c]) continue;
                _depth[c] = depth + 1;
                double subtree = _subtreeLogSumWeight[c], old = _logSumWeight[c];
                bool take = subtree > old ||
                    Philox.Uniform(e.Seed, e.ChainId(c), iteration, RandomPurpose.MultinomialSelection, TopLevelSelectionIndex | (uint)depth)
                        < Math.Exp(subtree - old);
                if (take)
                {
                    _mask[c] = true;
                    _moved[c] = true;
                    _sampleLogDensity[c] = _proposalLogDensity[c];
                    _sampleEnergy[c] = _proposalEnergy[c];
                }
                _logSumWeight[c] = LogSumExp(old, subtree);
            }
            e.Copy(s.Position, s.ProposalQ, _mask);
            e.Copy(s.Gradient, s.ProposalG, _mask);

            // U-turn checks across the merge of the old trajectory with the new subtree:
            // whole trajectory; old ρ extended by the new subtree's first momentum; new ρ extended by the
            // old trajectory's near-end momentum (base_nuts::transition, "persist_criterion").
            EnsembleSlot newBegin = depth == 0 ? s.P : s.CheckpointBegin[depth - 1];
            e.Add(s.ExtendedRhoA, s.Rho, newBegin, _running);
            SplitByDirection(_running);
            e.Add(s.ExtendedRhoB, s.SubtreeRho, s.ForwardP, _mask);
            e.Add(s.ExtendedRhoB, s.SubtreeRho, s.BackwardP, _maskB);
            e.Add(s.Rho, s.Rho, s.SubtreeRho, _running);
            // far = the old end opposite to the extension; near = the old end that was extended.
            ReadOnlySpan<SlotPair> forwardPairs =
            [
                new(s.BackwardP, s.Rho), new(s.P, s.Rho),
                new(s.BackwardP, s.ExtendedRhoA), new(newBegin, s.ExtendedRhoA),
                new(s.ForwardP, s.ExtendedRhoB), new(s.P, s.ExtendedRhoB),
            ];
            ReadOnlySpan<SlotPair> backwardPairs =
            [
                new(s.ForwardP, s.Rho), new(s.P, s.Rho),
                new(s.ForwardP, s.ExtendedRhoA), new(newBegin, s.ExtendedRhoA),
                new(s.BackwardP, s.ExtendedRhoB), new(s.P, s.ExtendedRhoB),
            ];
            e.Dots(forwardPairs, _mask, _dots);
            e.Dots(backwardPairs, _maskB, _dots);

            // The new subtree's far end becomes the trajectory's end in that direction.
            CopyPoint(s.ForwardQ, s.ForwardP, s.ForwardG, s.Q, s.P, s.G, _mask);
            CopyPoint(s.BackwardQ, s.BackwardP, s.BackwardG, s.Q, s.P, s.G, _maskB);

            for (int c = 0; c < _chains; c++)
                if (_running[c] && !AllPositive(_dots, c, 6)) _running[c] = false;
        }

        for (int c = 0; c < _chains; c++)
        {
            if (!active[c]) continue;
            state.LogDensity[c] = _sampleLogDensity[c];
            reports[c] = new NutsTransition(
                AcceptStat: _sumMetropolis[c] / _leapfrogs[c],
                StepSize: stepSize[c],
                TreeDepth: _depth[c],
                LeapfrogSteps: _leapfrogs[c],
                Divergent: _divergent[c],
                Energy: _sampleEnergy[c],
                LogDensity: _sampleLogDensity[c],
                Moved: _moved[c])
            {
                SymmetricAcceptStat = _sumSymmetric[c] / _leapfrogs[c],
            };
        }
    }

    /// <summary>
    /// Builds a subtree of 2^<paramref name="depth"/> leaves from z for every running chain (Stan's build_tree,
    /// unrolled). On return _inSubtree[c] is true where the subtree is valid (no divergence, no U-turn in any
    /// merged block); then ProposalQ/ProposalG hold its proposal, SubtreeRho its Σp, P its last momentum and
    /// CheckpointBegin[depth−1] (P when depth = 0) its first momentum.
    /// </summary>
    private void BuildSubtree(int depth, uint iteration)
    {
        var e = _ensemble;
        var s = _slots;
        for (int c = 0; c < _chains; c++)
        {
            _inSubtree[c] = _running[c];
            _subtreeLogSumWeight[c] = double.NegativeInfinity;
        }
        int leaves = 1 << depth;
        for (int n = 0; n < leaves && Any(_inSubtree); n++)
        {
            e.Leapfrog(s.Q, s.P, s.G, _signedStep, 1, _inSubtree, _logDensity, _kinetic);
            for (int c = 0; c < _chains; c++)
            {
                _mask[c] = false;
                if (!_inSubtree[c]) continue;
                int leaf = _leapfrogs[c]++;
                double h = -_logDensity[c] + _kinetic[c];
                if (double.IsNaN(h)) h = double.PositiveInfinity;
                double logWeight = _h0[c] - h;
                _sumMetropolis[c] += logWeight > 0 ? 1 : Math.Exp(logWeight);
                _sumSymmetric[c] += 2 / (1 + Math.Exp(Math.Abs(logWeight)));
                if (h - _h0[c] > MaxEnergyError)
                {
                    _divergent[c] = true;
                    _inSubtree[c] = false;
                    continue;
                }
                double total = LogSumExp(_subtreeLogSumWeight[c], logWeight);
                _subtreeLogSumWeight[c] = total;
                // Progressive uniform sampling: the new leaf replaces the proposal with probability w / Σw.
                bool take = n == 0 ||
                    Philox.Uniform(e.Seed, e.ChainId(c), iteration, RandomPurpose.MultinomialSelection, (uint)leaf)
                        < Math.Exp(logWeight - total);
                if (take)
                {
                    _mask[c] = true;
                    _proposalLogDensity[c] = _logDensity[c];
                    _proposalEnergy[c] = h;
                }
            }
            e.Copy(s.ProposalQ, s.Q, _mask);
            e.Copy(s.ProposalG, s.G, _mask);

            // The newest leaf is a block of one; merge completed sibling blocks upwards.
            e.Copy(s.SubtreeRho, s.P, _inSubtree);
            int level = 0;
            for (; level < depth && ((n >> level) & 1) == 1 && Any(_inSubtree); level++)
            {
                // Left ("init") block: checkpoint at this level; right ("final") block: ends at the newest leaf.
                EnsembleSlot initBegin = s.CheckpointBegin[level], initEnd = s.CheckpointEnd[level], initRho = s.CheckpointRho[level];
                EnsembleSlot finalBegin = level == 0 ? s.P : s.CheckpointBegin[level - 1];
                e.Add(s.MergedRho, initRho, s.SubtreeRho, _inSubtree);
                e.Add(s.ExtendedRhoA, initRho, finalBegin, _inSubtree);
                e.Add(s.ExtendedRhoB, s.SubtreeRho, initEnd, _inSubtree);
                ReadOnlySpan<SlotPair> pairs =
                [
                    new(initBegin, s.MergedRho), new(s.P, s.MergedRho),
                    new(initBegin, s.ExtendedRhoA), new(finalBegin, s.ExtendedRhoA),
                    new(initEnd, s.ExtendedRhoB), new(s.P, s.ExtendedRhoB),
                ];
                e.Dots(pairs, _inSubtree, _dots);
                for (int c = 0; c < _chains; c++)
                    if (_inSubtree[c] && !AllPositive(_dots, c, 6)) _inSubtree[c] = false;
                e.Copy(s.SubtreeRho, s.MergedRho, _inSubtree);
            }
            if (n < leaves - 1)
            {
                // Park the completed block as the left block of the next merge at this level.
                e.Copy(s.CheckpointBegin[level], level == 0 ? s.P : s.CheckpointBegin[level - 1], _inSubtree);
                e.Copy(s.CheckpointEnd[level], s.P, _inSubtree);
                e.Copy(s.CheckpointRho[level], s.SubtreeRho, _inSubtree);
            }
        }
    }

    private void CopyPoint(EnsembleSlot q, EnsembleSlot p, EnsembleSlot g, EnsembleSlot fromQ, EnsembleSlot fromP, EnsembleSlot fromG,
        ReadOnlySpan<bool> mask)
    {
        if (!Any(mask)) return;
        _ensemble.Copy(q, fromQ, mask);
        _ensemble.Copy(p, fromP, mask);
        _ensemble.Copy(g, fromG, mask);
    }

    /// <summary>_mask = among <paramref name="among"/>, chains extending forward; _maskB = those extending backward.</summary>
    private void SplitByDirection(ReadOnlySpan<bool> among)
    {
        for (int c = 0; c < _chains; c++)
        {
            _mask[c] = among[c] && _forward[c];
            _maskB[c] = among[c] && !_forward[c];
        }
    }

    private bool AllPositive(double[] dots, int chain, int count)
    {
        for (int k = 0; k < count; k++)
            if (!(dots[k * _chains + chain] > 0)) return false;
        return true;
    }

    internal static bool Any(ReadOnlySpan<bool> mask)
    {
        foreach (bool b in mask) if (b) return true;
        return false;
    }

    /// <summary>log(exp(a) + exp(b)) without overflow (Stan's math::log_sum_exp).</summary>
    public static double LogSumExp(double a, double b)
    {
        if (double.IsNegativeInfinity(a)) return b;
        if (double.IsNegativeInfinity(b)) return a;
        double max = Math.Max(a, b);
        return max + Math.Log(Math.Exp(a - max) + Math.Exp(b - max));
    }
}
