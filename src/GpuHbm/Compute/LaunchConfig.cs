namespace GpuHbm.Compute;

/// <summary>
/// A one-dimensional launch: <see cref="Groups"/> work-groups (CUDA: blocks) of
/// <see cref="GroupSize"/> work-items (threads), plus the bytes of dynamic local (shared) memory
/// each group gets for the kernel's DYNAMIC_LOCAL parameter.
/// </summary>
/// <remarks>
/// The global size is always Groups × GroupSize (OpenCL 1.2 requires a multiple of the local
/// size), so kernels bound-check their global id. Kernels that reduce (chain_dot) also need a
/// power-of-two group size for their fixed-shape tree.
/// </remarks>
/// <param name="Groups">Number of groups, 0 to 2^31-1 (0 launches nothing).</param>
/// <param name="GroupSize">Work-items per group, at least 1 and at most the kernel's and device's limit.</param>
/// <param name="DynamicLocalBytes">Dynamic local memory per group, in bytes.</param>
public readonly record struct LaunchConfig(long Groups, int GroupSize, int DynamicLocalBytes = 0)
{
    /// <summary>Total work-items: Groups × GroupSize.</summary>
    public long GlobalSize => Groups * GroupSize;

    /// <summary>Enough groups of <paramref name="groupSize"/> to cover <paramref name="elements"/> items, one item per work-item.</summary>
    public static LaunchConfig ForElements(long elements, int groupSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(elements);
        ArgumentOutOfRangeException.ThrowIfLessThan(groupSize, 1);
        return new LaunchConfig((elements + groupSize - 1) / groupSize, groupSize);
    }

    /// <summary>Throws when the configuration is malformed (independent of any device).</summary>
    internal void Validate()
    {
        if (Groups < 0 || Groups > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(Groups), Groups, "The number of groups must be between 0 and 2^31-1.");
        if (GroupSize < 1)
            throw new ArgumentOutOfRangeException(nameof(GroupSize), GroupSize, "The group size must be at least 1.");
        if (DynamicLocalBytes < 0)
            throw new ArgumentOutOfRangeException(nameof(DynamicLocalBytes), DynamicLocalBytes, "Dynamic local memory cannot be negative.");
    }
}
