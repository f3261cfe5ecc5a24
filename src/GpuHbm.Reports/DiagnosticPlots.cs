using GpuHbm.Results;
using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Series;

namespace GpuHbm.Reports;

/// <summary>Trace and rank plots of a parameter's draws, one colour per chain.</summary>
public static class DiagnosticPlots
{
    /// <summary>Most chains drawn (more, e.g. ChEES ensembles of hundreds, show the first ones; the subtitle says so).</summary>
    public const int MaxChainsShown = 8;

    /// <summary>
    /// Trace plot: value against iteration for each chain (up to <paramref name="maxPointsPerChain"/>
    /// points each, evenly thinned for long chains).
    /// </summary>
    public static PlotModel Trace(DrawSet draws, string parameter, int maxPointsPerChain = 1000)
    {
        var chains = draws.Chains(parameter);
        int shown = Math.Min(chains.Length, MaxChainsShown);
        var model = SvgPlot.New($"Trace: {parameter}", shown < chains.Length ? $"first {shown} of {chains.Length} chains" : null);
        model.Axes.Add(SvgPlot.Axis(AxisPosition.Bottom, "iteration (after warm-up)"));
        model.Axes.Add(SvgPlot.Axis(AxisPosition.Left, parameter));
        for (int c = 0; c < shown; c++)
        {
            var s = new LineSeries { Color = OxyColor.FromAColor(200, SvgPlot.Palette[c % SvgPlot.Palette.Length]), StrokeThickness = 0.7, Title = $"chain {c + 1}" };
            int n = chains[c].Length, step = Math.Max(1, (n + maxPointsPerChain - 1) / maxPointsPerChain);
            for (int i = 0; i < n; i += step) s.Points.Add(new DataPoint(i + 1, chains[c][i]));
            model.Series.Add(s);
        }
        return model;
    }

    /// <summary>
    /// Rank plot (Vehtari et al. 2021, Bayesian Analysis 16(2), section 4.3): the draws of all chains
    /// are ranked together and each chain's ranks binned; well-mixed chains give flat, overlapping
    /// histograms (the dashed line is the count expected under uniformity).
    /// </summary>
    public static PlotModel Rank(DrawSet draws, string parameter, int bins = 20)
    {
        var chains = draws.Chains(parameter);
        int shown = Math.Min(chains.Length, MaxChainsShown);
        var model = SvgPlot.New($"Rank plot: {parameter}", shown < chains.Length ? $"first {shown} of {chains.Length} chains" : null);
        int n = chains.Length == 0 ? 0 : chains[0].Length, total = n * chains.Length;
        var ranks = RankAll(chains);
        model.Axes.Add(SvgPlot.Axis(AxisPosition.Bottom, "rank of the draw among all chains", 0, total));
        model.Axes.Add(SvgPlot.Axis(AxisPosition.Left, "draws per bin", 0));
        double width = (double)total / bins;
        for (int c = 0; c < shown; c++)
        {
            var counts = new int[bins];
            for (int i = 0; i < n; i++) counts[Math.Min(bins - 1, (int)(ranks[c * n + i] / width))]++;
            var s = new StairStepSeries { Color = SvgPlot.Palette[c % SvgPlot.Palette.Length], StrokeThickness = 1.2, Title = $"chain {c + 1}", VerticalStrokeThickness = 1.2 };
            for (int b = 0; b < bins; b++) s.Points.Add(new DataPoint(b * width, counts[b]));
            s.Points.Add(new DataPoint(total, counts[bins - 1]));
            model.Series.Add(s);
        }
        var expected = new LineSeries { Color = SvgPlot.Reference, LineStyle = LineStyle.Dash, StrokeThickness = 1, Title = "uniform" };
        expected.Points.Add(new DataPoint(0, (double)n / bins));
        expected.Points.Add(new DataPoint(total, (double)n / bins));
        model.Series.Add(expected);
        return model;
    }

    /// <summary>0-based ranks of all draws (chain-major), ties by order.</summary>
    private static int[] RankAll(double[][] chains)
    {
        var all = chains.SelectMany(c => c).ToArray();
        var order = Enumerable.Range(0, all.Length).ToArray();
        Array.Sort(all.ToArray(), order);
        var ranks = new int[all.Length];
        for (int r = 0; r < order.Length; r++) ranks[order[r]] = r;
        return ranks;
    }
}
