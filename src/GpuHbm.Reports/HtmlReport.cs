using System.Globalization;
using System.Reflection;
using System.Text;
using GpuHbm.Estimands;
using GpuHbm.Models;
using GpuHbm.Results;

namespace GpuHbm.Reports;

/// <summary>
/// The fit report: one self-contained HTML file (inline CSS and SVG; no script, fonts or images from
/// the network) with the model, the priors, the sampler's diagnostics (divergences, tree depth,
/// E-BFMI, step sizes; trace and rank plots of the hyperparameters), the summary table, and the
/// sections that apply to the model: variance decomposition, shrinkage, treatment heterogeneity,
/// hospital profiling. Each section is a &lt;section id="..."&gt; (see <see cref="SectionIds"/>).
/// A section that cannot be computed for this model says why instead of failing the report.
/// </summary>
public static class HtmlReport
{
    /// <summary>Ids of the sections in document order (those that apply are written).</summary>
    public static readonly string[] SectionIds = ["model", "priors", "diagnostics", "summary", "variance", "shrinkage", "treatment", "profiling"];

    /// <summary>Builds the report as a string.</summary>
    public static string Build(Fit fit, ReportOptions? options = null, HospitalProfile? profile = null)
    {
        ArgumentNullException.ThrowIfNull(fit);
        options ??= new ReportOptions();
        var h = new HtmlWriter();
        string title = $"GpuHbm fit: {fit.Settings.Formula}";
        h.Raw("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
         .Raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
         .Raw("<title>").Text(title).Raw("</title>\n<style>").Raw(Css).Raw("</style></head>\n<body>\n")
         .Raw("<header><h1>").Text(title).Raw("</h1>");
        h.Raw("<nav>");
        var sections = new List<(string Id, string Heading, Action<HtmlWriter> Write)>
        {
            ("model", "Model", w => ModelSection(w, fit)),
            ("priors", "Priors", w => PriorSection(w, fit)),
            ("diagnostics", "Sampler diagnostics", w => DiagnosticsSection(w, fit, options)),
            ("summary", "Posterior summary", w => SummarySection(w, fit)),
        };
        if (fit.Model.RandomTerms.Count > 0)
        {
            sections.Add(("variance", "Variance decomposition", w => VarianceSection(w, fit, options)));
            sections.Add(("shrinkage", "Shrinkage", w => ShrinkageSection(w, fit, options)));
        }
        if (options.Treatment is not null) sections.Add(("treatment", "Treatment heterogeneity", w => TreatmentSection(w, fit, options)));
        if (profile is not null) sections.Add(("profiling", $"Profiling: {profile.Group}", w => ProfileSection(w, profile, options)));
        foreach (var s in sections) h.Raw($"<a href=\"#{s.Id}\">").Text(s.Heading).Raw("</a> ");
        h.Raw("</nav></header>\n<main>\n");
        foreach (var (id, heading, write) in sections)
        {
            h.Raw($"<section id=\"{id}\"><h2>").Text(heading).Raw("</h2>\n");
            try { write(h); }
            catch (GpuHbmException e) { h.Paragraph("Not available for this model: " + e.Message, "note"); }
            h.Raw("</section>\n");
        }
        string version = typeof(HtmlReport).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        h.Raw("</main>\n<footer>").Text($"GpuHbm {version}; report written {DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC.").Raw("</footer>\n</body></html>\n");
        return h.ToString();
    }

    /// <summary>Writes the report to <paramref name="path"/> (UTF-8); an unwritable path is a <see cref="GpuHbmException"/>.</summary>
    public static void Write(Fit fit, string path, ReportOptions? options = null, HospitalProfile? profile = null)
    {
        string html = Build(fit, options, profile);
        try { File.WriteAllText(path, html, new UTF8Encoding(false)); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new GpuHbmException($"cannot write the report to '{path}': {e.Message}");
        }
    }

    private static void ModelSection(HtmlWriter h, Fit fit)
    {
        var s = fit.Settings;
        var o = s.Options;
        var rows = new List<string[]>
        {
            new[] { "formula", s.Formula },
            new[] { "family", fit.Model.Spec.Family.ToString() },
            new[] { "data", $"{s.DataSource}: {s.RowsUsed} rows used" + (s.RowsDropped > 0 ? $", {s.RowsDropped} dropped (missing values)" : "") },
            new[] { "method", fit.Model.Method == "fastlmm" ? "FaST-LMM fast path (kinship)" : "general GLMM density" },
            new[] { "sampler", $"{o.Sampler}, {fit.Draws.ChainCount} chains × ({o.Warmup} warm-up + {o.Draws} draws), adapt-delta {o.AdaptDelta.ToString(CultureInfo.InvariantCulture)}, max depth {o.MaxDepth}" },
            new[] { "backend", s.Backend is { } b ? $"{b.Name}: {b.Device.Describe()}" : "cpu" },
            new[] { "seed", fit.Seed.ToString(CultureInfo.InvariantCulture) },
            new[] { "time", $"{s.TotalTime.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture)} s in all; {fit.GradientEvaluations.ToString("N0", CultureInfo.InvariantCulture)} gradient evaluations" },
        };
        foreach (var t in fit.Model.RandomTerms)
            rows.Add(["group-level term", $"{t.Term}: {t.LevelCount} levels of {t.GroupName}"]);
        if (fit.StoppedEarly) rows.Add(["stopped early", fit.Failure ?? "cancelled; the draws made until then are reported"]);
        h.Table(["", ""], rows);
        foreach (var note in fit.Model.Notes) h.Paragraph(note, "note");
    }

    private static void PriorSection(HtmlWriter h, Fit fit) =>
        h.Table(["parameter", "prior", "source"], fit.Model.Priors.Select(p => (IReadOnlyList<string>)
            [p.Target, p.Distribution + (p.IsHalf ? " (truncated at 0)" : ""), p.IsDefault ? "default (scaled to the data)" : "given"]));

    private static bool IsHyperparameter(string name) =>
        name.StartsWith("b_", StringComparison.Ordinal) || name.StartsWith("sd_", StringComparison.Ordinal) || name.StartsWith("cor_", StringComparison.Ordinal)
        || name == "sigma" || name == "h2" || name.StartsWith("h2_", StringComparison.Ordinal);

    private static void DiagnosticsSection(HtmlWriter h, Fit fit, ReportOptions options)
    {
        var r = fit.Report;
        int total = fit.Statistics.Sum(s => s.Count);
        h.Table(["chain", "draws", "divergent", $"tree depth {r.MaxDepth} hits", "E-BFMI", "step size"],
            Enumerable.Range(0, fit.Draws.ChainCount).Select(c => (IReadOnlyList<string>)
            [
                (c + 1).ToString(CultureInfo.InvariantCulture), fit.Draws.DrawCount(c).ToString(CultureInfo.InvariantCulture),
                r.DivergencesPerChain[c].ToString(CultureInfo.InvariantCulture), r.MaxDepthHitsPerChain[c].ToString(CultureInfo.InvariantCulture),
                HtmlWriter.Num(r.EbfmiPerChain[c]), c < fit.Adaptation.Count ? HtmlWriter.Num(fit.Adaptation[c].StepSize) : "NA",
            ]).Take(64),
            $"{r.Divergences} of {total} transitions divergent; E-BFMI below {SamplerReport.EbfmiThreshold} means the energy is poorly explored");
        if (fit.Draws.ChainCount > 64) h.Paragraph($"(first 64 of {fit.Draws.ChainCount} chains listed)", "note");
        if (r.Warnings.Count == 0) h.Paragraph("No warnings: R-hat ≤ 1.01 and bulk and tail ESS ≥ 400 for every parameter, no divergences, no tree-depth saturation, E-BFMI ≥ 0.3.", "ok");
        else
        {
            h.Raw("<ul class=\"warnings\">");
            foreach (var w in r.Warnings) h.Raw("<li>").Text(w).Raw("</li>");
            h.Raw("</ul>\n");
        }
        if (fit.Draws.CommonDrawCount < 4) return;
        var names = options.DiagnosticParameters ?? fit.Draws.Names.Where(IsHyperparameter).Take(options.MaxDiagnosticPlots).ToList();
        h.Paragraph("Trace plots (left) and rank plots (right; Vehtari et al. 2021): chains that mix well overlap in the trace and give flat, overlapping rank histograms.");
        h.Raw("<div class=\"grid\">");
        foreach (var name in names)
        {
            h.Figure(SvgPlot.ToSvg(DiagnosticPlots.Trace(fit.Draws, name), 480, 260));
            h.Figure(SvgPlot.ToSvg(DiagnosticPlots.Rank(fit.Draws, name), 480, 260));
        }
        h.Raw("</div>\n");
        int hidden = fit.Draws.Names.Count(IsHyperparameter) - names.Count;
        if (hidden > 0 && options.DiagnosticParameters is null) h.Paragraph($"({hidden} more hyperparameters not plotted.)", "note");
    }

    private static void SummarySection(HtmlWriter h, Fit fit)
    {
        if (fit.Draws.CommonDrawCount < 4) { h.Paragraph("Too few draws to summarize.", "note"); return; }
        var rows = fit.Summary.Rows.Where(r => !r.Variable.StartsWith("r_", StringComparison.Ordinal)).ToList();
        h.Table(["variable", "mean", "sd", "q5", "q50", "q95", "rhat", "ess_bulk", "ess_tail"],
            rows.Select(r => (IReadOnlyList<string>)[r.Variable, HtmlWriter.Num(r.Mean), HtmlWriter.Num(r.Sd), HtmlWriter.Num(r.Q5), HtmlWriter.Num(r.Q50),
                HtmlWriter.Num(r.Q95), double.IsNaN(r.Rhat) ? "NA" : r.Rhat.ToString("F3", CultureInfo.InvariantCulture), HtmlWriter.Int(r.EssBulk), HtmlWriter.Int(r.EssTail)]));
        int hidden = fit.Summary.Rows.Count - rows.Count;
        if (hidden > 0) h.Paragraph($"({hidden} group-level effects r_* are in summary.csv and in the shrinkage section.)", "note");
    }

    private static string Interval(QuantitySummary q) => $"[{HtmlWriter.Num(q.Lower)}, {HtmlWriter.Num(q.Upper)}]";

    private static void VarianceSection(HtmlWriter h, Fit fit, ReportOptions options)
    {
        var v = VarianceDecomposition.Compute(fit, new VarianceDecompositionOptions { Level = options.Level });
        string pct = EstimandPlots.Percent(options.Level);
        h.Paragraph("Scale: " + v.ScaleDescription + ".");
        h.Table(["component", "term", "variance (mean)", $"variance {pct}", "share (mean)", $"share {pct}"],
            v.Components.Select(c => (IReadOnlyList<string>)[c.Component, c.Term, HtmlWriter.Num(c.Variance.Mean), Interval(c.Variance), HtmlWriter.Num(c.Share.Mean), Interval(c.Share)]),
            "Variance components at the reference design (group-level intercepts; slope covariates at 0)");
        h.Table(["quantity", "includes", "mean", pct, "rhat", "ess_bulk"],
            v.Correlations.Select(c => (IReadOnlyList<string>)[c.Value.Name, string.Join(" + ", c.Includes), HtmlWriter.Num(c.Value.Mean), Interval(c.Value),
                double.IsNaN(c.Value.Rhat) ? "NA" : c.Value.Rhat.ToString("F3", CultureInfo.InvariantCulture), HtmlWriter.Int(c.Value.EssBulk)])
            .Concat(v.Heritability.Select(q => (IReadOnlyList<string>)[q.Name + " (heritability)", "relationship terms", HtmlWriter.Num(q.Mean), Interval(q),
                q.Rhat.ToString("F3", CultureInfo.InvariantCulture), HtmlWriter.Int(q.EssBulk)])),
            "ICC: correlation of two observations sharing a level (nested levels add up); VPC: the same at a random slope's covariate value");
        h.Figure(SvgPlot.ToSvg(EstimandPlots.VarianceShares(v), 640, 90 + 28 * v.Components.Count));
    }

    private static void ShrinkageSection(HtmlWriter h, Fit fit, ReportOptions options)
    {
        var tables = Shrinkage.Compute(fit, new ShrinkageOptions { Level = options.Level });
        string pct = EstimandPlots.Percent(options.Level);
        h.Paragraph("Raw: each level's own maximum-likelihood estimate (no pooling), the rest of the model at its posterior mean. Pooled: the posterior. " +
                    "Shrinkage factor: the share of the raw deviation from the population mean that partial pooling removes (0 none, 1 all).");
        foreach (var t in tables.Take(6))
        {
            h.Raw("<h3>").Text($"{t.Group}: {t.Column}").Raw("</h3>\n<div class=\"grid\">");
            h.Figure(SvgPlot.ToSvg(EstimandPlots.Shrinkage(t), 480, 360));
            h.Figure(SvgPlot.ToSvg(EstimandPlots.Caterpillar(t), 480, Math.Clamp(120 + 9 * t.Groups.Count, 300, 900)));
            h.Raw("</div>\n");
            var rows = t.Groups.Count <= options.MaxTableRows ? t.Groups
                : t.Groups.OrderByDescending(g => double.IsNaN(g.Raw) ? -1 : Math.Abs(g.Raw - g.Pooled.Mean)).Take(options.MaxTableRows).ToList();
            h.Table(["level", "rows", "raw", "pooled (mean)", $"pooled {pct}", "shrinkage"],
                rows.Select(g => (IReadOnlyList<string>)[g.Level, g.Size.ToString(CultureInfo.InvariantCulture), HtmlWriter.Num(g.Raw), HtmlWriter.Num(g.Pooled.Mean), Interval(g.Pooled), HtmlWriter.Prob(g.Shrinkage)]),
                t.Groups.Count <= options.MaxTableRows ? t.Quantity : $"{t.Quantity}: the {options.MaxTableRows} levels pulled furthest of {t.Groups.Count} (all in `gpuhbm shrinkage`)");
        }
        if (tables.Count > 6) h.Paragraph($"({tables.Count - 6} more coefficients: use `gpuhbm shrinkage`.)", "note");
    }

    private static void TreatmentSection(HtmlWriter h, Fit fit, ReportOptions options)
    {
        var hteOptions = new TreatmentHeterogeneityOptions
        {
            Treatment = options.Treatment!, Benefit = options.Benefit, MinimalImportantDifference = options.MinimalImportantDifference, Level = options.Level,
        };
        string pct = EstimandPlots.Percent(options.Level);
        if (options.Moderator is { } m)
        {
            var sub = SubgroupEffects.Compute(fit, hteOptions, m);
            h.Table(["subgroup", "effect (link)", pct, "response scale", pct, "P(benefit)", "P(beyond MID)"],
                sub.Select(g => (IReadOnlyList<string>)[g.Level, HtmlWriter.Num(g.Link.Mean), Interval(g.Link), HtmlWriter.Num(g.Response.Mean), Interval(g.Response),
                    HtmlWriter.Prob(g.ProbabilityOfBenefit), HtmlWriter.Prob(g.ProbabilityBeyondMid)]),
                $"effect of {options.Treatment} by {m} (population level: group effects at 0)");
            if (!fit.Model.RandomTerms.Any(t => t.ColumnNames.Contains(options.Treatment!))) return;
        }
        var hte = TreatmentHeterogeneity.Compute(fit, hteOptions);
        h.Table(["quantity", "mean", pct],
        [
            ["average effect (link scale)", HtmlWriter.Num(hte.Average.Mean), Interval(hte.Average)],
            [$"between-{hte.Group} sd of the effect", HtmlWriter.Num(hte.BetweenGroupSd.Mean), Interval(hte.BetweenGroupSd)],
            [$"effect in a new {hte.Group} (predictive)", HtmlWriter.Num(hte.NewGroup.Mean), Interval(hte.NewGroup)],
            [$"P(benefit) in a new {hte.Group}", HtmlWriter.Prob(hte.NewGroupProbabilityOfBenefit), ""],
            [$"proportion of {hte.Group}s benefiting (population)", HtmlWriter.Num(hte.PopulationProportionBenefiting.Mean), Interval(hte.PopulationProportionBenefiting)],
            [$"proportion of observed {hte.Group}s benefiting", HtmlWriter.Num(hte.ObservedProportionBenefiting.Mean), Interval(hte.ObservedProportionBenefiting)],
        ], $"{hte.Treatment}: benefit = effect {(hte.Benefit == BenefitDirection.Lower ? "below" : "above")} 0");
        h.Figure(SvgPlot.ToSvg(EstimandPlots.TreatmentEffects(hte), 640, Math.Clamp(120 + 9 * hte.Groups.Count, 300, 900)));
        var rows = hte.Groups.OrderByDescending(g => g.ProbabilityOfBenefit).Take(options.MaxTableRows);
        h.Table(["level", "rows", "effect (link)", pct, $"{hte.ResponseScaleName}", pct, "P(benefit)", "P(beyond MID)"],
            rows.Select(g => (IReadOnlyList<string>)[g.Level, g.Size.ToString(CultureInfo.InvariantCulture), HtmlWriter.Num(g.Link.Mean), Interval(g.Link),
                HtmlWriter.Num(g.Response.Mean), Interval(g.Response), HtmlWriter.Prob(g.ProbabilityOfBenefit), HtmlWriter.Prob(g.ProbabilityBeyondMid)]),
            hte.Groups.Count <= options.MaxTableRows ? null : $"the {options.MaxTableRows} levels most likely to benefit of {hte.Groups.Count}");
    }

    private static void ProfileSection(HtmlWriter h, HospitalProfile p, ReportOptions options)
    {
        string pct = EstimandPlots.Percent(p.Level);
        int above = p.Hospitals.Count(x => x.FlaggedAbove), below = p.Hospitals.Count(x => x.FlaggedBelow);
        string m = p.Margin.ToString("0.###", CultureInfo.InvariantCulture);
        h.Paragraph($"Risk-standardised rate (CMS): predicted/expected events over each {p.Group}'s own patients × the overall rate " +
                    $"{HtmlWriter.Num(p.OverallRate)}; {p.DrawsUsed} posterior draws. Flagged above: P(rate > (1 + {m}) × overall) ≥ {p.FlagProbability.ToString(CultureInfo.InvariantCulture)} " +
                    $"({above} {p.Group}s); below: P(rate < (1 − {m}) × overall) ≥ {p.FlagProbability.ToString(CultureInfo.InvariantCulture)} ({below}).");
        h.Raw("<div class=\"grid\">");
        h.Figure(SvgPlot.ToSvg(ProfilePlots.Funnel(p), 560, 380));
        h.Figure(SvgPlot.ToSvg(ProfilePlots.Ranks(p), 480, Math.Clamp(120 + 9 * p.Hospitals.Count, 300, 900)));
        h.Raw("</div>\n");
        var rows = p.Hospitals.OrderByDescending(x => x.ProbabilityAbove).ThenBy(x => x.Hospital, StringComparer.Ordinal).Take(options.MaxTableRows);
        h.Table([p.Group, "patients", "observed", "RSR (mean)", $"RSR {pct}", "P(above)", "P(below)", "rank (mean)", $"rank {pct}"],
            rows.Select(x => (IReadOnlyList<string>)[x.Hospital, x.Patients.ToString(CultureInfo.InvariantCulture), HtmlWriter.Num(x.ObservedRate), HtmlWriter.Num(x.Rate.Mean),
                Interval(x.Rate), HtmlWriter.Prob(x.ProbabilityAbove), HtmlWriter.Prob(x.ProbabilityBelow), HtmlWriter.Num(x.Rank.Mean), $"[{HtmlWriter.Int(x.Rank.Lower)}, {HtmlWriter.Int(x.Rank.Upper)}]"]),
            p.Hospitals.Count <= options.MaxTableRows ? null : $"the {options.MaxTableRows} most likely to exceed, of {p.Hospitals.Count} (all in `gpuhbm profile --output`)");
    }

    private const string Css = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#222;background:#fafafa}
header{background:#fff;border-bottom:1px solid #ddd;padding:12px 24px}
h1{font-size:18px;margin:0 0 6px 0;font-weight:600}
nav a{margin-right:14px;color:#0072b2;text-decoration:none;font-size:14px}
main{padding:8px 24px 24px 24px;max-width:1100px}
section{background:#fff;border:1px solid #e3e3e3;border-radius:6px;padding:12px 18px;margin:14px 0}
h2{font-size:16px;margin:4px 0 10px 0}
h3{font-size:14px;margin:14px 0 6px 0}
table{border-collapse:collapse;font-size:13px;margin:8px 0}
caption{text-align:left;font-size:12px;color:#555;padding-bottom:4px}
th,td{padding:3px 10px;border-bottom:1px solid #eee;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}
th{background:#f3f3f3;font-weight:600}
.grid{display:flex;flex-wrap:wrap;gap:8px}
figure{margin:6px 0}
figcaption{font-size:12px;color:#555}
.note{color:#666;font-size:13px}
.ok{color:#0a6b3c}
ul.warnings li{color:#a33;font-size:13px}
footer{color:#888;font-size:12px;padding:0 24px 24px 24px}
""";
}

