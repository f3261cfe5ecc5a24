using System.Globalization;
using GpuHbm.Data;
using GpuHbm.Formulas;
using GpuHbm.Models;

namespace GpuHbm.Tests.Models;

/// <summary>Formulas for the model tests, through the project's parser.</summary>
internal static class TestFormula
{
    public static Formula Parse(string text) => FormulaParser.Parse(text);
}

/// <summary>Example data through the project's CSV reader.</summary>
internal static class TestCsv
{
    public static DataTable Read(string path) => DataTable.ReadCsv(path);
}

internal static class ModelTestHelpers
{
    public static CompiledModel Compile(string formula, Family family, DataTable data, params string[] priors) =>
        CompiledModel.Compile(new ModelSpec(TestFormula.Parse(formula), family, priors.Select(PriorSpec.Parse).ToList()), data);

    public static (double Lp, double[] Grad) Evaluate(IBatchedDensity model, double[] theta)
    {
        var lp = new double[1];
        var g = new double[model.Dimension];
        model.Evaluate(theta, lp, g, 1);
        return (lp[0], g);
    }

    public static double LogDensity(IBatchedDensity model, double[] theta) => Evaluate(model, theta).Lp;

    public static double[] RandomTheta(int dim, int seed, double scale = 0.5)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, dim).Select(_ => scale * (2 * rng.NextDouble() - 1)).ToArray();
    }

    /// <summary>
    /// Synthetic data: n rows; x1, x2 numeric; f categorical with levels "a","b","c"; g (6 levels),
    /// h (4 levels, crossed with g); yg gaussian, yb 0/1, ys successes of trials nt (also failures nf),
    /// yp counts, se positive, off an offset.
    /// </summary>
    public static DataTable Synthetic(int n, int seed)
    {
        var rng = new Random(seed);
        var cols = new Dictionary<string, string?[]>();
        string[] Col(string name) { var a = new string[n]; cols[name] = a; return a; }
        var x1 = Col("x1"); var x2 = Col("x2"); var f = Col("f"); var g = Col("g"); var h = Col("h");
        var yg = Col("yg"); var yb = Col("yb"); var ys = Col("ys"); var nt = Col("nt"); var nf = Col("nf");
        var yp = Col("yp"); var se = Col("se"); var off = Col("off");
        string S(double v) => v.ToString("R", CultureInfo.InvariantCulture);
        for (int i = 0; i < n; i++)
        {
            double a = rng.NextDouble() * 2 - 1, b = rng.NextDouble() * 3;
            x1[i] = S(a); x2[i] = S(b);
            f[i] = ((char)('a' + i % 3)).ToString();
            g[i] = "G" + (i % 6 + 1);
            h[i] = "H" + ((i / 2 + i / 7) % 4 + 1);
            yg[i] = S(1 + 0.5 * a - 0.3 * b + rng.NextDouble());
            yb[i] = rng.NextDouble() < 0.4 + 0.2 * a ? "1" : "0";
            int trials = 1 + rng.Next(9);
            int succ = rng.Next(trials + 1);
            nt[i] = trials.ToString(CultureInfo.InvariantCulture);
            ys[i] = succ.ToString(CultureInfo.InvariantCulture);
            nf[i] = (trials - succ).ToString(CultureInfo.InvariantCulture);
            yp[i] = rng.Next(6).ToString(CultureInfo.InvariantCulture);
            se[i] = S(0.5 + rng.NextDouble());
            off[i] = S(0.3 * rng.NextDouble());
        }
        return new DataTable(cols.Select(kv => new DataColumn(kv.Key, kv.Value)).ToList(), "synthetic");
    }
}
