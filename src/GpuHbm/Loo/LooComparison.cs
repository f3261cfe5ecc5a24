using System.Globalization;
using GpuHbm.Diagnostics;

namespace GpuHbm.Loo;

/// <summary>One model of a comparison: its elpd_loo difference from the best model and that difference's SE.</summary>
public sealed record LooComparisonRow(string Model, double ElpdDiff, double SeDiff, LooResult Loo);

/// <summary>
/// Models ranked by expected log predictive density, as R's loo_compare (loo 2.5.1): the best model
/// first with difference 0; each other model's elpd_diff = Σ_i (elpd_loo_i − elpd_loo_i of the best) and
/// se_diff = √N · sd of those pointwise differences (the observations being independent terms).
/// </summary>
public static class LooComparison
{
    /// <summary>Ranks the models; they must be evaluated on the same observations.</summary>
    public static IReadOnlyList<LooComparisonRow> Compare(IReadOnlyList<(string Name, LooResult Loo)> models)
    {
        ArgumentNullException.ThrowIfNull(models);
        if (models.Count < 2) throw new GpuHbmException("a comparison needs at least two models");
        int n = models[0].Loo.Observations;
        foreach (var (name, loo) in models)
            if (loo.Observations != n)
                throw new GpuHbmException($"'{name}' has {loo.Observations} observations but '{models[0].Name}' has {n}: models are compared on the same data only");
        // R's order(decreasing = TRUE) keeps ties in input order.
        var order = Enumerable.Range(0, models.Count).OrderByDescending(i => models[i].Loo.ElpdLoo.Estimate).ToArray();
        var best = models[order[0]].Loo;
        var rows = new List<LooComparisonRow>();
        foreach (int m in order)
        {
            var loo = models[m].Loo;
            var diffs = new double[n];
            for (int i = 0; i < n; i++) diffs[i] = loo.Pointwise[i].ElpdLoo - best.Pointwise[i].ElpdLoo;
            rows.Add(new LooComparisonRow(models[m].Name, diffs.Sum(), Math.Sqrt(n) * SampleStatistics.StandardDeviation(diffs), loo));
        }
        return rows;
    }

    /// <summary>A table as loo's print: model, elpd_diff, se_diff, then elpd_loo, p_loo and looic with their SEs.</summary>
    public static string ToText(IReadOnlyList<LooComparisonRow> rows)
    {
        int width = Math.Max(8, rows.Max(r => r.Model.Length));
        var sb = new System.Text.StringBuilder();
        sb.Append("model".PadRight(width));
        foreach (var h in new[] { "elpd_diff", "se_diff", "elpd_loo", "se", "p_loo", "se", "looic", "se" }) sb.Append(h.PadLeft(11));
        sb.AppendLine();
        foreach (var r in rows)
        {
            sb.Append(r.Model.PadRight(width));
            foreach (var v in new[] { r.ElpdDiff, r.SeDiff, r.Loo.ElpdLoo.Estimate, r.Loo.ElpdLoo.Se, r.Loo.PLoo.Estimate, r.Loo.PLoo.Se, r.Loo.Looic.Estimate, r.Loo.Looic.Se })
                sb.Append(v.ToString("F1", CultureInfo.InvariantCulture).PadLeft(11));
            sb.AppendLine();
        }
        return sb.ToString();
    }

    /// <summary>The same table as CSV, full precision.</summary>
    public static void WriteCsv(IReadOnlyList<LooComparisonRow> rows, TextWriter writer)
    {
        writer.WriteLine("model,elpd_diff,se_diff,elpd_loo,se_elpd_loo,p_loo,se_p_loo,looic,se_looic");
        foreach (var r in rows)
            writer.WriteLine(string.Join(",", Results.CsvText.Quote(r.Model), R(r.ElpdDiff), R(r.SeDiff), R(r.Loo.ElpdLoo.Estimate), R(r.Loo.ElpdLoo.Se),
                R(r.Loo.PLoo.Estimate), R(r.Loo.PLoo.Se), R(r.Loo.Looic.Estimate), R(r.Loo.Looic.Se)));
    }

    private static string R(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
