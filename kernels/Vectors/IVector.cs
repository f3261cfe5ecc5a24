namespace GpuHbm.Kernels;

/// <summary>
/// Indexed access to a run of doubles, so that one generic method of the shared scalar math reads and
/// writes managed memory (<see cref="PointerVector"/>) and device memory (<see cref="ViewVector"/>) alike.
/// ILGPU specializes a method for each struct type argument, so the access inlines on both sides.
/// </summary>
/// <remarks>Interface notes: an implementation is a small struct; the indexer has no bounds check beyond the memory's own.</remarks>
public interface IVector
{
    /// <summary>Element <paramref name="i"/>.</summary>
    double this[int i] { get; set; }
}
