using System.CommandLine;
using System.Globalization;
using GpuHbm.Estimands;
using GpuHbm.Reports;
using GpuHbm.Results;

namespace GpuHbm.Cli;

/// <summary>
/// The commands that read a saved fit folder (<c>--fit DIR</c>, written by <c>gpuhbm fit --output DIR</c>)
/// and compute what the model was fitted for: <c>variance</c>, <c>shrinkage</c>, <c>hte</c>, <c>profile</c>
/// and <c>report</c>. Each prints a table and, with <c>--output</c>, writes CSV and SVG files.
/// </summary>
internal static class EstimandCommands
{
    public static IEnumerable<Command> Create(TextWriter output, TextWriter error) =>
    [
        Variance(output, error), ShrinkageCommand(output, error), Hte(output, error), Profile(output, error), Report(output, error),
    ];

    private static Option<double> LevelOption() => new("--level") { Description = "Probability of the intervals.", DefaultValueFactory = _ => 0.9 };

    private static int Guard(TextWriter error, Func<int> run)
    {
        try { return run(); }
        catch (Exception e) { return CliErrors.Report(e, error); }
    }

    private static string Dir(string? dir)
    {
        if (dir is null) return "";
        try { Directory.CreateDirectory(dir); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        { throw new GpuHbmException($"cannot create the output folder '{dir}': {e.Message}"); }
        return dir;
    }

    private static string F(double v) => double.IsNaN(v) ? "NA" : v.ToString("G4", CultureInfo.InvariantCulture);

    private static string I(QuantitySummary q) => $"{F(q.Mean),10} [{F(q.Lower)}, {F(q.Upper)}]";

    /// <summary>"Days=0,4.5,9" → ("Days", [0, 4.5, 9]).</summary>
    internal static (string Name, double[] Values) ParseAt(string text)
    {
        int eq = text.IndexOf('=');
        if (eq <= 0) throw new GpuHbmException($"'{text}' is not COLUMN=VALUE[,VALUE...], e.g. Days=0,4.5,9");
        var values = text[(eq + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(v =>
            double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d
                : throw new GpuHbmException($"'{v}' in '{text}' is not a number")).ToArray();
        if (values.Length == 0) throw new GpuHbmException($"'{text}' gives no value after '='");
        return (text[..eq].Trim(), values);
    }

    private static Command Variance(TextWriter output, TextWriter error)
    {
        var level = LevelOption();
        var at = new Option<string[]>("--at") { Description = "Random-slope covariate values for the VPC, e.g. Days=0,4.5,9; repeatable." };
        var file = new Option<string?>("--output") { Description = "Write the table as CSV to this file." };
        var cmd = new Command("variance", "Variance decomposition: ICC/VPC per grouping factor with intervals (data, latent or log-normal scale), h2 for kinship models.") { level, at, file };
        var fit = SavedFitOptions.AddTo(cmd);
        cmd.SetAction(p => Guard(error, () =>
        {
            var values = (p.GetValue(at) ?? []).Select(ParseAt).ToDictionary(x => x.Name, x => x.Values);
            var v = VarianceDecomposition.Compute(fit.Load(p), new VarianceDecompositionOptions { Level = p.GetValue(level), SlopeValues = values });
            output.WriteLine($"Scale: {v.ScaleDescription}");
            output.WriteLine($"{"component",-28}{"share (mean)",12}  interval");
            foreach (var c in v.Components) output.WriteLine($"{c.Component,-28}{I(c.Share)}");
            output.WriteLine();
            foreach (var c in v.Correlations) output.WriteLine($"{c.Value.Name,-40}{I(c.Value)}   rhat {F(c.Value.Rhat)}, ess_bulk {F(c.Value.EssBulk)}");
            foreach (var h in v.Heritability) output.WriteLine($"{h.Name + " (heritability)",-40}{I(h)}");
            if (p.GetValue(file) is { } path) { CsvTables.Save(path, w => CsvTables.Write(v, w)); output.WriteLine($"wrote {path}"); }
            return 0;
        }));
        return cmd;
    }

    private static Command ShrinkageCommand(TextWriter output, TextWriter error)
    {
        var level = LevelOption();
        var group = new Option<string?>("--group") { Description = "Only this grouping (default: every group-level term)." };
        var dir = new Option<string?>("--output") { Description = "Folder for shrinkage.csv and the shrinkage and caterpillar plots (SVG)." };
        var cmd = new Command("shrinkage", "Raw (no pooling) against partially pooled group estimates, group sizes and shrinkage factors; shrinkage and caterpillar plots.") { group, level, dir };
        var fit = SavedFitOptions.AddTo(cmd);
        cmd.SetAction(p => Guard(error, () =>
        {
            var tables = Shrinkage.Compute(fit.Load(p), new ShrinkageOptions { Group = p.GetValue(group), Level = p.GetValue(level) });
            foreach (var t in tables)
            {
                output.WriteLine($"{t.Quantity}: {t.Groups.Count} levels, population mean {F(t.PopulationMean)}, mean shrinkage {F(t.Groups.Where(g => !double.IsNaN(g.Shrinkage)).Select(g => g.Shrinkage).DefaultIfEmpty(double.NaN).Average())}"
                    + (t.NotEstimable > 0 ? $", {t.NotEstimable} without a finite raw estimate" : ""));
                output.WriteLine($"  {"level",-16}{"rows",6}{"raw",11}{"pooled",11}  interval            shrinkage");
                foreach (var g in t.Groups.OrderByDescending(g => double.IsNaN(g.Raw) ? -1 : Math.Abs(g.Raw - g.Pooled.Mean)).Take(10))
                    output.WriteLine($"  {g.Level,-16}{g.Size,6}{F(g.Raw),11}{I(g.Pooled)}  {F(g.Shrinkage)}");
                if (t.Groups.Count > 10) output.WriteLine($"  (the 10 levels pulled furthest of {t.Groups.Count})");
            }
            if (p.GetValue(dir) is { } d)
            {
                Dir(d);
                CsvTables.Save(Path.Combine(d, "shrinkage.csv"), w => CsvTables.Write(tables, w));
                foreach (var t in tables)
                {
                    string stem = Safe($"{t.Group}-{t.Column}");
                    SvgPlot.Save(EstimandPlots.Shrinkage(t), Path.Combine(d, $"shrinkage-{stem}.svg"));
                    SvgPlot.Save(EstimandPlots.Caterpillar(t), Path.Combine(d, $"caterpillar-{stem}.svg"), 640, Math.Clamp(120 + 9 * t.Groups.Count, 300, 1600));
                }
                output.WriteLine($"wrote {Path.Combine(d, "shrinkage.csv")} and {2 * tables.Count} SVG plots");
            }
            return 0;
        }));
        return cmd;
    }

    private static string Safe(string s) => string.Concat(s.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' ? c : '_'));

    private static Command Hte(TextWriter output, TextWriter error)
    {
        var level = LevelOption();
        var treatment = new Option<string>("--treatment") { Description = "The treatment's column as in the output names (treat, or armB for level B of a factor).", Required = true };
        var benefit = new Option<string>("--benefit") { Description = "lower (an effect below 0 is a benefit) or higher.", Required = true };
        var group = new Option<string?>("--group") { Description = "The grouping with the varying treatment slope (default: the one that has it)." };
        var mid = new Option<double?>("--mid") { Description = "Minimal important difference on the link scale (log odds, log rate, data units)." };
        var midResponse = new Option<double?>("--mid-response") { Description = "Minimal important difference on the response scale (risk, rate or mean difference)." };
        var at = new Option<string[]>("--at") { Description = "Moderator values for treatment interactions, e.g. age=1; repeatable." };
        var moderator = new Option<string?>("--moderator") { Description = "Also the effect at values of this covariate, which interacts with the treatment (treat:age): heterogeneity by covariate." };
        var moderatorValues = new Option<string?>("--moderator-values") { Description = "Values of --moderator, e.g. 30,50,70 (default: its distinct values up to five, else its 5/50/95 % quantiles)." };
        var dir = new Option<string?>("--output") { Description = "Folder for treatment_effects.csv and treatment_effects.svg." };
        var cmd = new Command("hte", "Heterogeneity of a treatment effect across groups (a varying slope) or by a covariate (an interaction): per-group effects, P(benefit), P(beyond a minimal important difference), the effect in a new group, the proportion benefiting.")
        { treatment, benefit, group, mid, midResponse, at, moderator, moderatorValues, level, dir };
        var fit = SavedFitOptions.AddTo(cmd);
        cmd.SetAction(p => Guard(error, () =>
        {
            var moderators = (p.GetValue(at) ?? []).Select(ParseAt).ToDictionary(x => x.Name, x => x.Values[0]);
            var f = fit.Load(p);
            var options = new TreatmentHeterogeneityOptions
            {
                Treatment = p.GetRequiredValue(treatment), Benefit = TreatmentHeterogeneity.ParseDirection(p.GetRequiredValue(benefit)), Group = p.GetValue(group),
                MinimalImportantDifference = p.GetValue(mid), MinimalImportantDifferenceResponse = p.GetValue(midResponse), At = moderators, Level = p.GetValue(level),
            };
            if (p.GetValue(moderator) is { } m)
            {
                var values = p.GetValue(moderatorValues) is { } mv ? ParseAt(m + "=" + mv).Values : null;
                var sub = SubgroupEffects.Compute(f, options, m, values);
                output.WriteLine($"Effect of {options.Treatment} by {m} (population level: group effects at 0)");
                output.WriteLine($"  {"subgroup",-20}{"link",11}  interval{"",14}{"response",10}  P(benefit)  P(beyond MID)");
                foreach (var g in sub)
                    output.WriteLine($"  {g.Level,-20}{I(g.Link)}{F(g.Response.Mean),10}  {F(g.ProbabilityOfBenefit),10}  {F(g.ProbabilityBeyondMid)}");
                if (p.GetValue(dir) is { } sd)
                {
                    Dir(sd);
                    CsvTables.Save(Path.Combine(sd, "subgroup_effects.csv"), w => CsvTables.Write(sub, options.Level, w));
                    output.WriteLine($"wrote {Path.Combine(sd, "subgroup_effects.csv")}");
                }
                if (!f.Model.RandomTerms.Any(t => t.ColumnNames.Contains(options.Treatment))) return 0;
                output.WriteLine();
            }
            var h = TreatmentHeterogeneity.Compute(f, options);
            output.WriteLine($"Effect of {h.Treatment} across {h.Groups.Count} levels of {h.Group} ({h.FamilyName}; benefit = {(h.Benefit == BenefitDirection.Lower ? "lower" : "higher")})");
            output.WriteLine($"  average effect (link)              {I(h.Average)}");
            output.WriteLine($"  between-{h.Group} sd               {I(h.BetweenGroupSd)}");
            output.WriteLine($"  new {h.Group} (predictive)          {I(h.NewGroup)}   P(benefit) {F(h.NewGroupProbabilityOfBenefit)}" + (double.IsNaN(h.NewGroupProbabilityBeyondMid) ? "" : $", P(beyond MID) {F(h.NewGroupProbabilityBeyondMid)}"));
            output.WriteLine($"  proportion benefiting (population) {I(h.PopulationProportionBenefiting)}");
            output.WriteLine($"  proportion benefiting (observed)   {I(h.ObservedProportionBenefiting)}");
            output.WriteLine($"  {"level",-16}{"rows",6}{"link",11}  interval{"",14}{h.ResponseScaleName,16}  P(benefit)  P(beyond MID)");
            foreach (var g in h.Groups.OrderByDescending(g => g.ProbabilityOfBenefit).Take(20))
                output.WriteLine($"  {g.Level,-16}{g.Size,6}{I(g.Link)}{F(g.Response.Mean),16}  {F(g.ProbabilityOfBenefit),10}  {F(g.ProbabilityBeyondMid)}");
            if (h.Groups.Count > 20) output.WriteLine($"  (the 20 most likely to benefit of {h.Groups.Count})");
            if (p.GetValue(dir) is { } d)
            {
                Dir(d);
                CsvTables.Save(Path.Combine(d, "treatment_effects.csv"), w => CsvTables.Write(h, w));
                SvgPlot.Save(EstimandPlots.TreatmentEffects(h), Path.Combine(d, "treatment_effects.svg"), 640, Math.Clamp(120 + 9 * h.Groups.Count, 300, 1600));
                output.WriteLine($"wrote {Path.Combine(d, "treatment_effects.csv")} and treatment_effects.svg");
            }
            return 0;
        }));
        return cmd;
    }

    private static (Option<double> Margin, Option<double> Flag, Option<int?> MaxDraws) ProfileOptions() =>
    (
        new Option<double>("--margin") { Description = "Relative margin: exceeds = rate above (1 + margin) × the overall rate.", DefaultValueFactory = _ => 0 },
        new Option<double>("--flag-probability") { Description = "Flag hospitals whose P(exceeds) (or P(falls below)) is at least this.", DefaultValueFactory = _ => 0.9 },
        new Option<int?>("--max-draws") { Description = "Use at most this many posterior draws, evenly spaced (default: all)." }
    );

    private static Command Profile(TextWriter output, TextWriter error)
    {
        var level = LevelOption();
        var group = new Option<string>("--group") { Description = "The grouping to profile, e.g. hospital.", Required = true };
        var (margin, flag, maxDraws) = ProfileOptions();
        var dir = new Option<string?>("--output") { Description = "Folder for profile.csv, funnel.svg, rates.svg and ranks.svg." };
        var cmd = new Command("profile", "Hospital profiling (CMS): risk-standardised rates, P(exceeds the overall rate by a margin), flags, rank intervals, funnel plot.")
        { group, margin, flag, level, maxDraws, dir };
        var fit = SavedFitOptions.AddTo(cmd);
        cmd.SetAction(p => Guard(error, () =>
        {
            var f = fit.Load(p);
            var options = new HospitalProfileOptions
            {
                Group = p.GetRequiredValue(group), Margin = p.GetValue(margin), FlagProbability = p.GetValue(flag), Level = p.GetValue(level), MaxDraws = p.GetValue(maxDraws),
            };
            var prof = HospitalProfile.Compute(f, options);
            output.WriteLine($"{prof.Hospitals.Count} {prof.Group}s, overall rate {F(prof.OverallRate)}, {prof.DrawsUsed} draws; "
                + $"flagged above (P(rate > {F(1 + prof.Margin)} × overall) ≥ {F(prof.FlagProbability)}): {prof.Hospitals.Count(h => h.FlaggedAbove)}; below: {prof.Hospitals.Count(h => h.FlaggedBelow)}");
            output.WriteLine($"  {prof.Group,-16}{"patients",9}{"observed",10}{"RSR",11}  interval{"",12}P(above)  rank interval");
            foreach (var h in prof.Hospitals.OrderByDescending(h => h.ProbabilityAbove).Take(20))
                output.WriteLine($"  {h.Hospital,-16}{h.Patients,9}{F(h.ObservedRate),10}{I(h.Rate)}  {F(h.ProbabilityAbove),7}  [{Math.Round(h.Rank.Lower)}, {Math.Round(h.Rank.Upper)}]");
            if (p.GetValue(dir) is { } d)
            {
                Dir(d);
                CsvTables.Save(Path.Combine(d, "profile.csv"), w => CsvTables.Write(prof, w));
                SvgPlot.Save(ProfilePlots.Funnel(prof), Path.Combine(d, "funnel.svg"));
                SvgPlot.Save(ProfilePlots.Rates(prof), Path.Combine(d, "rates.svg"), 640, Math.Clamp(120 + 9 * prof.Hospitals.Count, 300, 1600));
                SvgPlot.Save(ProfilePlots.Ranks(prof), Path.Combine(d, "ranks.svg"), 640, Math.Clamp(120 + 9 * prof.Hospitals.Count, 300, 1600));
                output.WriteLine($"wrote {Path.Combine(d, "profile.csv")}, funnel.svg, rates.svg, ranks.svg");
            }
            return 0;
        }));
        return cmd;
    }

    private static Command Report(TextWriter output, TextWriter error)
    {
        var level = LevelOption();
        var file = new Option<string>("--output") { Description = "The HTML file to write (one self-contained file).", Required = true };
        var treatment = new Option<string?>("--treatment") { Description = "Add a treatment-heterogeneity section for this treatment column." };
        var benefit = new Option<string>("--benefit") { Description = "With --treatment: lower or higher is a benefit.", DefaultValueFactory = _ => "lower" };
        var mid = new Option<double?>("--mid") { Description = "With --treatment: minimal important difference (link scale)." };
        var moderator = new Option<string?>("--moderator") { Description = "With --treatment: also the effect at values of this interacting covariate." };
        var profile = new Option<string?>("--profile") { Description = "Add a profiling section for this grouping (e.g. hospital)." };
        var (margin, flag, maxDraws) = ProfileOptions();
        var cmd = new Command("report", "An HTML report of a saved fit: model, priors, sampler diagnostics with trace and rank plots, summary, variance decomposition, shrinkage, and optional treatment-heterogeneity and profiling sections.")
        { file, treatment, benefit, mid, moderator, profile, margin, flag, maxDraws, level };
        var fit = SavedFitOptions.AddTo(cmd);
        cmd.SetAction(p => Guard(error, () =>
        {
            var f = fit.Load(p);
            var options = new ReportOptions
            {
                Level = p.GetValue(level), Treatment = p.GetValue(treatment), Benefit = TreatmentHeterogeneity.ParseDirection(p.GetValue(benefit) ?? "lower"),
                MinimalImportantDifference = p.GetValue(mid), Moderator = p.GetValue(moderator),
            };
            HospitalProfile? prof = p.GetValue(profile) is { } g
                ? HospitalProfile.Compute(f, new HospitalProfileOptions { Group = g, Margin = p.GetValue(margin), FlagProbability = p.GetValue(flag), Level = p.GetValue(level), MaxDraws = p.GetValue(maxDraws) })
                : null;
            string path = p.GetRequiredValue(file);
            HtmlReport.Write(f, path, options, prof);
            output.WriteLine($"wrote {path}");
            return 0;
        }));
        return cmd;
    }
}
