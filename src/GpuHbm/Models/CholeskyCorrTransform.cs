using GpuHbm.Kernels;

namespace GpuHbm.Models;

/// <summary>
/// The map from K(K−1)/2 unconstrained reals to the Cholesky factor L of a K×K correlation
/// matrix Ω = L·Lᵀ (Stan's <c>cholesky_factor_corr</c>), on managed spans: pins them and calls the
/// shared <see cref="CholeskyCorr"/>, the code the device kernels run too. L is K×K row-major with
/// zeros above the diagonal.
/// </summary>
public static class CholeskyCorrTransform
{
    /// <summary>Number of unconstrained values for a K×K correlation matrix: K(K−1)/2.</summary>
    public static int FreeCount(int k) => CholeskyCorr.FreeCount(k);

    /// <summary>Fills <paramref name="l"/> (K×K) from <paramref name="y"/> and returns log |J(y ↦ L)|.</summary>
    public static unsafe double Constrain(ReadOnlySpan<double> y, int k, Span<double> l)
    {
        Check(y, k, l.Length);
        fixed (double* py = y, pl = l)
            return CholeskyCorr.Constrain(new PointerVector(py), k, new PointerVector(pl));
    }

    /// <summary>
    /// Reverse mode: given gL = ∂F/∂L (K×K, lower triangle with diagonal, overwritten as scratch),
    /// writes to <paramref name="gy"/> the gradient with respect to y of F(L(y)) + log |J(y ↦ L)|.
    /// <paramref name="l"/> must be the factor <see cref="Constrain"/> produced from the same y.
    /// </summary>
    public static unsafe void Gradient(ReadOnlySpan<double> y, int k, ReadOnlySpan<double> l, Span<double> gL, Span<double> gy)
    {
        Check(y, k, l.Length);
        if (gL.Length < k * k || gy.Length < FreeCount(k)) throw new ArgumentException($"gL needs {k * k} values and gy {FreeCount(k)}");
        fixed (double* py = y, pl = l, pgL = gL, pgy = gy)
            CholeskyCorr.Gradient(new PointerVector(py), k, new PointerVector(pl), new PointerVector(pgL), new PointerVector(pgy));
    }

    private static void Check(ReadOnlySpan<double> y, int k, int lLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        if (y.Length < FreeCount(k) || lLength < k * k) throw new ArgumentException($"y needs {FreeCount(k)} values and L {k * k}");
    }
}
