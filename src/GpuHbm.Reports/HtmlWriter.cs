using System.Globalization;
using System.Net;
using System.Text;

namespace GpuHbm.Reports;

/// <summary>Small helpers to write the report's HTML: escaped text, tables, numbers.</summary>
internal sealed class HtmlWriter
{
    private readonly StringBuilder _sb = new();

    public HtmlWriter Raw(string html) { _sb.Append(html); return this; }

    public HtmlWriter Text(string text) { _sb.Append(WebUtility.HtmlEncode(text)); return this; }

    public HtmlWriter Element(string tag, string text, string? cssClass = null)
    {
        _sb.Append('<').Append(tag);
        if (cssClass is not null) _sb.Append(" class=\"").Append(cssClass).Append('"');
        _sb.Append('>').Append(WebUtility.HtmlEncode(text)).Append("</").Append(tag).Append(">\n");
        return this;
    }

    public HtmlWriter Paragraph(string text, string? cssClass = null) => Element("p", text, cssClass);

    /// <summary>A table; cells are text (escaped); numeric-looking cells are right-aligned by CSS class.</summary>
    public HtmlWriter Table(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows, string? caption = null)
    {
        _sb.Append("<table>");
        if (caption is not null) _sb.Append("<caption>").Append(WebUtility.HtmlEncode(caption)).Append("</caption>");
        _sb.Append("<thead><tr>");
        foreach (var h in header) _sb.Append("<th>").Append(WebUtility.HtmlEncode(h)).Append("</th>");
        _sb.Append("</tr></thead><tbody>\n");
        foreach (var row in rows)
        {
            _sb.Append("<tr>");
            for (int i = 0; i < row.Count; i++)
                _sb.Append(i > 0 && LooksNumeric(row[i]) ? "<td class=\"n\">" : "<td>").Append(WebUtility.HtmlEncode(row[i])).Append("</td>");
            _sb.Append("</tr>\n");
        }
        _sb.Append("</tbody></table>\n");
        return this;
    }

    private static bool LooksNumeric(string cell) =>
        cell.Length > 0 && (char.IsDigit(cell[0]) || cell[0] is '-' or '[' or '.' || cell == "NA");

    /// <summary>An inline SVG figure with a caption.</summary>
    public HtmlWriter Figure(string svg, string? caption = null)
    {
        _sb.Append("<figure>").Append(svg);
        if (caption is not null) _sb.Append("<figcaption>").Append(WebUtility.HtmlEncode(caption)).Append("</figcaption>");
        _sb.Append("</figure>\n");
        return this;
    }

    public override string ToString() => _sb.ToString();

    /// <summary>Four significant digits, as the printed summary table (<see cref="GpuHbm.Results.PosteriorSummary.Signif"/>).</summary>
    public static string Num(double v) => GpuHbm.Results.PosteriorSummary.Signif(v);

    public static string Int(double v) => double.IsNaN(v) ? "NA" : Math.Round(v).ToString(CultureInfo.InvariantCulture);

    public static string Prob(double v) => double.IsNaN(v) ? "NA" : v.ToString("F3", CultureInfo.InvariantCulture);
}
