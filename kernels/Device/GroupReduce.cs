using ILGPU;

namespace GpuHbm.Kernels;

/// <summary>
/// The fixed-shape reduction every GpuHbm kernel uses (no floating-point atomics): each of the G threads
/// of a group (G a power of two) puts its value in shared memory, then the group halves:
/// for s = G/2, G/4, …, 1: v[t] += v[t + s] for t &lt; s. The summation order depends only on G, so results
/// are bit-identical from run to run, and across devices that run the same group size.
/// </summary>
public static class GroupReduce
{
    /// <summary>The largest group a GpuHbm kernel launches, and the shared memory (doubles) a reduction needs.</summary>
    public const int MaxGroupSize = 256;

    /// <summary>The group's shared scratch for <see cref="Sum"/>: call once at the top of a kernel.</summary>
    public static ArrayView<double> Scratch() => SharedMemory.Allocate<double>(MaxGroupSize);

    /// <summary>Σ of <paramref name="value"/> over the group, returned to every thread. Every thread of the group must call it.</summary>
    public static double Sum(ArrayView<double> scratch, double value)
    {
        int t = Group.IdxX;
        scratch[t] = value;
        Group.Barrier();
        for (int s = Group.DimX / 2; s > 0; s >>= 1)
        {
            if (t < s) scratch[t] = scratch[t] + scratch[t + s];
            Group.Barrier();
        }
        double result = scratch[0];
        Group.Barrier();
        return result;
    }
}
