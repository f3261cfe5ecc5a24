using System.Runtime.CompilerServices;

namespace GpuHbm.Kernels;

/// <summary>
/// The map from K(K−1)/2 unconstrained reals to the Cholesky factor L of a K×K correlation matrix
/// Ω = L·Lᵀ, as Stan's <c>cholesky_factor_corr</c> type (Stan Reference Manual, "Cholesky factors of
/// correlation matrices", built on the canonical partial correlations of "Correlation matrices"), and its
/// reverse-mode gradient: written once for the managed density and the device kernels.
/// </summary>
/// <remarks>
/// With y ordered row by row over the strict lower triangle (i = 1..K−1, j = 0..i−1) and
/// z = tanh(y) the canonical partial correlations (CPCs):
/// L[0,0] = 1; L[i,0] = z[i,0]; L[i,j] = z[i,j]·sqrt(1 − Σ_{k&lt;j} L[i,k]²); L[i,i] = sqrt(1 − Σ_{k&lt;i} L[i,k]²).
/// The free elements of L depend triangularly on z, so the log absolute Jacobian of y ↦ L (strict
/// lower triangle) is Σ_{i&gt;j} [ log(1 − z[i,j]²) + ½ log(1 − Σ_{k&lt;j} L[i,k]²) ].
/// L is stored K×K row-major with zeros above the diagonal.
/// </remarks>
public static class CholeskyCorr
{
    /// <summary>Number of unconstrained values for a K×K correlation matrix: K(K−1)/2.</summary>
    public static int FreeCount(int k) => k * (k - 1) / 2;

    /// <summary>Fills <paramref name="l"/> (K×K) from <paramref name="y"/> and returns log |J(y ↦ L)|.</summary>
    public static double Constrain<TY, TL>(TY y, int k, TL l) where TY : struct, IVector where TL : struct, IVector
    {
        for (int m = 0; m < k * k; m++) l[m] = 0.0;
        l[0] = 1;
        double logJ = 0;
        int n = 0;
        for (int i = 1; i < k; i++)
        {
            double sumSq = 0;
            for (int j = 0; j < i; j++)
            {
                double yy = y[n++];
                double z = DeviceMath.Tanh(yy);
                logJ += LogOneMinusTanhSquared(yy) + 0.5 * DeviceMath.Log1p(-sumSq);
                double lij = z * Math.Sqrt(1 - sumSq);
                l[i * k + j] = lij;
                sumSq += lij * lij;
            }
            l[i * k + i] = Math.Sqrt(1 - sumSq);
        }
        return logJ;
    }

    /// <summary>
    /// Reverse mode: given gL = ∂F/∂L (K×K, lower triangle with diagonal, overwritten as scratch),
    /// writes to <paramref name="gy"/> the gradient with respect to y of F(L(y)) + log |J(y ↦ L)|.
    /// <paramref name="l"/> must be the factor <see cref="Constrain"/> produced from the same y.
    /// </summary>
    public static void Gradient<TY, TL, TG, TGy>(TY y, int k, TL l, TG gL, TGy gy)
        where TY : struct, IVector where TL : struct, IVector where TG : struct, IVector where TGy : struct, IVector
    {
        for (int i = k - 1; i >= 1; i--)
        {
            int rowStart = i * (i - 1) / 2;   // index of y[i,0]
            double sumSq = 0;
            for (int j = 0; j < i; j++) sumSq += l[i * k + j] * l[i * k + j];
            // s = Σ_{k<i} L[i,k]² ; L[i,i] = sqrt(1 - s)
            double gs = gL[i * k + i] * (-0.5 / l[i * k + i]);
            for (int j = i - 1; j >= 0; j--)
            {
                double lij = l[i * k + j];
                sumSq -= lij * lij;                      // now s_j = Σ_{m<j} L[i,m]²
                double g = gL[i * k + j] + 2 * lij * gs; // s_{j+1} = s_j + L[i,j]²
                double w = Math.Sqrt(1 - sumSq);
                double yy = y[rowStart + j];
                double z = DeviceMath.Tanh(yy);
                double gz = g * w;                       // L[i,j] = z·w
                gs += g * z * (-0.5 / w)                 // w = sqrt(1 - s_j)
                      - 0.5 / (1 - sumSq);               // Jacobian term ½ log(1 - s_j)
                gy[rowStart + j] = gz * (1 - z * z) - 2 * z;   // z = tanh y; d log(1 - tanh²y)/dy = -2 tanh y
            }
        }
    }

    /// <summary>log(1 − tanh²y) = 2·(log 2 − |y| − log(1 + e^{−2|y|})), stable for large |y|.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double LogOneMinusTanhSquared(double y)
    {
        double a = Math.Abs(y);
        return 2 * (Ln2 - a - DeviceMath.Log1pExp(-2 * a));
    }

    private const double Ln2 = 0.69314718055994530942;
}
