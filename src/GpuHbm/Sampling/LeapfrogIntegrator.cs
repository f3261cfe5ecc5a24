using GpuHbm.Kernels;
using GpuHbm.Models;
using GpuHbm.Sampling.Metrics;

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
    /// <summary>The part before the gradient: p ← p + (ε/2)·g; q ← q + ε·M⁻¹p.</summary>
    public static void BeginStep(Span<double> position, Span<double> momentum, ReadOnlySpan<double> gradient,
        ReadOnlySpan<double> inverseMetric, double stepSize)
    {
        double half = 0.5 * stepSize;
        for (int i = 0; i < position.Length; i++)
        {
            double p = LeapfrogStep.Kick(momentum[i], gradient[i], half);
            momentum[i] = p;
            position[i] = LeapfrogStep.Drift(position[i], p, inverseMetric[i], stepSize);
        }
    }

    /// <summary>The part after the gradient: p ← p + (ε/2)·g; returns the kinetic energy ½ pᵀM⁻¹p.</summary>
    public static double EndStep(Span<double> momentum, ReadOnlySpan<double> gradient, ReadOnlySpan<double> inverseMetric,
        double stepSize)
    {
        double half = 0.5 * stepSize, twiceKinetic = 0;
        for (int i = 0; i < momentum.Length; i++)
        {
            double p = LeapfrogStep.Kick(momentum[i], gradient[i], half);
            momentum[i] = p;
            twiceKinetic += LeapfrogStep.KineticTerm(p, inverseMetric[i]);
        }
        return 0.5 * twiceKinetic;
    }

    /// <summary>
    /// <see cref="BeginStep(Span{double}, Span{double}, ReadOnlySpan{double}, ReadOnlySpan{double}, double)"/> with a full
    /// (low-rank) metric: p ← p + (ε/2)·g; v = M⁻¹p into <paramref name="velocity"/>; q ← q + ε·v.
    /// </summary>
    public static void BeginStep(Span<double> position, Span<double> momentum, ReadOnlySpan<double> gradient,
        InverseMetric metric, double stepSize, Span<double> velocity)
    {
        double half = 0.5 * stepSize;
        for (int i = 0; i < position.Length; i++) momentum[i] = LeapfrogStep.Kick(momentum[i], gradient[i], half);
        metric.Multiply(momentum, velocity);
        for (int i = 0; i < position.Length; i++) position[i] = LeapfrogStep.Drift(position[i], velocity[i], 1.0, stepSize);
    }

    /// <summary>p ← p + (ε/2)·g with a full (low-rank) metric; returns ½ pᵀM⁻¹p (<paramref name="scratch"/>: length D).</summary>
    public static double EndStep(Span<double> momentum, ReadOnlySpan<double> gradient, InverseMetric metric, double stepSize,
        Span<double> scratch)
    {
        double half = 0.5 * stepSize;
        for (int i = 0; i < momentum.Length; i++) momentum[i] = LeapfrogStep.Kick(momentum[i], gradient[i], half);
        return metric.KineticEnergy(momentum, scratch);
    }

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
        return DiagonalMetric.IsFinite(logDensity[0], gradient) ? logDensity[0] : double.NegativeInfinity;
    }
}
