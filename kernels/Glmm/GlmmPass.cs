using ILGPU;

namespace GpuHbm.Kernels;

/// <summary>
/// One evaluation's chains and scratch, as the GLMM kernels take them: C chains (only those with
/// Active[c] ≠ 0 are read or written), θ and ∂/∂θ (C × D), log densities (C); per chain the hyperparameters,
/// r, ∂/∂r and L z; the current tile of rows [FirstRow, FirstRow + Rows) with its C × Tile scratch of d and
/// log-likelihood values; the segment partials (C × (P + 1) × Segments).
/// </summary>
public struct GlmmPass
{
    public int Chains;
    public int Tile, FirstRow, Rows;
    /// <summary>Segments in all, rows per segment, the tile's first segment and its segment count.</summary>
    public int Segments, SegmentRows, FirstSegment, SegmentCount;
    /// <summary>Nonzero for the first tile: the per-level sums start from 0.</summary>
    public int FirstTile;
    public ArrayView<int> Active;
    public ArrayView<double> Positions, Gradient, LogDensity;
    public ArrayView<double> Hyper, Effects, EffectGradient, KinshipProduct;
    public ArrayView<double> TileD, TileLogLik, Partials;
}
