using GpuHbm.Kernels;
using GpuHbm.Models;

namespace GpuHbm.Sampling;

/// <summary>
/// The leapfrog (Störmer–Verlet) integrator for H(q, p) = −log π(q) + ½ pᵀM⁻¹p with a diagonal
/// metric, split as in Stan's expl_leapfrog: half momentum step, full position step, gradient,
/// half momentum step (Neal 2011, "MCMC using Hamiltonian dynamics", eq. 5.18–5.20).
/// These are the per-row loops the CPU ensemble runs over the shared element arithmetic of
/// <see cref="LeapfrogStep"/>, which the device kernels call too.
/// </summary>
public static class LeapfrogIntegrator
{
    /// <summary>The part before the gradient: p ← p + (ε/2)·g; q ← q + ε·M⁻¹p (<see cref="LeapfrogStep.Begin(Span{double}, Span{double}, ReadOnlySpan{double}, ReadOnlySpan{double}, double)"/>).</summary>
    public static void BeginStep(Span<double> position, Span<double> momentum, ReadOnlySpan<double> gradient,
        ReadOnlySpan<double> inverseMetric, double stepSize) =>
        LeapfrogStep.Begin(position, momentum, gradient, inverseMetric, stepSize);

    /// <summary>The part after the gradient: p ← p + (ε/2)·g; returns the kinetic energy ½ pᵀM⁻¹p (<see cref="LeapfrogStep.End(Span{double}, ReadOnlySpan{double}, ReadOnlySpan{double}, double)"/>).</summary>
    public static double EndStep(Span<double> momentum, ReadOnlySpan<double> gradient, ReadOnlySpan<double> inverseMetric,
        double stepSize) =>
        LeapfrogStep.End(momentum, gradient, inverseMetric, stepSize);

    /// <summary>The first half with a full (low-rank) metric (<see cref="LeapfrogStep.Begin(Span{double}, Span{double}, ReadOnlySpan{double}, InverseMetric, double, Span{double})"/>).</summary>
    public static void BeginStep(Span<double> position, Span<double> momentum, ReadOnlySpan<double> gradient,
        InverseMetric metric, double stepSize, Span<double> velocity) =>
        LeapfrogStep.Begin(position, momentum, gradient, metric, stepSize, velocity);

    /// <summary>The second half with a full (low-rank) metric; returns ½ pᵀM⁻¹p (<paramref name="scratch"/>: length D).</summary>
    public static double EndStep(Span<double> momentum, ReadOnlySpan<double> gradient, InverseMetric metric, double stepSize,
        Span<double> scratch) =>
        LeapfrogStep.End(momentum, gradient, metric, stepSize, scratch);

    /// <summary>
    /// One complete step for a single chain (a convenience for tests and tools): updates q, p and g
    /// in place and returns log π at the new position (−∞ where not finite).
    /// </summary>
    public static double Step(IBatchedDensity density, Span<double> position, Span<double> momentum, Span<double> gradient,
        ReadOnlySpan<double> inverseMetric, double stepSize)
    {
        BeginStep(position, momentum, gradient, inverseMetric, stepSize);
        Span<double> logDensity = stackalloc double[1];
        density.Evaluate(position, logDensity, gradient, 1);
        EndStep(momentum, gradient, inverseMetric, stepSize);
        return Finite.All(logDensity[0], gradient) ? logDensity[0] : double.NegativeInfinity;
    }
}
