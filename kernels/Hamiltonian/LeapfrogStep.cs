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

    /// <summary>The part of a step before the gradient, over a chain's row: p ← p + (ε/2)·g; q ← q + ε·M⁻¹p.</summary>
    public static void Begin(Span<double> position, Span<double> momentum, ReadOnlySpan<double> gradient,
        ReadOnlySpan<double> inverseMetric, double stepSize)
    {
        double half = 0.5 * stepSize;
        for (int i = 0; i < position.Length; i++)
        {
            double p = Kick(momentum[i], gradient[i], half);
            momentum[i] = p;
            position[i] = Drift(position[i], p, inverseMetric[i], stepSize);
        }
    }

    /// <summary>The part after the gradient, over a chain's row: p ← p + (ε/2)·g; returns the kinetic energy ½ pᵀM⁻¹p.</summary>
    public static double End(Span<double> momentum, ReadOnlySpan<double> gradient, ReadOnlySpan<double> inverseMetric, double stepSize)
    {
        double half = 0.5 * stepSize, twiceKinetic = 0;
        for (int i = 0; i < momentum.Length; i++)
        {
            double p = Kick(momentum[i], gradient[i], half);
            momentum[i] = p;
            twiceKinetic += KineticTerm(p, inverseMetric[i]);
        }
        return 0.5 * twiceKinetic;
    }

    /// <summary>
    /// <see cref="Begin(Span{double}, Span{double}, ReadOnlySpan{double}, ReadOnlySpan{double}, double)"/> with a full
    /// (low-rank) metric: p ← p + (ε/2)·g; v = M⁻¹p into <paramref name="velocity"/>; q ← q + ε·v.
    /// </summary>
    public static void Begin(Span<double> position, Span<double> momentum, ReadOnlySpan<double> gradient,
        InverseMetric metric, double stepSize, Span<double> velocity)
    {
        double half = 0.5 * stepSize;
        for (int i = 0; i < position.Length; i++) momentum[i] = Kick(momentum[i], gradient[i], half);
        metric.Multiply(momentum, velocity);
        for (int i = 0; i < position.Length; i++) position[i] = Drift(position[i], velocity[i], 1.0, stepSize);
    }

    /// <summary>p ← p + (ε/2)·g with a full (low-rank) metric; returns ½ pᵀM⁻¹p (<paramref name="scratch"/>: length D).</summary>
    public static double End(Span<double> momentum, ReadOnlySpan<double> gradient, InverseMetric metric, double stepSize,
        Span<double> scratch)
    {
        double half = 0.5 * stepSize;
        for (int i = 0; i < momentum.Length; i++) momentum[i] = Kick(momentum[i], gradient[i], half);
        return metric.KineticEnergy(momentum, scratch);
    }

    /// <summary>½ pᵀM⁻¹p over a chain's row.</summary>
    public static double KineticEnergy(ReadOnlySpan<double> momentum, ReadOnlySpan<double> inverseMetric)
    {
        double s = 0;
        for (int i = 0; i < momentum.Length; i++) s += KineticTerm(momentum[i], inverseMetric[i]);
        return 0.5 * s;
    }

    /// <summary>A momentum p ~ N(0, M) from a standard normal z: z / √M⁻¹.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Momentum(double standardNormal, double inverseMetric) => standardNormal / Math.Sqrt(inverseMetric);
}
