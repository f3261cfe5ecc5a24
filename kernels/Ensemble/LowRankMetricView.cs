using ILGPU;

namespace GpuHbm.Kernels;

/// <summary>
/// Every chain's inverse metric in nutpie's low-rank-modified form, as the ensemble kernels read it: the rank k_c per
/// chain (0: the diagonal metric d_c of <see cref="EnsembleView.InverseMetric"/>), S = √d (C × D), U (C × Capacity × D,
/// eigenvector j of chain c at (c·Capacity + j)·D), λ (C × Capacity), and per-chain scratch for M⁻¹p (C × D) and the
/// k coefficients (C × Capacity).
/// </summary>
public struct LowRankMetricView
{
    public int Capacity;
    public ArrayView<int> Rank;
    public ArrayView<double> Scale, Vectors, Values, Scratch, Coefficients;

    /// <summary>Chain <paramref name="c"/>'s √d.</summary>
    public readonly ViewVector ScaleOf(int c, int n) => new(Scale.SubView((long)c * n, n));

    /// <summary>Chain <paramref name="c"/>'s U (Capacity rows of length D).</summary>
    public readonly ViewVector VectorsOf(int c, int n) => new(Vectors.SubView((long)c * Capacity * n, (long)Capacity * n));

    /// <summary>Chain <paramref name="c"/>'s λ.</summary>
    public readonly ViewVector ValuesOf(int c) => new(Values.SubView((long)c * Capacity, Capacity));

    /// <summary>Chain <paramref name="c"/>'s scratch row (length D).</summary>
    public readonly ViewVector ScratchOf(int c, int n) => new(Scratch.SubView((long)c * n, n));

    /// <summary>Chain <paramref name="c"/>'s coefficient scratch.</summary>
    public readonly ViewVector CoefficientsOf(int c) => new(Coefficients.SubView((long)c * Capacity, Capacity));
}
