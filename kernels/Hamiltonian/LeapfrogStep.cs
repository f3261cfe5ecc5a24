using System.Runtime.CompilerServices;

namespace GpuHbm.Kernels;

/// <summary>
/// The element arithmetic of the leapfrog (Störmer–Verlet) integrator with a diagonal metric, as Stan's
/// expl_leapfrog (Neal 2011, "MCMC using Hamiltonian dynamics", eq. 5.18–5.20): the managed ensemble's
/// loops and the device ensemble kernels both call these, so they take the same steps bit for bit.
/// </summary>
public static class LeapfrogStep
{
    /// <summary>Half momentum step: p + (ε/2)·g, with <paramref name="halfStep"/> = 0.5·ε.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Kick(double momentum, double gradient, double halfStep) => momentum + halfStep * gradient;

    /// <summary>Position step: q + ε·M⁻¹·p (evaluated as (ε·M⁻¹)·p).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Drift(double position, double momentum, double inverseMetric, double step) =>
        position + step * inverseMetric * momentum;

    /// <summary>One term of 2K = pᵀM⁻¹p: (p·M⁻¹)·p.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double KineticTerm(double momentum, double inverseMetric) => momentum * inverseMetric * momentum;

    /// <summary>A momentum p ~ N(0, M) from a standard normal z: z / √M⁻¹.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Momentum(double standardNormal, double inverseMetric) => standardNormal / Math.Sqrt(inverseMetric);
}
