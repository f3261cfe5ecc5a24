using ILGPU;

namespace GpuHbm.Kernels;

/// <summary>An ILGPU view (global, shared or local memory) as an <see cref="IVector"/>: the device side of the shared math.</summary>
public readonly struct ViewVector(ArrayView<double> view) : IVector
{
    /// <inheritdoc/>
    public double this[int i]
    {
        get => view[i];
        set => view[i] = value;
    }
}
