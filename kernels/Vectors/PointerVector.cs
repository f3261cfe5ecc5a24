using System.Runtime.CompilerServices;

namespace GpuHbm.Kernels;

/// <summary>Pinned managed memory (a <c>fixed</c> span) as an <see cref="IVector"/>: the managed CPU side of the shared math.</summary>
public readonly unsafe struct PointerVector(double* start) : IVector
{
    /// <inheritdoc/>
    public double this[int i]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)] get => start[i];
        [MethodImpl(MethodImplOptions.AggressiveInlining)] set => start[i] = value;
    }
}
