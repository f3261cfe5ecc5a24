using GpuHbm.Kernels;
using MathNet.Numerics;

namespace GpuHbm.Models;

/// <summary>
/// The LKJ prior on a correlation matrix Ω, p(Ω | η) = c_K(η)⁻¹ det(Ω)^{η−1} (Lewandowski,
/// Kurowicka and Joe 2009), evaluated on its Cholesky factor L as Stan's
/// <c>lkj_corr_cholesky_lpdf</c> (Stan Functions Reference, "LKJ Cholesky correlation distribution"):
/// log p(L | η) = −log c_K(η) + Σ_{k=2}^{K} (K − k + 2η − 2) log L_kk (1-based k).
/// </summary>
/// <remarks>
/// That is the LKJ density of Ω plus the log Jacobian Σ_k (K − k) log L_kk of L ↦ Ω, so adding it to
/// the log Jacobian of y ↦ L (<see cref="CholeskyCorrTransform"/>) gives the density of y under the
/// LKJ prior on Ω. The normalizing constant is theorem 5 of LKJ (2009):
/// c_K(η) = Π_{k=1}^{K−1} [ 2^{(2η−2+K−k)(K−k)} · B(η + (K−k−1)/2, η + (K−k−1)/2)^{K−k} ].
/// </remarks>
public static class LkjCorrCholesky
{
    /// <summary>log c_K(η)⁻¹, the log normalizing constant of the LKJ density on Ω.</summary>
    public static double LogNormalizingConstant(int k, double eta)
    {
        double logC = 0;
        for (int m = 1; m <= k - 1; m++)
        {
            double km = k - m;
            double a = eta + 0.5 * (km - 1);
            logC += (2 * eta - 2 + km) * km * Math.Log(2) + km * SpecialFunctions.BetaLn(a, a);
        }
        return -logC;
    }

    /// <summary>
    /// log p(L | η) including the constant <paramref name="logConstant"/>; adds ∂/∂L_kk to the diagonal of
    /// <paramref name="gL"/> (K×K row-major). The shared <see cref="LkjCholesky"/> computes it.
    /// </summary>
    public static unsafe double LogDensity(ReadOnlySpan<double> l, int k, double eta, double logConstant, Span<double> gL)
    {
        if (l.Length < k * k || gL.Length < k * k) throw new ArgumentException($"L and gL need {k * k} values");
        fixed (double* pl = l, pg = gL)
            return LkjCholesky.LogDensity(new PointerVector(pl), k, eta, logConstant, new PointerVector(pg));
    }
}
