using System.Globalization;
using System.Text;
using System.Text.Json;
using GpuHbm.Cli;
using Xunit;

namespace GpuHbm.Tests.Cli;

/// <summary>
/// The table of issue 9 ("Never lose a fit, never fit the wrong model silently"), one test per row: each bad input
/// is a user error (exit code 1, never 70) caught before sampling, with a message that names the culprit.
/// </summary>
public class BadInputTableTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gpuhbm-badinput-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(args);

    private string Write(string name, string text, Encoding? encoding = null)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text, encoding ?? new UTF8Encoding(false));
        return path;
    }

    /// <summary>60 rows of y, x (numeric), g (6 groups); <paramref name="bad"/> replaces x in data row <paramref name="badRow"/>.</summary>
    private string Data(string? bad = null, int badRow = 37, char delimiter = ',', bool decimalComma = false, int groups = 6)
    {
        var sb = new StringBuilder($"y{delimiter}x{delimiter}g\n");
        for (int i = 1; i <= 60; i++)
        {
            double x = i / 10.0, y = 1 + 0.5 * x + Math.Sin(i);
            string X(double v) => decimalComma ? v.ToString("R", CultureInfo.InvariantCulture).Replace('.', ',') : v.ToString("R", CultureInfo.InvariantCulture);
            sb.Append(X(y)).Append(delimiter).Append(i == badRow && bad is not null ? bad : X(x)).Append(delimiter).Append($"G{i % groups}").Append('\n');
        }
        return Write("data.csv", sb.ToString());
    }

    private static void AssertUserError((int Code, string Out, string Err) r, params string[] culprits)
    {
        Assert.True(r.Code == 1, $"exit {r.Code}; stderr: {r.Err}");
        Assert.StartsWith("error:", r.Err);
        foreach (var c in culprits) Assert.Contains(c, r.Err);
        Assert.DoesNotContain("internal error", r.Err);
        Assert.DoesNotContain("   at ", r.Err);
        Assert.DoesNotContain("System.", r.Err);
        Assert.DoesNotContain("NUTS on", r.Out); // refused before sampling
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("Inf")]
    public void A_non_numeric_cell_in_a_numeric_predictor_names_column_row_and_value(string cell)
    {
        AssertUserError(Run("fit", "--data", Data(cell), "--formula", "y ~ x", "--quiet"), "'x'", "row 37", $"'{cell}'", "--factor x", "--na");
    }

    [Fact]
    public void A_non_numeric_cell_marked_with_na_is_dropped_with_drop_missing()
    {
        var r = Run("fit", "--data", Data("abc"), "--formula", "y ~ x", "--na", "abc", "--drop-missing",
            "--chains", "1", "--warmup", "100", "--draws", "50", "--seed", "1", "--quiet");
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("1 rows with missing values were dropped", r.Out);
    }

    [Fact]
    public void An_output_folder_that_cannot_be_written_is_refused_before_sampling()
    {
        string blocker = Write("not-a-folder", "a file where a folder would have to be\n");
        var r = Run("fit", "--data", Data(), "--formula", "y ~ x", "--quiet", "--output", Path.Combine(blocker, "out"));
        AssertUserError(r, "cannot write to the output folder", Path.Combine(blocker, "out"));
        Assert.Equal("", r.Out); // refused before the data were even read
    }

    [Fact]
    public void An_earlier_fit_is_refused_without_overwrite_and_replaced_whole_with_it()
    {
        string outDir = Path.Combine(_dir, "fit");
        string data = Data();
        string[] Fit(int chains, params string[] extra) => ["fit", "--data", data, "--formula", "y ~ x", "--chains", chains.ToString(CultureInfo.InvariantCulture),
            "--warmup", "100", "--draws", "30", "--seed", "2", "--quiet", "--output", outDir, .. extra];
        Assert.Equal(0, Run(Fit(2)).Code);
        File.WriteAllText(Path.Combine(outDir, "checkpoint.bin"), "stale"); // a file of the old fit the new one will not write
        string before = File.ReadAllText(Path.Combine(outDir, "draws.csv"));

        AssertUserError(Run(Fit(1)), $"'{outDir}'", "already holds a fit", "--overwrite");
        Assert.Equal(before, File.ReadAllText(Path.Combine(outDir, "draws.csv"))); // untouched

        var r = Run(Fit(1, "--overwrite"));
        Assert.True(r.Code == 0, r.Err);
        Assert.False(File.Exists(Path.Combine(outDir, "checkpoint.bin")));
        var lines = File.ReadAllLines(Path.Combine(outDir, "draws.csv"));
        Assert.Equal(1 + 30, lines.Length);
        Assert.All(lines.Skip(1), l => Assert.StartsWith("1,", l));

        File.WriteAllText(Path.Combine(outDir, "notes.txt"), "the user's own file");
        AssertUserError(Run(Fit(1, "--overwrite")), "notes.txt", "did not write");
    }

    [Fact]
    public void Two_billion_chains_are_refused_at_once_with_the_memory_figure()
    {
        AssertUserError(Run("fit", "--data", Data(), "--formula", "y ~ x", "--chains", "2000000000", "--quiet"), "memory", "GiB", "--chains");
    }

    [Fact]
    public void More_draws_than_memory_are_refused_with_the_figure_and_a_suggestion()
    {
        AssertUserError(Run("fit", "--data", Data(), "--formula", "y ~ x + (1 | g)", "--draws", "200000000", "--quiet"), "memory", "--draws");
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-3")]
    public void Threads_below_one_are_a_user_error(string threads)
    {
        AssertUserError(Run("fit", "--data", Data(), "--formula", "y ~ x", "--threads", threads, "--quiet"), "--threads", $"got {threads}");
    }

    [Theory]
    [InlineData("--seed", "abc", "whole number")]
    [InlineData("--seed", "-1", "whole number")]
    [InlineData("--chains", "four", "whole number")]
    [InlineData("--chains", "99999999999", "too large")]
    [InlineData("--adapt-delta", "high", "number")]
    [InlineData("--adapt-delta", "1.5", "between 0 and 1")]
    [InlineData("--chains", "0", "at least 1")]
    [InlineData("--warmup", "-5", "0 or more")]
    [InlineData("--max-depth", "0", "between 1 and 30")]
    [InlineData("--checkpoint-interval", "0", "positive")]
    public void Unparsable_or_out_of_range_options_name_the_option_in_the_users_terms(string option, string value, string expected)
    {
        var r = Run("fit", "--data", Data(), "--formula", "y ~ x", option, value, "--quiet");
        AssertUserError(r, option, expected);
        Assert.DoesNotContain("Nullable", r.Err);
        Assert.DoesNotContain("Int32", r.Err);
    }

    [Fact]
    public void A_grouping_factor_with_one_level_is_refused_as_lme4_does()
    {
        AssertUserError(Run("fit", "--data", Data(groups: 1), "--formula", "y ~ x + (1 | g)", "--quiet"), "'g'", "single level", "'G0'");
    }

    [Fact]
    public void An_unused_relmat_is_an_error_naming_it()
    {
        string k = Write("K.csv", "id,G0,G1\nG0,1,0.5\nG1,0.5,1\n");
        AssertUserError(Run("fit", "--data", Data(), "--formula", "y ~ x + (1 | g)", "--relmat", $"K={k}", "--quiet"), "--relmat K", "not used");
    }

    [Fact]
    public void The_same_prior_class_twice_is_an_error_naming_both()
    {
        AssertUserError(Run("fit", "--data", Data(), "--formula", "y ~ x + (1 | g)", "--prior", "sd ~ normal(0, 1)", "--prior", "sd ~ normal(0, 5)", "--quiet"),
            "'sd ~ normal(0, 1)'", "'sd ~ normal(0, 5)'", "twice");
    }

    [Fact]
    public void A_semicolon_separated_file_with_decimal_commas_is_detected_and_fits()
    {
        var r = Run("fit", "--data", Data(delimiter: ';', decimalComma: true), "--formula", "y ~ x + (1 | g)", "--chains", "1", "--warmup", "100",
            "--draws", "50", "--seed", "1", "--quiet");
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("semicolon-separated (detected), decimal comma in 114 values", r.Out); // 60 y values and the 54 non-integer x values
        Assert.Contains("b_x", r.Out);
    }

    [Fact]
    public void A_tab_separated_file_is_detected()
    {
        var r = Run("fit", "--data", Data(delimiter: '\t'), "--formula", "y ~ x", "--chains", "1", "--warmup", "100", "--draws", "50", "--seed", "1", "--quiet");
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("tab-separated (detected)", r.Out);
    }

    [Fact]
    public void A_file_split_by_an_undetected_delimiter_gets_a_delimiter_hint()
    {
        string path = Write("spaces.csv", "y x g\n1 2 a\n3 4 b\n");
        AssertUserError(Run("fit", "--data", path, "--formula", "y ~ x", "--quiet"), "'y'", "one column", "--delimiter");
    }

    [Fact]
    public void A_latin1_file_is_rejected_with_the_byte_offset_and_read_with_encoding_latin1()
    {
        var text = new StringBuilder("y,x,site\n");
        for (int i = 1; i <= 40; i++) text.Append(CultureInfo.InvariantCulture, $"{Math.Sin(i) + i / 10.0:R},{i / 10.0:R},{(i % 2 == 0 ? "Zürich" : "Genève")}\n");
        string path = Write("latin1.csv", text.ToString(), Encoding.Latin1);
        int offset = Encoding.Latin1.GetBytes(text.ToString()).AsSpan().IndexOfAny((byte)0xFC, (byte)0xE8);
        AssertUserError(Run("fit", "--data", path, "--formula", "y ~ x + (1 | site)", "--quiet"),
            "not UTF-8", $"byte offset {offset}", "line 2", "--encoding latin1");

        var r = Run("fit", "--data", path, "--formula", "y ~ x + (1 | site)", "--encoding", "latin1", "--chains", "1", "--warmup", "100", "--draws", "50",
            "--seed", "1", "--quiet", "--show-group-effects");
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("r_site[Zürich,Intercept]", r.Out);
    }

    [Fact]
    public void Warmup_zero_gives_advice_about_the_warmup_and_keeps_every_warning()
    {
        var r = Run("fit", "--data", Data(), "--formula", "y ~ x + (1 | g)", "--warmup", "0", "--draws", "100", "--chains", "2", "--seed", "3", "--quiet");
        Assert.True(r.Code == 0, r.Err);
        var warnings = r.Out.Split('\n').Where(l => l.StartsWith("warning:", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(warnings);
        Assert.Contains(warnings, w => w.Contains("--warmup 0", StringComparison.Ordinal));
        Assert.DoesNotContain(warnings, w => w.Contains("--adapt-delta", StringComparison.Ordinal));
        // With warm-up 0 the chains barely move: the low- or undefined-ESS warning must still be given.
        Assert.Contains(warnings, w => w.Contains("ESS", StringComparison.Ordinal));
    }

    [Fact]
    public void A_non_psd_relationship_matrix_names_an_option_the_cli_has_and_the_option_accepts_it()
    {
        // Eigenvalues 2.0001 and -0.0001: indefinite by 5e-5 of the largest, beyond the default tolerance of 1e-6.
        string k = Write("K.csv", "id,G0,G1\nG0,1,1.0001\nG1,1.0001,1\n");
        string data = Data(groups: 2);
        var r = Run("fit", "--data", data, "--formula", "y ~ x + (1 | gr(g, cov = K))", "--relmat", $"K={k}", "--quiet");
        AssertUserError(r, "not positive semi-definite", "--relmat-psd-tolerance");

        var r2 = Run("fit", "--data", data, "--formula", "y ~ x + (1 | gr(g, cov = K))", "--relmat", $"K={k}", "--relmat-psd-tolerance", "1e-3",
            "--chains", "1", "--warmup", "50", "--draws", "20", "--seed", "1", "--quiet");
        Assert.True(r2.Code == 0, r2.Err);
    }

    [Fact]
    public void A_fixed_effect_factor_with_thousands_of_levels_is_refused_before_any_matrix_is_built()
    {
        var sb = new StringBuilder("y,id\n");
        for (int i = 0; i < 3000; i++) sb.Append(CultureInfo.InvariantCulture, $"{Math.Sin(i):R},P{i}\n");
        var r = Run("fit", "--data", Write("ids.csv", sb.ToString()), "--formula", "y ~ id", "--quiet");
        AssertUserError(r, "'id'", "3000 levels", "(1 | id)");
    }

    [Fact]
    public void Resume_refuses_other_settings_and_a_finished_fit()
    {
        string outDir = Path.Combine(_dir, "done");
        Assert.Equal(0, Run("fit", "--data", Data(), "--formula", "y ~ x", "--chains", "1", "--warmup", "50", "--draws", "20", "--seed", "1", "--quiet", "--output", outDir).Code);
        AssertUserError(Run("fit", "--resume", outDir, "--quiet"), "finished", "nothing to resume");
        AssertUserError(Run("fit", "--resume", outDir, "--formula", "y ~ 1"), "--formula", "leave out");
        AssertUserError(Run("fit", "--resume", Path.Combine(_dir, "nowhere")), "no such folder");
        AssertUserError(Run("fit", "--formula", "y ~ x"), "--data", "required");
    }

    [Fact]
    public void Summarize_reports_a_finished_fit()
    {
        string outDir = Path.Combine(_dir, "sum");
        Assert.Equal(0, Run("fit", "--data", Data(), "--formula", "y ~ x", "--chains", "2", "--warmup", "100", "--draws", "40", "--seed", "4", "--quiet", "--output", outDir).Code);
        var r = Run("summarize", outDir);
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("finished", r.Out);
        Assert.DoesNotContain("UNFINISHED", r.Out);
        Assert.Contains("draws per chain: 40, 40", r.Out);
        // The same numbers as the fit's own summary.csv.
        var summary = File.ReadAllLines(Path.Combine(outDir, "summary.csv"));
        var bx = summary.Single(l => l.StartsWith("b_x,", StringComparison.Ordinal)).Split(',');
        double mean = double.Parse(bx[1], CultureInfo.InvariantCulture);
        Assert.Contains(GpuHbm.Results.PosteriorSummary.Signif(mean), r.Out);
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "manifest.json")));
        Assert.Equal("finished", manifest.RootElement.GetProperty("status").GetString());
    }
}
