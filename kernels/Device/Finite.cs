using System.Runtime.CompilerServices;

namespace GpuHbm.Kernels;

/// <summary>The finiteness test the kernels use (no library call, so it compiles the same on every backend).</summary>
public static class Finite
{
    /// <summary>Whether <paramref name="x"/> is finite: x − x is 0 for finite x and NaN for ±∞ and NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Is(double x) => x - x == 0.0;

    /// <summary>Whether a log density and every component of its gradient are finite (host side).</summary>
    public static bool All(double logDensity, ReadOnlySpan<double> gradient)
    {
        if (!double.IsFinite(logDensity)) return false;
        foreach (double g in gradient)
            if (!double.IsFinite(g)) return false;
        return true;
    }
}
