namespace GpuHbm.Kernels;

/// <summary>
/// How a group-level term turns its standardized effects z into effects r (non-centred): the one
/// definition of these codes for the managed density and the device kernels.
/// </summary>
public enum RandomTermKind
{
    /// <summary>r_j = diag(sd)·z_j: one effect (K = 1) or K uncorrelated effects (<c>||</c>).</summary>
    Independent = 0,

    /// <summary>r_j = diag(sd)·L·z_j with L the Cholesky factor of the correlation matrix (CPC transform, LKJ prior).</summary>
    Correlated = 1,

    /// <summary><c>gr(id, cov = K)</c>: r = sd·(L z) with L = chol(K + εI) across levels (K = 1).</summary>
    Relationship = 2,
}
