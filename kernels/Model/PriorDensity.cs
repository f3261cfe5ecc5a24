using System.Runtime.CompilerServices;

namespace GpuHbm.Kernels;

/// <summary>
/// Log densities of the scalar priors and their derivatives (Stan Functions Reference: normal_lpdf,
/// student_t_lpdf, cauchy_lpdf, exponential_lpdf, with all normalizing constants), written once for the
/// managed density and the device kernels.
/// </summary>
public static class PriorDensity
{
    /// <summary>
    /// log p(x) of the untruncated distribution and ∂/∂x. Flat gives 0; the exponential gives −∞ below 0;
    /// LKJ is not a scalar density and gives 0 here (<see cref="LkjCholesky"/> evaluates it).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double LogDensity(in PriorSlot s, double x, out double derivative)
    {
        switch (s.Kind)
        {
            case PriorDistributionKind.Normal:
            {
                double u = (x - s.A) / s.B;
                derivative = -u / s.B;
                return s.LogConstant - 0.5 * u * u;
            }
            case PriorDistributionKind.StudentT:
            {
                double u = (x - s.B) / s.C;
                double w = u * u / s.A;
                derivative = -(s.A + 1) * u / (s.A * s.C * (1 + w));
                return s.LogConstant - 0.5 * (s.A + 1) * DeviceMath.Log1p(w);
            }
            case PriorDistributionKind.Cauchy:
            {
                double u = (x - s.A) / s.B;
                double w = u * u;
                derivative = -2 * u / (s.B * (1 + w));
                return s.LogConstant - DeviceMath.Log1p(w);
            }
            case PriorDistributionKind.Exponential:
                derivative = -s.A;
                return x < 0 ? double.NegativeInfinity : s.LogConstant - s.A * x;
            default:
                derivative = 0;
                return 0;
        }
    }

    /// <summary>
    /// A positive parameter x = e^u sampled as u: the half prior log p(x) − log P(X ≥ 0) plus the Jacobian u.
    /// <paramref name="gradient"/> is ∂/∂u of the log density given <paramref name="otherDerivative"/>, the
    /// derivative of the rest of the log density with respect to x: x·(other + ∂ log p/∂x) + 1.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double OnLogScale(in PriorSlot s, double u, double x, double otherDerivative, out double gradient)
    {
        double lp = LogDensity(s, x, out double dp) + s.LogHalfNormalizer + u;
        gradient = x * (otherDerivative + dp) + 1;
        return lp;
    }
}
