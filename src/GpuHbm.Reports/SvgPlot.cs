using System.Text;
using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Legends;

namespace GpuHbm.Reports;

/// <summary>
/// The one plotting layer of GpuHbm: OxyPlot models styled alike (<see cref="New"/>, <see cref="Axis"/>)
/// and exported to SVG by OxyPlot's SvgExporter (pure managed, no native graphics). Every plot of the
/// reports, <c>gpuhbm report</c> and the other commands goes through here.
/// </summary>
public static class SvgPlot
{
    /// <summary>Default size in SVG user units (points).</summary>
    public const double DefaultWidth = 640, DefaultHeight = 400;

    /// <summary>The palette for chains and series: colour-blind-safe (Okabe and Ito 2008).</summary>
    public static readonly OxyColor[] Palette =
    [
        OxyColor.FromRgb(0, 114, 178), OxyColor.FromRgb(213, 94, 0), OxyColor.FromRgb(0, 158, 115), OxyColor.FromRgb(204, 121, 167),
        OxyColor.FromRgb(86, 180, 233), OxyColor.FromRgb(230, 159, 0), OxyColor.FromRgb(240, 228, 66), OxyColor.FromRgb(0, 0, 0),
    ];

    /// <summary>Colour of a highlighted (flagged) point or band.</summary>
    public static readonly OxyColor Highlight = OxyColor.FromRgb(213, 94, 0);

    /// <summary>Colour of reference lines (y = x, the population mean, control limits).</summary>
    public static readonly OxyColor Reference = OxyColor.FromRgb(120, 120, 120);

    /// <summary>A plot model with the house style: title, sans-serif text, no frame around the plot area.</summary>
    public static PlotModel New(string title, string? subtitle = null) => new()
    {
        Title = title,
        Subtitle = subtitle,
        DefaultFont = "Arial",   // OxyPlot measures text with Helvetica metrics; Arial (or Liberation Sans) matches them
        DefaultFontSize = 11,
        TitleFontSize = 13,
        TitleFontWeight = FontWeights.Normal,
        SubtitleFontSize = 10,
        PlotAreaBorderColor = OxyColor.FromRgb(200, 200, 200),
        Background = OxyColors.White,
    };

    /// <summary>A linear axis with light grid lines.</summary>
    public static LinearAxis Axis(AxisPosition position, string title, double? minimum = null, double? maximum = null)
    {
        var a = new LinearAxis
        {
            Position = position, Title = title, MajorGridlineStyle = LineStyle.Solid, MajorGridlineColor = OxyColor.FromRgb(235, 235, 235),
            TickStyle = TickStyle.Outside,
        };
        if (minimum is { } lo) a.Minimum = lo;
        if (maximum is { } hi) a.Maximum = hi;
        return a;
    }

    /// <summary>Adds a legend inside the plot area.</summary>
    public static void AddLegend(PlotModel model, LegendPosition position = LegendPosition.TopRight) =>
        model.Legends.Add(new Legend { LegendPosition = position, LegendPlacement = LegendPlacement.Inside, LegendPadding = 18, LegendLineSpacing = 5, LegendBackground = OxyColor.FromAColor(220, OxyColors.White), LegendFontSize = 10 });

    /// <summary>The plot as an &lt;svg&gt; element (no XML prolog), to inline in HTML.</summary>
    public static string ToSvg(PlotModel model, double width = DefaultWidth, double height = DefaultHeight)
    {
        ArgumentNullException.ThrowIfNull(model);
        return SvgExporter.ExportToString(model, width, height, false, Measurer);
    }

    private static WideTextMeasurer Measurer => new();   // one per export: the PDF context is not meant to be shared across threads

    /// <summary>
    /// OxyPlot sizes legends and axis margins with Helvetica metrics (its PDF context); browsers without
    /// Arial/Helvetica draw the text in a wider face (DejaVu Sans is about 12 % wider), which then
    /// overflows the clip of legends and labels (measured here: about a third wider in headless Chromium). Measuring 35 % wide leaves room for either.
    /// </summary>
    private sealed class WideTextMeasurer() : PdfRenderContext(100, 100, OxyColors.White)
    {
        public override OxySize MeasureText(string text, string fontFamily, double fontSize, double fontWeight)
        {
            var size = base.MeasureText(text, fontFamily, fontSize, fontWeight);
            return new OxySize(size.Width * 1.35, size.Height * 1.3);
        }
    }

    /// <summary>Writes the plot as a standalone SVG file; an unwritable path is a <see cref="GpuHbmException"/>.</summary>
    public static void Save(PlotModel model, string path, double width = DefaultWidth, double height = DefaultHeight)
    {
        ArgumentNullException.ThrowIfNull(model);
        try
        {
            File.WriteAllText(path, SvgExporter.ExportToString(model, width, height, true, Measurer), new UTF8Encoding(false));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new GpuHbmException($"cannot write '{path}': {e.Message}");
        }
    }
}
