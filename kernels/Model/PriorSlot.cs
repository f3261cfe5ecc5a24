namespace GpuHbm.Kernels;

/// <summary>
/// A scalar prior as the shared math evaluates it: the kind, the arguments in the order written
/// (normal(A = μ, B = σ), student_t(A = ν, B = μ, C = σ), cauchy(A = μ, B = σ), exponential(A = rate),
/// lkj(A = η)), the log normalizing constant of the untruncated density and −log P(X ≥ 0) for a parameter
/// constrained positive. Computed once on the host (Models.PriorDistribution), uploaded as is to a device.
/// </summary>
public readonly record struct PriorSlot(PriorDistributionKind Kind, double A, double B, double C, double LogConstant, double LogHalfNormalizer)
{
    /// <summary>A flat prior: log density 0 everywhere.</summary>
    public static PriorSlot Flat => new(PriorDistributionKind.Flat, 0, 0, 0, 0, 0);
}
