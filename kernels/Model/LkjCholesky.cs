namespace GpuHbm.Kernels;

/// <summary>
/// The LKJ prior on a correlation matrix evaluated on its Cholesky factor L, as Stan's
/// <c>lkj_corr_cholesky_lpdf</c> (Stan Functions Reference, "LKJ Cholesky correlation distribution"):
/// log p(L | η) = −log c_K(η) + Σ_{k=2}^{K} (K − k + 2η − 2) log L_kk (1-based k); written once for the
/// managed density and the device kernels. The constant −log c_K(η) is computed on the host.
/// </summary>
public static class LkjCholesky
{
    /// <summary>
    /// log p(L | η) including <paramref name="logConstant"/>; adds ∂/∂L_kk to the diagonal of
    /// <paramref name="gL"/> (K×K row-major).
    /// </summary>
    public static double LogDensity<TL, TG>(TL l, int k, double eta, double logConstant, TG gL)
        where TL : struct, IVector where TG : struct, IVector
    {
        double lp = logConstant;
        for (int i = 1; i < k; i++)
        {
            double c = k - i - 3 + 2 * eta;   // 1-based row i+1: K − (i+1) + 2η − 2
            double d = l[i * k + i];
            lp += c * DeviceMath.Log(d);
            gL[i * k + i] += c / d;
        }
        return lp;
    }
}
