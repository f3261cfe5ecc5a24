using ILGPU;

namespace GpuHbm.Kernels;

/// <summary>
/// An ensemble of C chains in D dimensions on a device, as the ensemble kernels read it: every vector slot
/// in one buffer (slot s, chain c at (s·C + c)·D), the per-chain diagonal inverse metric (C × D), the
/// per-chain mask (nonzero = the operation applies to the chain) and the run-wide chain ids (the Philox c2 word).
/// </summary>
public struct EnsembleView
{
    public int Chains, Dimension;
    public ArrayView<double> Slots, InverseMetric;
    public ArrayView<int> Mask;
    public ArrayView<uint> ChainIds;

    /// <summary>Index of element 0 of chain <paramref name="chain"/>'s row of slot <paramref name="slot"/>.</summary>
    public readonly long Row(int slot, int chain) => ((long)slot * Chains + chain) * Dimension;

    /// <summary>The row of slot <paramref name="slot"/> for chain <paramref name="chain"/>.</summary>
    public readonly ArrayView<double> RowView(int slot, int chain) => Slots.SubView(Row(slot, chain), Dimension);
}
