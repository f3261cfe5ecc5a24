using System.Globalization;
using GpuHbm.Estimands;

namespace GpuHbm.Reports;

/// <summary>The estimands as CSV tables (full precision, invariant culture, "NA" for NaN), for R, Python or a spreadsheet.</summary>
public static class CsvTables
{
    private static string F(double v) => double.IsNaN(v) ? "NA" : v.ToString("R", CultureInfo.InvariantCulture);

    private static string Q(string s) => s.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : s;

    private static string Summary(QuantitySummary q) => string.Join(",", F(q.Mean), F(q.Sd), F(q.Lower), F(q.Median), F(q.Upper));

    private static string SummaryHeader(string prefix, double level)
    {
        var (lo, hi) = QuantitySummary.IntervalHeaders(level);
        return string.Join(",", new[] { "mean", "sd", lo, "q50", hi }.Select(c => prefix + c));
    }

    /// <summary>variance.csv: one row per component share, ICC/VPC and h2.</summary>
    public static void Write(VarianceDecomposition v, TextWriter w)
    {
        w.WriteLine("quantity,group,column,at," + SummaryHeader("", v.Level) + ",rhat,ess_bulk,ess_tail");
        void Row(QuantitySummary q, string group, string? column, double? at) =>
            w.WriteLine(string.Join(",", Q(q.Name), Q(group), Q(column ?? ""), at is { } a ? F(a) : "", Summary(q), F(q.Rhat), F(q.EssBulk), F(q.EssTail)));
        foreach (var c in v.Components) { Row(c.Variance, c.Component, null, null); Row(c.Share, c.Component, null, null); }
        foreach (var c in v.Correlations) Row(c.Value, c.Group, c.Column, c.At);
        foreach (var h in v.Heritability) Row(h, "", null, null);
    }

    /// <summary>shrinkage.csv: one row per (coefficient, level).</summary>
    public static void Write(IReadOnlyList<ShrinkageTable> tables, TextWriter w)
    {
        double level = tables.SelectMany(t => t.Groups).FirstOrDefault()?.Pooled.Level ?? 0.9;
        w.WriteLine("group,column,level,rows,raw," + SummaryHeader("pooled_", level) + ",rhat,ess_bulk,shrinkage");
        foreach (var t in tables)
            foreach (var g in t.Groups)
                w.WriteLine(string.Join(",", Q(t.Group), Q(t.Column), Q(g.Level), g.Size.ToString(CultureInfo.InvariantCulture), F(g.Raw), Summary(g.Pooled),
                    F(g.Pooled.Rhat), F(g.Pooled.EssBulk), F(g.Shrinkage)));
    }

    /// <summary>treatment_effects.csv: one row per level, then the new-level and population rows.</summary>
    public static void Write(TreatmentHeterogeneity h, TextWriter w)
    {
        w.WriteLine("level,rows," + SummaryHeader("link_", h.Level) + "," + SummaryHeader("response_", h.Level) + ",p_benefit,p_beyond_mid,p_beyond_mid_response");
        foreach (var g in h.Groups)
            w.WriteLine(string.Join(",", Q(g.Level), g.Size.ToString(CultureInfo.InvariantCulture), Summary(g.Link), Summary(g.Response),
                F(g.ProbabilityOfBenefit), F(g.ProbabilityBeyondMid), F(g.ProbabilityBeyondMidResponse)));
        w.WriteLine(string.Join(",", Q($"(new {h.Group})"), "", Summary(h.NewGroup), ",,,,", F(h.NewGroupProbabilityOfBenefit), F(h.NewGroupProbabilityBeyondMid), ""));
    }

    /// <summary>subgroup_effects.csv: the effect at each moderator value (<see cref="SubgroupEffects"/>).</summary>
    public static void Write(IReadOnlyList<GroupTreatmentEffect> subgroups, double level, TextWriter w)
    {
        w.WriteLine("subgroup,rows," + SummaryHeader("link_", level) + "," + SummaryHeader("response_", level) + ",p_benefit,p_beyond_mid,p_beyond_mid_response");
        foreach (var g in subgroups)
            w.WriteLine(string.Join(",", Q(g.Level), g.Size.ToString(CultureInfo.InvariantCulture), Summary(g.Link), Summary(g.Response),
                F(g.ProbabilityOfBenefit), F(g.ProbabilityBeyondMid), F(g.ProbabilityBeyondMidResponse)));
    }

    /// <summary>profile.csv: one row per hospital.</summary>
    public static void Write(HospitalProfile p, TextWriter w)
    {
        w.WriteLine($"{Q(p.Group)},patients,events,observed_rate," + SummaryHeader("rsr_", p.Level) + "," + SummaryHeader("ratio_", p.Level)
            + ",p_above,p_below,flag_above,flag_below," + SummaryHeader("rank_", p.Level));
        foreach (var h in p.Hospitals)
            w.WriteLine(string.Join(",", Q(h.Hospital), h.Patients.ToString(CultureInfo.InvariantCulture), F(h.Events), F(h.ObservedRate), Summary(h.Rate), Summary(h.Ratio),
                F(h.ProbabilityAbove), F(h.ProbabilityBelow), h.FlaggedAbove ? "1" : "0", h.FlaggedBelow ? "1" : "0", Summary(h.Rank)));
    }

    /// <summary>Writes a table to a file through one of the writers above; an unwritable path is a <see cref="GpuHbmException"/>.</summary>
    public static void Save(string path, Action<TextWriter> write)
    {
        try
        {
            using var w = new StreamWriter(path, false, new System.Text.UTF8Encoding(false));
            write(w);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new GpuHbmException($"cannot write '{path}': {e.Message}");
        }
    }
}
