using GpuHbm.Predictions;
using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Series;

namespace GpuHbm.Reports;

/// <summary>Posterior predictive check plots (as bayesplot's ppc_dens_overlay, ppc_bars, ppc_stat and ppc_stat_grouped intervals).</summary>
public static class CheckPlots
{
    /// <summary>Density overlay: the observed response's density (dark) over those of replicated data sets (light).</summary>
    public static PlotModel DensityOverlay(PosteriorPredictiveCheck check)
    {
        ArgumentNullException.ThrowIfNull(check);
        var (grid, observed, replicated) = check.Densities();
        var model = SvgPlot.New("Posterior predictive check: density overlay",
            $"y (dark) and {replicated.Length} replicated data sets y_rep (light), {check.OverlayObserved.Length} rows");
        model.Axes.Add(SvgPlot.Axis(AxisPosition.Bottom, "response"));
        model.Axes.Add(SvgPlot.Axis(AxisPosition.Left, "density", 0));
        for (int k = 0; k < replicated.Length; k++)
        {
            var line = new LineSeries { Color = OxyColor.FromAColor(60, SvgPlot.Palette[4]), StrokeThickness = 0.8, Title = k == 0 ? "y_rep" : null };
            for (int i = 0; i < grid.Length; i++) line.Points.Add(new DataPoint(grid[i], replicated[k][i]));
            model.Series.Add(line);
        }
        var y = new LineSeries { Color = SvgPlot.Palette[0], StrokeThickness = 2, Title = "y" };
        for (int i = 0; i < grid.Length; i++) y.Points.Add(new DataPoint(grid[i], observed[i]));
        model.Series.Add(y);
        SvgPlot.AddLegend(model);
        return model;
    }

    /// <summary>Bars of the observed count of each response value with the replicated counts' median and 90 % interval.</summary>
    public static PlotModel Bars(PosteriorPredictiveCheck check)
    {
        ArgumentNullException.ThrowIfNull(check);
        if (check.CountValues is null) throw new GpuHbmException("bars need a count response with at most 30 distinct values; use the density overlay");
        var model = SvgPlot.New("Posterior predictive check: counts of each value",
            $"bars: y; points and lines: median and 90 % interval over {check.Replicates} replicated data sets");
        model.Axes.Add(SvgPlot.Axis(AxisPosition.Bottom, "response value", -0.6, check.CountValues.Length - 0.4));
        model.Axes.Add(SvgPlot.Axis(AxisPosition.Left, "rows", 0));
        var bars = new RectangleBarSeries { FillColor = OxyColor.FromAColor(160, SvgPlot.Palette[4]), StrokeColor = SvgPlot.Palette[0], StrokeThickness = 0.5, Title = "y" };
        var intervals = new LineSeries { Color = SvgPlot.Palette[1], StrokeThickness = 1.5, Title = "y_rep 90 %" };
        var medians = new ScatterSeries { MarkerType = MarkerType.Circle, MarkerSize = 3, MarkerFill = SvgPlot.Palette[1], Title = "y_rep median" };
        foreach (int v in check.CountValues)
        {
            bars.Items.Add(new RectangleBarItem(v - 0.4, 0, v + 0.4, check.ObservedCounts![v]));
            var rep = check.ReplicatedCounts!.Select(r => r[v]).ToArray();
            intervals.Points.Add(new DataPoint(v, Diagnostics.SampleStatistics.Quantile(rep, 0.05)));
            intervals.Points.Add(new DataPoint(v, Diagnostics.SampleStatistics.Quantile(rep, 0.95)));
            intervals.Points.Add(DataPoint.Undefined);
            medians.Points.Add(new ScatterPoint(v, Diagnostics.SampleStatistics.Quantile(rep, 0.5)));
        }
        model.Series.Add(bars);
        model.Series.Add(intervals);
        model.Series.Add(medians);
        SvgPlot.AddLegend(model);
        return model;
    }

