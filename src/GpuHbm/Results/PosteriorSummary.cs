using System.Globalization;
using GpuHbm.Diagnostics;

namespace GpuHbm.Results;

/// <summary>One row of the summary table.</summary>
public sealed record SummaryRow(string Variable, VariableSummary Stats)
{
    public double Mean => Stats.Mean;
    public double Sd => Stats.Sd;
    public double Q5 => Stats.Q5;
    public double Q50 => Stats.Q50;
    public double Q95 => Stats.Q95;
    public double Rhat => Stats.Rhat;
    public double EssBulk => Stats.EssBulk;
    public double EssTail => Stats.EssTail;

    /// <summary>Nested R-hat over the fit's superchains (<see cref="NestedRhat"/>); NaN when not computed.</summary>
    public double NestedRhat { get; init; } = double.NaN;
}

/// <summary>
/// The posterior summary table: mean, sd, 5/50/95 % quantiles, rank-normalized split R-hat,
/// bulk and tail ESS for every reported parameter (Vehtari et al. 2021, as R's posterior
/// package's summarise_draws default).
/// </summary>
public sealed class PosteriorSummary
{
    /// <summary>Columns of summary.csv, in order.</summary>
    public static readonly string[] Columns = ["variable", "mean", "sd", "q5", "q50", "q95", "rhat", "ess_bulk", "ess_tail"];

    public IReadOnlyList<SummaryRow> Rows { get; }

    /// <summary>Superchains of the nested R-hat column, or null when the summary has none.</summary>
    public int? Superchains { get; }

    /// <summary>Whether the rows carry nested R-hat (summary.csv then has a nested_rhat column).</summary>
    public bool HasNestedRhat => Superchains is not null;

    private PosteriorSummary(IReadOnlyList<SummaryRow> rows, int? superchains = null)
    {
        Rows = rows;
        Superchains = superchains;
    }

    /// <summary>
    /// Summarizes every parameter of <paramref name="draws"/> (in parallel over parameters). With
    /// <paramref name="superchains"/> (ChEES runs with many chains) each row also gets nested R-hat
    /// (Margossian et al. 2024) over that many contiguous superchains of equal size.
    /// </summary>
    public static PosteriorSummary Compute(DrawSet draws, int? superchains = null)
    {
        ArgumentNullException.ThrowIfNull(draws);
        if (draws.CommonDrawCount < 4)
            throw new GpuHbmException($"too few draws to summarize ({draws.CommonDrawCount} per chain; at least 4 are needed)");
        if (superchains is { } k && (k < 2 || draws.ChainCount % k != 0))
            throw new GpuHbmException($"{draws.ChainCount} chains cannot be grouped into {k} superchains of equal size");
        var rows = new SummaryRow[draws.ParameterCount];
        Parallel.For(0, draws.ParameterCount, p =>
        {
            var chains = draws.Chains(p);
            var row = new SummaryRow(draws.Names[p], ConvergenceDiagnostics.Summarize(chains));
            if (superchains is { } sk) row = row with { NestedRhat = Diagnostics.NestedRhat.Compute(chains, sk) };
            rows[p] = row;
        });
        return new PosteriorSummary(rows, superchains);
    }

    /// <summary>The row of a parameter by name.</summary>
    public SummaryRow this[string variable] =>
        Rows.FirstOrDefault(r => r.Variable == variable) ?? throw new GpuHbmException($"no parameter named '{variable}' in the summary");

    /// <summary>Writes summary.csv (the columns in <see cref="Columns"/>), full precision.</summary>
    public void WriteCsv(TextWriter writer)
    {
        writer.WriteLine(string.Join(",", Columns) + (HasNestedRhat ? ",nested_rhat" : ""));
        foreach (var r in Rows)
            writer.WriteLine(string.Join(",", CsvText.Quote(r.Variable), F(r.Mean), F(r.Sd), F(r.Q5), F(r.Q50), F(r.Q95), F(r.Rhat), F(r.EssBulk), F(r.EssTail))
                + (HasNestedRhat ? "," + F(r.NestedRhat) : ""));
    }

    private static string F(double v) => double.IsNaN(v) ? "NA" : v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>
    /// A fixed-width text table, brms-like: population- and group-level hyperparameters first;
    /// the per-level r_ rows only when <paramref name="includeGroupLevels"/>.
    /// </summary>
    public string ToText(bool includeGroupLevels = false, int maxRows = int.MaxValue)
    {
        var rows = Rows.Where(r => includeGroupLevels || !r.Variable.StartsWith("r_", StringComparison.Ordinal)).ToList();
        int hidden = Rows.Count - rows.Count;
        int width = Math.Max(8, rows.Count == 0 ? 8 : rows.Max(r => r.Variable.Length));
        var sb = new System.Text.StringBuilder();
        sb.Append("variable".PadRight(width));
        foreach (var h in new[] { "mean", "sd", "q5", "q50", "q95", "rhat", "ess_bulk", "ess_tail" }) sb.Append(h.PadLeft(10));
        if (HasNestedRhat) sb.Append("nested_rhat".PadLeft(12));
        sb.AppendLine();
        foreach (var r in rows.Take(maxRows))
        {
            sb.Append(r.Variable.PadRight(width));
            foreach (var v in new[] { r.Mean, r.Sd, r.Q5, r.Q50, r.Q95 }) sb.Append(Signif(v).PadLeft(10));
            sb.Append(double.IsNaN(r.Rhat) ? "NA".PadLeft(10) : r.Rhat.ToString("F3", CultureInfo.InvariantCulture).PadLeft(10));
            sb.Append(Ess(r.EssBulk).PadLeft(10)).Append(Ess(r.EssTail).PadLeft(10));
            if (HasNestedRhat)
                sb.Append(double.IsNaN(r.NestedRhat) ? "NA".PadLeft(12) : r.NestedRhat.ToString("F3", CultureInfo.InvariantCulture).PadLeft(12));
            sb.AppendLine();
        }
        if (rows.Count > maxRows) sb.AppendLine($"... {rows.Count - maxRows} more rows");
        if (hidden > 0) sb.AppendLine($"({hidden} group-level effects r_* not shown; see summary.csv)");
        if (HasNestedRhat) sb.AppendLine($"(nested_rhat: chains grouped into {Superchains} contiguous superchains of equal size; Margossian et al. 2024)");
        return sb.ToString();
    }

    private static string Ess(double v) => double.IsNaN(v) ? "NA" : Math.Round(v).ToString(CultureInfo.InvariantCulture);

    /// <summary>Four significant digits, fixed notation where sensible; "NA" for NaN, "Inf"/"-Inf" for infinities.</summary>
    public static string Signif(double v)
    {
        if (double.IsNaN(v)) return "NA";
        if (double.IsInfinity(v)) return v > 0 ? "Inf" : "-Inf";
        if (v == 0) return "0";
        double a = Math.Abs(v);
        if (a >= 1e6 || a < 1e-4) return v.ToString("0.###e+0", CultureInfo.InvariantCulture);
        int decimals = Math.Clamp(3 - (int)Math.Floor(Math.Log10(a)), 0, 6);
        return v.ToString("F" + decimals, CultureInfo.InvariantCulture);
    }
}
