namespace GpuHbm.Models;

/// <summary>
/// Rejects a rank-deficient population-level design matrix, naming the columns at fault: a
/// constant column (besides the intercept), a column identical to another, or a column that is a
/// linear combination of earlier ones (found by modified Gram–Schmidt on unit-norm columns).
/// </summary>
internal static class RankCheck
{
    /// <summary>Relative residual norm below which a column counts as dependent on the earlier ones.</summary>
    private const double Tolerance = 1e-9;

    public static void Check(DesignColumns x)
    {
        int n = x.Rows, p = x.Count;
        var cols = new double[p][];
        for (int j = 0; j < p; j++)
        {
            var c = new double[n];
            for (int i = 0; i < n; i++) c[i] = x.Values[i * p + j];
            cols[j] = c;
        }

        for (int j = 0; j < p; j++)
        {
            if (x.Names[j] == "Intercept") continue;
            if (StandardDeviation(cols[j]) == 0)
                throw new GpuHbmModelException(
                    $"the population-level design matrix is rank deficient: column '{x.Names[j]}' is constant (every row is {cols[j].FirstOrDefault()}), so its coefficient cannot be told apart from the intercept; remove it from the formula");
        }
        for (int j = 0; j < p; j++)
            for (int k = 0; k < j; k++)
                if (cols[j].AsSpan().SequenceEqual(cols[k]))
                    throw new GpuHbmModelException(
                        $"the population-level design matrix is rank deficient: column '{x.Names[j]}' is identical to column '{x.Names[k]}'; remove one of them");

        var q = new List<double[]>();
        var qIndex = new List<int>();
        for (int j = 0; j < p; j++)
        {
            var v = (double[])cols[j].Clone();
            double norm0 = Norm(v);
            if (norm0 == 0)
                throw new GpuHbmModelException($"the population-level design matrix is rank deficient: column '{x.Names[j]}' is all zero");
            for (int i = 0; i < n; i++) v[i] /= norm0;
            foreach (var u in q)
            {
                double d = Dot(u, v);
                for (int i = 0; i < n; i++) v[i] -= d * u[i];
            }
            double r = Norm(v);
            if (r < Tolerance * Math.Sqrt(Math.Max(1, j)))
                throw new GpuHbmModelException(
                    $"the population-level design matrix is rank deficient: column '{x.Names[j]}' is a linear combination of {Describe(x, cols, j, qIndex)}; remove a term or reduce the levels");
            for (int i = 0; i < n; i++) v[i] /= r;
            q.Add(v);
            qIndex.Add(j);
        }
    }

    /// <summary>Names the earlier columns with a non-negligible least-squares coefficient.</summary>
    private static string Describe(DesignColumns x, double[][] cols, int j, List<int> earlier)
    {
        var a = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.Dense(x.Rows, earlier.Count, (i, k) => cols[earlier[k]][i]);
        var b = MathNet.Numerics.LinearAlgebra.Vector<double>.Build.Dense(cols[j]);
        var coef = a.QR().Solve(b);
        var names = earlier.Where((_, k) => Math.Abs(coef[k]) > 1e-8).Select(k => $"'{x.Names[k]}'").ToList();
        return names.Count == 0 ? "earlier columns" : "columns " + string.Join(", ", names);
    }

    internal static double StandardDeviation(ReadOnlySpan<double> v)
    {
        if (v.Length < 2) return 0;
        double mean = 0;
        foreach (var t in v) mean += t;
        mean /= v.Length;
        double ss = 0;
        bool allSame = true;
        foreach (var t in v) { ss += (t - mean) * (t - mean); allSame &= t == v[0]; }
        return allSame ? 0 : Math.Sqrt(ss / (v.Length - 1));
    }

    private static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }

    private static double Norm(double[] a) => Math.Sqrt(Dot(a, a));
}
