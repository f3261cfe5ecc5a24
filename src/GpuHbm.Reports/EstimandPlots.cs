using GpuHbm.Estimands;
using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Series;

namespace GpuHbm.Reports;

/// <summary>One row of a caterpillar plot: a label, a point estimate and an interval.</summary>
public sealed record IntervalRow(string Label, double Estimate, double Lower, double Upper, bool Highlighted = false);

/// <summary>Plots of the estimands: shrinkage, caterpillar (interval) plots, variance shares.</summary>
public static class EstimandPlots
{
    /// <summary>
    /// The classic shrinkage plot: each level's raw (no-pooling) estimate against its partially pooled
    /// posterior mean, marker area proportional to the level's rows; the diagonal is "no pooling" and
    /// the horizontal line the population mean the levels are pulled toward.
    /// </summary>
    public static PlotModel Shrinkage(ShrinkageTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var rows = table.Groups.Where(g => double.IsFinite(g.Raw)).ToList();
        var model = SvgPlot.New($"Shrinkage: {table.Quantity.Replace("[.,", "[level,", StringComparison.Ordinal)}",
            $"{rows.Count} levels of {table.Group}" + (table.NotEstimable > 0 ? $"; {table.NotEstimable} without a finite raw estimate not shown" : ""));
        model.Axes.Add(SvgPlot.Axis(AxisPosition.Bottom, "raw estimate (no pooling)"));
        model.Axes.Add(SvgPlot.Axis(AxisPosition.Left, "posterior mean (partial pooling)"));
        if (rows.Count == 0) return model;
        double lo = Math.Min(rows.Min(r => r.Raw), rows.Min(r => r.Pooled.Mean)), hi = Math.Max(rows.Max(r => r.Raw), rows.Max(r => r.Pooled.Mean));
        var diagonal = new LineSeries { Color = SvgPlot.Reference, LineStyle = LineStyle.Dash, Title = "no pooling (y = x)" };
        diagonal.Points.Add(new DataPoint(lo, lo));
        diagonal.Points.Add(new DataPoint(hi, hi));
        var population = new LineSeries { Color = SvgPlot.Highlight, LineStyle = LineStyle.Dot, Title = "population mean" };
        population.Points.Add(new DataPoint(lo, table.PopulationMean));
        population.Points.Add(new DataPoint(hi, table.PopulationMean));
        double maxSize = Math.Max(1, rows.Max(r => r.Size));
        var points = new ScatterSeries { MarkerType = MarkerType.Circle, MarkerFill = OxyColor.FromAColor(150, SvgPlot.Palette[0]), MarkerStroke = SvgPlot.Palette[0], MarkerStrokeThickness = 0.5, Title = "level (area ∝ rows)" };
        foreach (var r in rows) points.Points.Add(new ScatterPoint(r.Raw, r.Pooled.Mean, 1.5 + 5 * Math.Sqrt(r.Size / maxSize)));
        model.Series.Add(diagonal);
        model.Series.Add(population);
        model.Series.Add(points);
        SvgPlot.AddLegend(model, OxyPlot.Legends.LegendPosition.TopLeft);
        return model;
    }

    /// <summary>
    /// A caterpillar plot: one horizontal interval per row, sorted by estimate, with an optional
    /// vertical reference line (the population mean, zero, the overall rate). Highlighted rows are
    /// drawn in the highlight colour. Labels are shown on the axis when there are at most 60 rows.
    /// </summary>
    public static PlotModel Caterpillar(string title, string subtitle, string valueTitle, IReadOnlyList<IntervalRow> rows, double? reference = null, string? referenceTitle = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var sorted = rows.OrderBy(r => r.Estimate).ToList();
        var model = SvgPlot.New(title, subtitle);
        model.Axes.Add(SvgPlot.Axis(AxisPosition.Bottom, valueTitle));
        if (sorted.Count <= 60)
        {
            var cat = new CategoryAxis { Position = AxisPosition.Left, GapWidth = 0, FontSize = 8, TickStyle = TickStyle.None };
            cat.Labels.AddRange(sorted.Select(r => r.Label));
            model.Axes.Add(cat);
        }
        else model.Axes.Add(SvgPlot.Axis(AxisPosition.Left, "rank of the estimate", -1, sorted.Count));
        var normal = new LineSeries { Color = SvgPlot.Palette[0], StrokeThickness = 1, Title = "interval" };
        var flagged = new LineSeries { Color = SvgPlot.Highlight, StrokeThickness = 1.2, Title = "flagged" };
        var points = new ScatterSeries { MarkerType = MarkerType.Circle, MarkerSize = sorted.Count > 200 ? 1.2 : 2.5, MarkerFill = OxyColors.Black, Title = "estimate" };
        for (int i = 0; i < sorted.Count; i++)
        {
            var r = sorted[i];
            var s = r.Highlighted ? flagged : normal;
            s.Points.Add(new DataPoint(r.Lower, i));
            s.Points.Add(new DataPoint(r.Upper, i));
            s.Points.Add(DataPoint.Undefined);
            points.Points.Add(new ScatterPoint(r.Estimate, i));
        }
        if (reference is { } x)
        {
            var line = new LineSeries { Color = SvgPlot.Reference, LineStyle = LineStyle.Dash, Title = referenceTitle ?? "reference" };
            line.Points.Add(new DataPoint(x, -1));
            line.Points.Add(new DataPoint(x, sorted.Count));
            model.Series.Add(line);
        }
        model.Series.Add(normal);
        if (flagged.Points.Count > 0) model.Series.Add(flagged);
        model.Series.Add(points);
        return model;
    }

    /// <summary>Caterpillar plot of a shrinkage table's pooled estimates, with the population mean.</summary>
    public static PlotModel Caterpillar(ShrinkageTable table) =>
        Caterpillar($"Group effects: {table.Quantity.Replace("[.,", "[level,", StringComparison.Ordinal)}",
            $"{table.Groups.Count} levels of {table.Group}, posterior mean and {Percent(table.Groups.FirstOrDefault()?.Pooled.Level ?? 0.9)} interval",
            table.Column, table.Groups.Select(g => new IntervalRow(g.Level, g.Pooled.Mean, g.Pooled.Lower, g.Pooled.Upper)).ToList(),
            table.PopulationMean, "population mean");

    /// <summary>Each level's treatment effect (link scale) with the new-level predictive interval as a band.</summary>
    public static PlotModel TreatmentEffects(TreatmentHeterogeneity hte)
    {
        ArgumentNullException.ThrowIfNull(hte);
        var rows = hte.Groups.Select(g => new IntervalRow(g.Level, g.Link.Mean, g.Link.Lower, g.Link.Upper, g.ProbabilityOfBenefit >= 0.9)).ToList();
        var model = Caterpillar($"Effect of {hte.Treatment} by {hte.Group} (link scale)",
            $"{Percent(hte.Level)} intervals; orange: P(benefit) ≥ 0.9; shaded: predictive {Percent(hte.Level)} interval for a new {hte.Group}",
            $"effect of {hte.Treatment} ({(hte.Benefit == BenefitDirection.Lower ? "lower" : "higher")} is better)", rows, 0, "no effect");
        var band = new AreaSeries { Color = OxyColor.FromAColor(40, SvgPlot.Palette[2]), Fill = OxyColor.FromAColor(40, SvgPlot.Palette[2]), StrokeThickness = 0, Title = $"new {hte.Group}" };
        band.Points.Add(new DataPoint(hte.NewGroup.Lower, -1));
        band.Points.Add(new DataPoint(hte.NewGroup.Upper, -1));
        band.Points2.Add(new DataPoint(hte.NewGroup.Lower, rows.Count));
        band.Points2.Add(new DataPoint(hte.NewGroup.Upper, rows.Count));
        model.Series.Insert(0, band);
        return model;
    }

    /// <summary>The variance shares at the reference design: posterior mean and interval per component.</summary>
    public static PlotModel VarianceShares(VarianceDecomposition v)
    {
        ArgumentNullException.ThrowIfNull(v);
        var rows = v.Components.Select(c => new IntervalRow(c.Component, c.Share.Mean, c.Share.Lower, c.Share.Upper)).ToList();
        return Caterpillar("Variance shares", v.ScaleDescription, "share of the variance", rows);
    }

    internal static string Percent(double level) => (100 * level).ToString("0.#", System.Globalization.CultureInfo.InvariantCulture) + " %";
}

/// <summary>Plots of a hospital profile: funnel plot, rates and ranks with their intervals.</summary>
public static class ProfilePlots
{
    /// <summary>
    /// Funnel plot: each hospital's risk-standardised rate (posterior mean) against its patients, with
    /// the overall rate and its 95 % and 99.8 % binomial control limits (Spiegelhalter 2005); flagged
    /// hospitals in the highlight colour.
    /// </summary>
    public static PlotModel Funnel(HospitalProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var model = SvgPlot.New($"Funnel plot: risk-standardised rate by {profile.Group}",
            $"{profile.Hospitals.Count} {profile.Group}s; orange: P(above {(1 + profile.Margin).ToString("0.##", System.Globalization.CultureInfo.InvariantCulture)} × overall) ≥ {profile.FlagProbability.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        model.Axes.Add(new LogarithmicAxis { Position = AxisPosition.Bottom, Title = "patients (log scale)", MajorGridlineStyle = LineStyle.Solid, MajorGridlineColor = OxyColor.FromRgb(235, 235, 235) });
        model.Axes.Add(SvgPlot.Axis(AxisPosition.Left, "risk-standardised rate"));
        int nMin = Math.Max(1, profile.Hospitals.Min(h => h.Patients)), nMax = Math.Max(nMin + 1, profile.Hospitals.Max(h => h.Patients));
        double p = profile.OverallRate;
        foreach (var (z, style, title) in new[] { (1.96, LineStyle.Dash, "95 % limits"), (3.09, LineStyle.Dot, "99.8 % limits") })
        {
            var lo = new LineSeries { Color = SvgPlot.Reference, LineStyle = style, Title = title };
            var hi = new LineSeries { Color = SvgPlot.Reference, LineStyle = style };
            for (int k = 0; k <= 60; k++)
            {
                double n = nMin * Math.Pow((double)nMax / nMin, k / 60.0);
                var (l, u) = HospitalProfile.ControlLimits(p, n, z);
                lo.Points.Add(new DataPoint(n, l));
                hi.Points.Add(new DataPoint(n, u));
            }
            model.Series.Add(lo);
            model.Series.Add(hi);
        }
        var overall = new LineSeries { Color = OxyColors.Black, StrokeThickness = 1, Title = "overall rate" };
        overall.Points.Add(new DataPoint(nMin, p));
        overall.Points.Add(new DataPoint(nMax, p));
        model.Series.Add(overall);
        var normal = new ScatterSeries { MarkerType = MarkerType.Circle, MarkerSize = 2, MarkerFill = OxyColor.FromAColor(140, SvgPlot.Palette[0]), Title = profile.Group };
        var flagged = new ScatterSeries { MarkerType = MarkerType.Circle, MarkerSize = 3, MarkerFill = SvgPlot.Highlight, Title = "flagged" };
        foreach (var h in profile.Hospitals)
            (h.FlaggedAbove ? flagged : normal).Points.Add(new ScatterPoint(h.Patients, h.Rate.Mean));
        model.Series.Add(normal);
        if (flagged.Points.Count > 0) model.Series.Add(flagged);
        SvgPlot.AddLegend(model);
        return model;
    }

    /// <summary>Risk-standardised rates with intervals, sorted, flagged hospitals highlighted.</summary>
    public static PlotModel Rates(HospitalProfile profile) =>
        EstimandPlots.Caterpillar($"Risk-standardised rate by {profile.Group}", $"posterior mean and {EstimandPlots.Percent(profile.Level)} interval", "risk-standardised rate",
            profile.Hospitals.Select(h => new IntervalRow(h.Hospital, h.Rate.Mean, h.Rate.Lower, h.Rate.Upper, h.FlaggedAbove)).ToList(),
            profile.OverallRate, "overall rate");

    /// <summary>Posterior rank of each hospital (1 = lowest rate) with its rank interval.</summary>
    public static PlotModel Ranks(HospitalProfile profile) =>
        EstimandPlots.Caterpillar($"Rank by {profile.Group} (1 = lowest rate)", $"posterior mean rank and {EstimandPlots.Percent(profile.Level)} rank interval", "rank",
            profile.Hospitals.Select(h => new IntervalRow(h.Hospital, h.Rank.Mean, h.Rank.Lower, h.Rank.Upper, h.FlaggedAbove)).ToList());
}
