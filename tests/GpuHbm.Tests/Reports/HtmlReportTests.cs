using System.Text.RegularExpressions;
using GpuHbm.Estimands;
using GpuHbm.Reports;
using GpuHbm.Tests.Estimands;
using Xunit;

namespace GpuHbm.Tests.Reports;

public class HtmlReportTests
{
    private static readonly Lazy<string> Report = new(() =>
    {
        var fit = EstimandFits.SleepstudyRandomSlopes;
        return HtmlReport.Build(fit, new ReportOptions { Treatment = "Days", Benefit = BenefitDirection.Lower });
    });

    [Fact]
    public void Report_is_one_self_contained_file_with_every_section_that_applies()
    {
        string html = Report.Value;
        foreach (var id in new[] { "model", "priors", "diagnostics", "summary", "variance", "shrinkage", "treatment" })
            Assert.Contains($"<section id=\"{id}\">", html);
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("<link", html);
        Assert.DoesNotContain("<img", html);
        // Nothing is fetched: the only URLs are XML namespace names of the inline SVG.
        var urls = Regex.Matches(html, "(?:src|href)\\s*=\\s*\"(?!#)([^\"]*)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.Empty(urls);
        Assert.True(Regex.Matches(html, "<svg").Count >= 2 * 6 + 1 + 2 + 1);   // trace + rank per hyperparameter, shares, shrinkage ×2, treatment
        Assert.Contains("sd_Subject__Days", html);
    }

    [Fact]
    public void Report_opens_in_headless_chromium_without_console_errors_and_every_section_has_ink()
    {
        if (HeadlessChromium.Path is null) Assert.Skip("chromium not found (/usr/bin/chromium or GPUHBM_CHROMIUM); the report was not rendered");
        var dir = Directory.CreateTempSubdirectory("gpuhbm-report-").FullName;
        string file = Path.Combine(dir, "report.html");
        File.WriteAllText(file, Report.Value);
        var failures = new List<string>();
        // The whole report as a person opens it: no console messages (errors, failed loads).
        string top = Path.Combine(dir, "report.png");
        var console = ConsoleLines(HeadlessChromium.Screenshot(new Uri(file).AbsoluteUri, top));
        if (console.Count > 0) failures.Add("console: " + string.Join(" | ", console));
        CheckInk("report (top)", top, failures);
        // Each section on its own: the same file with one style rule that hides the header and the other sections.
        foreach (var id in new[] { "model", "priors", "diagnostics", "summary", "variance", "shrinkage", "treatment" })
        {
            string single = Path.Combine(dir, id + ".html"), png = Path.Combine(dir, id + ".png");
            File.WriteAllText(single, Report.Value.Replace("</style>", $"header,footer,section:not(#{id}){{display:none}}</style>", StringComparison.Ordinal));
            console = ConsoleLines(HeadlessChromium.Screenshot(new Uri(single).AbsoluteUri, png));
            if (console.Count > 0) failures.Add($"{id}: console: {string.Join(" | ", console)}");
            CheckInk(id, png, failures);
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Directory.Delete(dir, true);
    }

    private static List<string> ConsoleLines(string log) => log.Split('\n')
        .Where(l => l.Contains("CONSOLE", StringComparison.Ordinal) || l.Contains("Uncaught", StringComparison.Ordinal) || l.Contains("ERR_", StringComparison.Ordinal))
        .ToList();

    private static void CheckInk(string what, string png, List<string> failures)
    {
        if (!File.Exists(png)) { failures.Add($"{what}: no screenshot"); return; }
        var (ink, colours) = HeadlessChromium.Ink(png);
        if (ink < 0.02 || colours < 8) failures.Add($"{what}: screenshot looks blank ({100 * ink:F1} % non-background pixels, {colours} colours)");
    }
}
