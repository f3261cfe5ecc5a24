namespace GpuHbm.Sampling.Chees;

/// <summary>
/// Adam for one scalar, as an ascent step (Kingma &amp; Ba 2015, Algorithm 1):
/// m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²; step = α·m̂/√(v̂ + ε) with m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ).
/// </summary>
/// <remarks>
/// ChEES uses β₁ = 0, β₂ = 0.95, α = 0.025, ε = 1e-20 inside the root — exactly TFP's
/// GradientBasedTrajectoryLengthAdaptation update ("Adam/RMSProp step size" in _update_trajectory_grad).
/// </remarks>
public sealed class Adam(double learningRate = 0.025, double beta1 = 0.0, double beta2 = 0.95, double epsilon = 1e-20)
{
    public double LearningRate { get; } = learningRate;
    public double Beta1 { get; } = beta1;
    public double Beta2 { get; } = beta2;
    public double Epsilon { get; } = epsilon;

    /// <summary>Steps taken (t).</summary>
    public int Count { get; private set; }

    /// <summary>First-moment (m) and second-moment (v) running averages.</summary>
    public double FirstMoment { get; private set; }
    public double SecondMoment { get; private set; }

    /// <summary>The ascent step for gradient <paramref name="gradient"/>.</summary>
    public double Step(double gradient)
    {
        Count++;
        FirstMoment = Beta1 * FirstMoment + (1 - Beta1) * gradient;
        SecondMoment = Beta2 * SecondMoment + (1 - Beta2) * gradient * gradient;
        double mHat = FirstMoment / (1 - Math.Pow(Beta1, Count));
        double vHat = SecondMoment / (1 - Math.Pow(Beta2, Count));
        return LearningRate * mHat / Math.Sqrt(vHat + Epsilon);
    }
}
