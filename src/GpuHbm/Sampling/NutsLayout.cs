using GpuHbm.Compute;

namespace GpuHbm.Sampling;

/// <summary>The five slots every HMC transition uses: the chain's draw and gradient, and a working point (q, p, ∇log π(q)).</summary>
public readonly record struct HmcSlots(EnsembleSlot Position, EnsembleSlot Gradient, EnsembleSlot Q, EnsembleSlot P, EnsembleSlot G)
{
    /// <summary>Slots 0 … 4 in that order.</summary>
    public static HmcSlots First => new(new(0), new(1), new(2), new(3), new(4));
}

/// <summary>
/// What each <see cref="IChainEnsemble"/> slot means to <see cref="Nuts"/>: the chain's persistent state
/// and the scratch vectors of one iterative trajectory. Names follow Stan's base_nuts.hpp.
/// </summary>
public sealed class NutsLayout
{
    /// <param name="maxDepth">Maximum tree depth (fixes the number of checkpoint levels).</param>
    public NutsLayout(int maxDepth)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDepth, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxDepth, Nuts.DepthLimit);
        int next = 0;
        EnsembleSlot Next() => new(next++);
        Position = Next(); Gradient = Next();
        Q = Next(); P = Next(); G = Next();
        ForwardQ = Next(); ForwardP = Next(); ForwardG = Next();
        BackwardQ = Next(); BackwardP = Next(); BackwardG = Next();
        ProposalQ = Next(); ProposalG = Next();
        Rho = Next(); SubtreeRho = Next(); MergedRho = Next(); ExtendedRhoA = Next(); ExtendedRhoB = Next();
        int levels = Math.Max(1, maxDepth - 1);
        var begin = new EnsembleSlot[levels];
        var end = new EnsembleSlot[levels];
        var rho = new EnsembleSlot[levels];
        for (int k = 0; k < levels; k++)
        {
            begin[k] = Next(); end[k] = Next(); rho[k] = Next();
        }
        CheckpointBegin = begin; CheckpointEnd = end; CheckpointRho = rho;
        SlotCount = next;
    }

    /// <summary>Position, Gradient, Q, P, G (slots 0 … 4).</summary>
    public HmcSlots Hmc => new(Position, Gradient, Q, P, G);

    /// <summary>Number of slots the layout uses (indices 0 … SlotCount−1).</summary>
    public int SlotCount { get; }

    /// <summary>The chain's current draw and the log-density gradient there (persist between transitions).</summary>
    public EnsembleSlot Position { get; }
    public EnsembleSlot Gradient { get; }

    /// <summary>The working phase-space point z = (q, p) being integrated, with ∇log π(q).</summary>
    public EnsembleSlot Q { get; }
    public EnsembleSlot P { get; }
    public EnsembleSlot G { get; }

    /// <summary>Forward (z_fwd) and backward (z_bck) ends of the trajectory.</summary>
    public EnsembleSlot ForwardQ { get; }
    public EnsembleSlot ForwardP { get; }
    public EnsembleSlot ForwardG { get; }
    public EnsembleSlot BackwardQ { get; }
    public EnsembleSlot BackwardP { get; }
    public EnsembleSlot BackwardG { get; }

    /// <summary>The multinomial proposal of the subtree being built (z_propose).</summary>
    public EnsembleSlot ProposalQ { get; }
    public EnsembleSlot ProposalG { get; }

    /// <summary>Σp over the whole trajectory (rho).</summary>
    public EnsembleSlot Rho { get; }

    /// <summary>Σp over the completed block of the subtree that ends at the newest leaf.</summary>
    public EnsembleSlot SubtreeRho { get; }

    /// <summary>Scratch: Σp over two merged blocks, and the two "extended" sums of Stan's extra U-turn checks.</summary>
    public EnsembleSlot MergedRho { get; }
    public EnsembleSlot ExtendedRhoA { get; }
    public EnsembleSlot ExtendedRhoB { get; }

    /// <summary>
    /// Per level k, the pending left block of 2^k leaves (the "initial" subtree in Stan's build_tree):
    /// momentum at its first and last leaf and its Σp. Levels 0 … maxDepth−2.
    /// </summary>
    public IReadOnlyList<EnsembleSlot> CheckpointBegin { get; }
    public IReadOnlyList<EnsembleSlot> CheckpointEnd { get; }
    public IReadOnlyList<EnsembleSlot> CheckpointRho { get; }
}
