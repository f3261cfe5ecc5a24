using GpuHbm.Kernels;
namespace GpuHbm.Sampling.Metrics;

/// <summary>
/// An estimator of the inverse metric from warm-up draws and the log-density gradients at them. The same
/// estimators serve per-chain NUTS warm-up (one chain's draws over a window) and ChEES's cross-chain metric
/// (every chain's draw of an iteration added to one estimator).
/// </summary>
/// <remarks>
/// Interface notes (what an estimator supplies): <see cref="Add"/> copies what it needs (the caller reuses its
/// buffers); <see cref="Estimate"/> does not change the accumulated state, so it may be called after every
/// <see cref="Add"/>; <see cref="Clear"/> forgets everything. Implementations are deterministic (no
/// randomness, fixed summation order).
/// </remarks>
public interface IMetricEstimator
{
    /// <summary>D.</summary>
    int Dimension { get; }

    /// <summary>Draws added since construction or the last <see cref="Clear"/>.</summary>
    long Count { get; }

    /// <summary>Adds a draw and ∇log π there (both length D).</summary>
    void Add(ReadOnlySpan<double> draw, ReadOnlySpan<double> gradient);

    /// <summary>Forgets all draws.</summary>
    void Clear();

    /// <summary>
    /// The estimate from the draws so far, or null when there are too few. Where a coordinate cannot be estimated
    /// (no spread), the value of <paramref name="previous"/> is kept.
    /// </summary>
    InverseMetric? Estimate(InverseMetric previous);

    /// <summary>Writes everything the estimator has accumulated (for a checkpoint).</summary>
    void Save(CheckpointWriter writer);

    /// <summary>Restores what <see cref="Save"/> wrote.</summary>
    void Restore(CheckpointReader reader);
}
