namespace GpuHbm.Estimands;

/// <summary>Dense k × k (k = a term's effects per level, a handful) solves by Gaussian elimination with partial pivoting.</summary>
internal static class SmallMatrix
{
    /// <summary>
    /// Solves A x = b in place (A row-major k × k is destroyed; b becomes x). False when A is singular
    /// to working precision (a pivot below 1e-12 of the largest entry).
    /// </summary>
    public static bool Solve(Span<double> a, Span<double> b, int k)
    {
        double scale = 0;
        foreach (var v in a) scale = Math.Max(scale, Math.Abs(v));
        if (!(scale > 0) || !double.IsFinite(scale)) return false;
        for (int c = 0; c < k; c++)
        {
            int piv = c;
            for (int r = c + 1; r < k; r++) if (Math.Abs(a[r * k + c]) > Math.Abs(a[piv * k + c])) piv = r;
            if (Math.Abs(a[piv * k + c]) <= 1e-12 * scale) return false;
            if (piv != c)
            {
                for (int j = 0; j < k; j++) (a[c * k + j], a[piv * k + j]) = (a[piv * k + j], a[c * k + j]);
                (b[c], b[piv]) = (b[piv], b[c]);
            }
            for (int r = c + 1; r < k; r++)
            {
                double f = a[r * k + c] / a[c * k + c];
                if (f == 0) continue;
                for (int j = c; j < k; j++) a[r * k + j] -= f * a[c * k + j];
                b[r] -= f * b[c];
            }
        }
        for (int c = k - 1; c >= 0; c--)
        {
            double s = b[c];
            for (int j = c + 1; j < k; j++) s -= a[c * k + j] * b[j];
            b[c] = s / a[c * k + c];
        }
        return true;
    }

    /// <summary>The diagonal of A⁻¹ (A destroyed); NaN entries when A is singular.</summary>
    public static void InverseDiagonal(Span<double> a, Span<double> diagonal, int k)
    {
        Span<double> copy = stackalloc double[k * k];
        Span<double> e = stackalloc double[k];
        for (int c = 0; c < k; c++)
        {
            a.CopyTo(copy);
            e.Clear();
            e[c] = 1;
            diagonal[c] = Solve(copy, e, k) ? e[c] : double.NaN;
        }
    }
}
