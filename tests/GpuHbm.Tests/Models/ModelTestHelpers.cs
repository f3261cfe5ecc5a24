using System.Globalization;
using System.Text;
using GpuHbm.Data;
using GpuHbm.Formulas;
using GpuHbm.Models;

namespace GpuHbm.Tests.Models;

/// <summary>
/// Builds <see cref="Formula"/> records from already-expanded formula text (no <c>*</c> or <c>/</c>):
/// <c>y | se(s) ~ 0 + x + a:b + offset(o) + (1 + x || g) + (1 | a:b)</c>. A stand-in for the real
/// parser, which another branch provides.
/// </summary>
internal static class TestFormula
{
    public static Formula Parse(string text)
    {
        int tilde = text.IndexOf('~');
        string lhs = text[..tilde].Trim(), rhs = text[(tilde + 1)..];
        ResponseSpec response;
        if (lhs.StartsWith("cbind(", StringComparison.Ordinal))
        {
            var parts = lhs[6..^1].Split(',').Select(s => s.Trim()).ToArray();
            response = new ResponseSpec(parts[0], FailuresColumn: parts[1]);
        }
        else if (lhs.Contains('|'))
        {
            var parts = lhs.Split('|').Select(s => s.Trim()).ToArray();
            string arg = parts[1][(parts[1].IndexOf('(') + 1)..^1].Trim();
            response = parts[1].StartsWith("se(", StringComparison.Ordinal)
                ? new ResponseSpec(parts[0], SeColumn: arg)
                : new ResponseSpec(parts[0], TrialsColumn: arg);
        }
        else response = new ResponseSpec(lhs);

        bool intercept = true;
        var fixedTerms = new List<FixedTerm>();
        var random = new List<RandomTerm>();
        var offsets = new List<string>();
        foreach (var piece in SplitTop(rhs))
        {
            if (piece == "1") continue;
            if (piece == "0") { intercept = false; continue; }
            if (piece.StartsWith("offset(", StringComparison.Ordinal)) { offsets.Add(piece[7..^1].Trim()); continue; }
            if (piece.StartsWith('('))
            {
                string inner = piece[1..^1];
                bool correlated = !inner.Contains("||");
                int bar = inner.IndexOf('|');
                string left = inner[..bar];
                string group = inner[(bar + (correlated ? 1 : 2))..].Trim();
                bool ri = true;
                var terms = new List<FixedTerm>();
                foreach (var p in SplitTop(left))
                {
                    if (p == "1") continue;
                    if (p == "0") { ri = false; continue; }
                    terms.Add(new FixedTerm(p.Split(':')));
                }
                random.Add(new RandomTerm(ri, terms, group.Split(':'), correlated));
                continue;
            }
            fixedTerms.Add(new FixedTerm(piece.Split(':')));
        }
        return new Formula(text, response, intercept, fixedTerms, random, offsets);
    }

    private static List<string> SplitTop(string s)
    {
        var result = new List<string>();
        int depth = 0;
        var sb = new StringBuilder();
        foreach (char c in s)
        {
            if (c == '(') depth++;
            if (c == ')') depth--;
            if (c == '+' && depth == 0) { result.Add(sb.ToString().Trim()); sb.Clear(); continue; }
            sb.Append(c);
        }
        result.Add(sb.ToString().Trim());
        return result.Where(x => x.Length > 0).ToList();
    }
}

/// <summary>Reads a small comma-separated file with optionally double-quoted fields (no embedded commas).</summary>
internal static class TestCsv
{
    public static DataTable Read(string path)
    {
        var lines = File.ReadAllLines(path).Where(l => l.Length > 0).ToArray();
        var header = Fields(lines[0]);
        var rows = lines.Skip(1).Select(Fields).ToArray();
        var cols = header.Select((h, j) => new DataColumn(h!, rows.Select(r => r[j] is "NA" or "" ? null : r[j]).ToArray())).ToList();
        return new DataTable(cols, path);
    }

    private static string?[] Fields(string line) => line.Split(',').Select(f => f.Trim().Trim('"')).ToArray();
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
