namespace GpuHbm.Kernels;

/// <summary>The prior distributions GpuHbm understands (brms/Stan names); the one definition of these codes.</summary>
public enum PriorDistributionKind
{
    Normal = 0,
    StudentT = 1,
    Cauchy = 2,
    Exponential = 3,
    Lkj = 4,
    Flat = 5,
}
