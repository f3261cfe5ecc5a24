namespace GpuHbm.Models;

/// <summary>
/// The log density (up to the constants the implementation documents) and its gradient
/// for a batch of chains at once: the one shape every backend computes.
/// </summary>
/// <remarks>
/// Interface notes: positions and gradient are laid out chains × Dimension, row-major
/// (chain c's vector at [c*Dimension, (c+1)*Dimension)). Evaluate must be safe to call
/// concurrently from several threads on disjoint outputs, and must be deterministic: the
/// same positions give bit-identical results whatever the thread count.
/// A position where the density is not finite returns -infinity (never throws).
/// </remarks>
public interface IBatchedDensity
{
    /// <summary>Length of one chain's unconstrained parameter vector.</summary>
    int Dimension { get; }

    /// <summary>Evaluates <paramref name="chains"/> chains.</summary>
    void Evaluate(ReadOnlySpan<double> positions, Span<double> logDensity, Span<double> gradient, int chains);
}
