namespace GpuHbm.Models.Kinship;

/// <summary>
/// Brent's one-dimensional minimizer: golden-section search with parabolic interpolation steps
/// (Brent 1973, "Algorithms for Minimization without Derivatives", ch. 5; the form of Press et al.,
/// Numerical Recipes, §10.3). Used by <see cref="RemlGrid"/> to refine the grid maximum.
/// </summary>
internal static class BrentMinimizer
{
    private const double Golden = 0.3819660112501051; // (3 − √5)/2

    /// <summary>Minimizes f on [a, c] starting from b (a ≤ b ≤ c), to absolute tolerance <paramref name="tolerance"/> in x.</summary>
    public static double Minimize(Func<double, double> f, double a, double b, double c, double tolerance, int maxIterations = 200)
    {
        double lo = Math.Min(a, c), hi = Math.Max(a, c);
        double x = Math.Clamp(b, lo, hi), w = x, v = x;
        double fx = f(x), fw = fx, fv = fx;
        double d = 0, e = 0;
        for (int iter = 0; iter < maxIterations; iter++)
        {
            double mid = 0.5 * (lo + hi);
            double tol1 = tolerance + 1e-12 * Math.Abs(x), tol2 = 2 * tol1;
            if (Math.Abs(x - mid) <= tol2 - 0.5 * (hi - lo)) break;
            bool golden = true;
            if (Math.Abs(e) > tol1)
            {
                // Parabola through (x, fx), (w, fw), (v, fv).
                double r = (x - w) * (fx - fv), q = (x - v) * (fx - fw), p = (x - v) * q - (x - w) * r;
                q = 2 * (q - r);
                if (q > 0) p = -p; else q = -q;
                double eOld = e;
                e = d;
                if (Math.Abs(p) < Math.Abs(0.5 * q * eOld) && p > q * (lo - x) && p < q * (hi - x))
                {
                    d = p / q;
                    double u0 = x + d;
                    if (u0 - lo < tol2 || hi - u0 < tol2) d = mid >= x ? tol1 : -tol1;
                    golden = false;
                }
            }
            if (golden)
            {
                e = x >= mid ? lo - x : hi - x;
                d = Golden * e;
            }
            double u = Math.Abs(d) >= tol1 ? x + d : x + (d >= 0 ? tol1 : -tol1);
            double fu = f(u);
            if (fu <= fx)
            {
                if (u >= x) lo = x; else hi = x;
                (v, fv) = (w, fw);
                (w, fw) = (x, fx);
                (x, fx) = (u, fu);
            }
            else
            {
                if (u < x) lo = u; else hi = u;
                if (fu <= fw || w == x) { (v, fv) = (w, fw); (w, fw) = (u, fu); }
                else if (fu <= fv || v == x || v == w) { (v, fv) = (u, fu); }
            }
        }
        return x;
    }
}
