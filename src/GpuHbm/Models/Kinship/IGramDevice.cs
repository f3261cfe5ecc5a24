namespace GpuHbm.Models.Kinship;

/// <summary>
/// A device that computes the Gram product of the genetic relationship matrix (C += W Wᵀ on the lower triangle),
/// reached by <see cref="GeneticRelationshipMatrix"/> through this interface (implemented by Compute.Accelerator).
/// </summary>
public interface IGramDevice
{
    /// <summary>The device, for the GRM's record of where the product ran.</summary>
    string Description { get; }

    /// <summary>An accumulator of C (N × N, zeroed) for blocks of at most <paramref name="maxColumns"/> SNP columns.</summary>
    IGramAccumulator Open(int n, int maxColumns);
}

/// <summary>C += W Wᵀ over blocks of W, kept on the device until read back.</summary>
/// <remarks>Interface notes: each entry is summed in a fixed order, so results are reproducible; only the lower triangle is formed.</remarks>
public interface IGramAccumulator : IDisposable
{
    /// <summary>C += W Wᵀ on the lower triangle, W = <paramref name="w"/> as N × <paramref name="columns"/> row-major.</summary>
    void Accumulate(ReadOnlySpan<double> w, int columns);

    /// <summary><paramref name="c"/>[j·N + k] += C[j, k] for k ≤ j.</summary>
    void AddLowerTo(double[] c);
}