    /// <summary>Histogram of a statistic over the replicated data sets, with its observed value as a vertical line.</summary>
    public static PlotModel Statistic(StatisticCheck statistic)
    {
        ArgumentNullException.ThrowIfNull(statistic);
        var model = SvgPlot.New($"Posterior predictive check: {statistic.Name}",
            $"T(y_rep) over {statistic.Replicated.Length} replicated data sets; line: T(y) = {HtmlWriter.Num(statistic.Observed)}, p = {statistic.PValue.ToString("F3", System.Globalization.CultureInfo.InvariantCulture)}");
        model.Axes.Add(SvgPlot.Axis(AxisPosition.Bottom, statistic.Name));
        model.Axes.Add(SvgPlot.Axis(AxisPosition.Left, "replicated data sets", 0));
        var values = statistic.Replicated;
        double lo = Math.Min(values.Min(), statistic.Observed), hi = Math.Max(values.Max(), statistic.Observed);
        if (hi == lo) { lo -= 0.5; hi += 0.5; }
        int bins = Math.Clamp((int)Math.Ceiling(Math.Sqrt(values.Length)), 5, 40);
        var counts = new int[bins];
        double width = (hi - lo) / bins;
        foreach (var v in values) counts[Math.Min(bins - 1, (int)((v - lo) / width))]++;
        var hist = new RectangleBarSeries { FillColor = OxyColor.FromAColor(170, SvgPlot.Palette[4]), StrokeColor = OxyColors.White, StrokeThickness = 0.5, Title = "T(y_rep)" };
        for (int b = 0; b < bins; b++) hist.Items.Add(new RectangleBarItem(lo + b * width, 0, lo + (b + 1) * width, counts[b]));
        var line = new LineSeries { Color = SvgPlot.Palette[0], StrokeThickness = 2, Title = "T(y)" };
        line.Points.Add(new DataPoint(statistic.Observed, 0));
        line.Points.Add(new DataPoint(statistic.Observed, counts.Max() * 1.05));
        model.Series.Add(hist);
        model.Series.Add(line);
        SvgPlot.AddLegend(model);
        return model;
    }

    /// <summary>Each level's observed mean response (point) against the 90 % interval of its replicated means; orange: outside the interval.</summary>
    public static PlotModel GroupMeans(PosteriorPredictiveCheck check)
    {
        ArgumentNullException.ThrowIfNull(check);
        var rows = check.Groups.Select(g => new IntervalRow(g.Level, g.Observed, g.Quantile(0.05), g.Quantile(0.95), g.Observed < g.Quantile(0.05) || g.Observed > g.Quantile(0.95))).ToList();
        return EstimandPlots.Caterpillar($"Posterior predictive check: mean response by {check.Group}",
            $"points: observed mean; lines: 90 % interval of the replicated means ({check.Replicates} data sets); orange: outside",
            "mean response", rows);
    }

    /// <summary>
    /// Writes the check's plots into <paramref name="directory"/>: ppc_density.svg (or ppc_bars.svg for counts with
    /// few values), ppc_stat_{mean,sd,min,max,prop_zero}.svg and ppc_groups.svg. Returns the file names.
    /// </summary>
    public static IReadOnlyList<string> SaveAll(PosteriorPredictiveCheck check, string directory)
    {
        ArgumentNullException.ThrowIfNull(check);
        var files = new List<string>();
        void Save(PlotModel model, string name, double height = SvgPlot.DefaultHeight)
        {
            SvgPlot.Save(model, Path.Combine(directory, name), SvgPlot.DefaultWidth, height);
            files.Add(name);
        }
        if (check.CountValues is not null) Save(Bars(check), "ppc_bars.svg");
        else Save(DensityOverlay(check), "ppc_density.svg");
        foreach (var s in check.Statistics) Save(Statistic(s), $"ppc_stat_{s.Name}.svg");
        if (check.Groups.Count > 0) Save(GroupMeans(check), "ppc_groups.svg", Math.Clamp(120 + 10 * check.Groups.Count, SvgPlot.DefaultHeight, 1400));
        return files;
    }
}
