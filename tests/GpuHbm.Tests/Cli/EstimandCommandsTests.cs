using GpuHbm.Cli;
using Xunit;

namespace GpuHbm.Tests.Cli;

/// <summary>The commands that read a saved fit folder: variance, shrinkage, hte, profile, report.</summary>
public class EstimandCommandsTests
{
    private static readonly Lazy<string> SleepstudyFit = new(() =>
    {
        var dir = Path.Combine(Directory.CreateTempSubdirectory("gpuhbm-estim-cli-").FullName, "fit");
        var (code, o, e) = Run("fit", "--data", TestPaths.ExampleData("sleepstudy.csv"), "--formula", "Reaction ~ 1 + Days + (1 + Days | Subject)",
            "--chains", "2", "--warmup", "200", "--draws", "150", "--seed", "3", "--quiet", "--output", dir, "--backend", "cpu");
        Assert.True(code == 0, e + o);
        return dir;
    });

    private static (int Code, string Out, string Err) Run(params string[] args) => GpuHbm.Tests.Cli.CliRunner.Run(args);

    [Fact]
    public void Variance_prints_the_scale_the_icc_and_the_vpc_at_given_values()
    {
        var (code, o, e) = Run("variance", "--fit", SleepstudyFit.Value, "--at", "Days=0,9");
        Assert.True(code == 0, e);
        Assert.Contains("data scale (gaussian)", o);
        Assert.Contains("ICC Subject", o);
        Assert.Contains("VPC Subject at Days = 9", o);
    }

    [Fact]
    public void Shrinkage_and_hte_write_csv_and_svg()
    {
        string dir = Path.Combine(Path.GetDirectoryName(SleepstudyFit.Value)!, "out");
        var (code, o, e) = Run("shrinkage", "--fit", SleepstudyFit.Value, "--output", dir);
        Assert.True(code == 0, e);
        Assert.Equal(1 + 2 * 18, File.ReadAllLines(Path.Combine(dir, "shrinkage.csv")).Length);
        Assert.StartsWith("<?xml", File.ReadAllText(Path.Combine(dir, "shrinkage-Subject-Days.svg")));
        Assert.Contains("<svg", File.ReadAllText(Path.Combine(dir, "caterpillar-Subject-Intercept.svg")));

        (code, o, e) = Run("hte", "--fit", SleepstudyFit.Value, "--treatment", "Days", "--benefit", "higher", "--mid", "5", "--output", dir);
        Assert.True(code == 0, e);
        Assert.Contains("proportion benefiting (population)", o);
        Assert.Equal(1 + 18 + 1, File.ReadAllLines(Path.Combine(dir, "treatment_effects.csv")).Length);
    }

    [Fact]
    public void Report_writes_one_html_file()
    {
        string path = Path.Combine(Path.GetDirectoryName(SleepstudyFit.Value)!, "report.html");
        var (code, o, e) = Run("report", "--fit", SleepstudyFit.Value, "--output", path, "--treatment", "Days", "--benefit", "higher");
        Assert.True(code == 0, e);
        string html = File.ReadAllText(path);
        Assert.Contains("<section id=\"treatment\">", html);
        Assert.Contains("<section id=\"shrinkage\">", html);
    }

    [Theory]
    [InlineData("profile", "--group", "Subject", "gaussian")]
    [InlineData("profile", "--group", "county", "gaussian")]
    [InlineData("hte", "--treatment", "dose", "not a population-level column")]
    [InlineData("shrinkage", "--group", "county", "no group-level term groups by 'county'")]
    public void Errors_name_the_option_and_the_reason(string command, string option, string value, string expected)
    {
        var args = new List<string> { command, "--fit", SleepstudyFit.Value, option, value };
        if (command == "hte") args.AddRange(["--benefit", "lower"]);
        var (code, _, e) = Run([.. args]);
        Assert.Equal(1, code);
        Assert.Contains(expected, e);
    }

    [Fact]
    public void Profile_and_report_on_simulated_hospitals_write_the_tables_and_plots()
    {
        var dir = Directory.CreateTempSubdirectory("gpuhbm-estim-profile-").FullName;
        string csv = Path.Combine(dir, "h.csv"), fit = Path.Combine(dir, "fit"), prof = Path.Combine(dir, "prof");
        var (code, o, e) = Run("simulate", "hospitals", "--patients", "2000", "--hospitals", "40", "--seed", "3", "--output", csv);
        Assert.True(code == 0, e);
        (code, o, e) = Run("fit", "--data", csv, "--formula", "y ~ 1 + age_std + severity + treat + (1 + treat | hospital)", "--family", "bernoulli",
            "--chains", "2", "--warmup", "150", "--draws", "100", "--seed", "2", "--quiet", "--output", fit, "--backend", "cpu");
        Assert.True(code == 0, e + o);
        (code, o, e) = Run("profile", "--fit", fit, "--group", "hospital", "--margin", "0.1", "--max-draws", "150", "--output", prof);
        Assert.True(code == 0, e);
        Assert.Contains("40 hospitals", o);
        Assert.Contains("150 draws", o);
        var rows = File.ReadAllLines(Path.Combine(prof, "profile.csv"));
        Assert.Equal(41, rows.Length);
        Assert.StartsWith("hospital,patients,events,observed_rate,rsr_mean", rows[0]);
        foreach (var svg in new[] { "funnel.svg", "rates.svg", "ranks.svg" }) Assert.Contains("<svg", File.ReadAllText(Path.Combine(prof, svg)));

        (code, o, e) = Run("hte", "--fit", fit, "--treatment", "treat", "--benefit", "lower", "--moderator", "severity", "--moderator-values", "-1,0,1");
        Assert.Equal(1, code);                                       // no treat:severity interaction in this model
        Assert.Contains("no interaction of 'treat' with 'severity'", e);

        string html = Path.Combine(dir, "report.html");
        (code, o, e) = Run("report", "--fit", fit, "--output", html, "--profile", "hospital", "--treatment", "treat", "--benefit", "lower");
        Assert.True(code == 0, e);
        Assert.Contains("<section id=\"profiling\">", File.ReadAllText(html));
        Directory.Delete(dir, true);
    }

    [Fact]
    public void A_missing_fit_folder_is_a_one_line_error()
    {
        var (code, _, e) = Run("variance", "--fit", "/nonexistent/fit");
        Assert.Equal(1, code);
        Assert.StartsWith("error:", e);
    }
}
