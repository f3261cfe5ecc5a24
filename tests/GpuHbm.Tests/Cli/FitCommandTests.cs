using System.Text.Json;
using GpuHbm.Cli;
using Xunit;

namespace GpuHbm.Tests.Cli;

public class FitCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gpuhbm-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args) => GpuHbm.Tests.Cli.CliRunner.Run(args);

    private string WriteCsv(string text)
    {
        var path = Path.Combine(_dir, "data.csv");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Fit_writes_summary_draws_sampler_stats_and_report()
    {
        var outDir = Path.Combine(_dir, "out");
        var (code, stdout, stderr) = Run("fit", "--data", TestPaths.ExampleData("sleepstudy.csv"),
            "--formula", "Reaction ~ 1 + Days + (1 + Days | Subject)", "--chains", "2", "--warmup", "150", "--draws", "100",
            "--seed", "7", "--output", outDir, "--quiet");
        Assert.True(code == 0, stderr + stdout);
        Assert.Contains("b_Days", stdout);
        Assert.Contains("cor_Subject__Intercept__Days", stdout);

        var summary = File.ReadAllLines(Path.Combine(outDir, "summary.csv"));
        Assert.Equal("variable,mean,sd,q5,q50,q95,rhat,ess_bulk,ess_tail", summary[0]);
        Assert.Contains(summary, l => l.StartsWith("\"r_Subject[308,Intercept]\",", StringComparison.Ordinal));

        var draws = File.ReadAllLines(Path.Combine(outDir, "draws.csv"));
        Assert.StartsWith(".chain,.iteration,.draw,b_Intercept,b_Days,", draws[0]);
        Assert.Equal(1 + 2 * 100, draws.Length);
        Assert.StartsWith("2,100,200,", draws[^1]);

        Assert.Equal(1 + 2 * 100, File.ReadAllLines(Path.Combine(outDir, "sampler.csv")).Length);

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "fit.json")));
        var root = json.RootElement;
        Assert.Equal("Reaction ~ 1 + Days + (1 + Days | Subject)", root.GetProperty("formula").GetString());
        Assert.Equal("gaussian", root.GetProperty("family").GetString());
        Assert.Equal(7UL, root.GetProperty("sampler").GetProperty("seed").GetUInt64());
        Assert.Equal(2, root.GetProperty("adaptation").GetArrayLength());
        Assert.True(root.GetProperty("priors").GetArrayLength() >= 4);
    }

    [Fact]
    public void Same_seed_gives_identical_draws_files()
    {
        string[] Args(string dir) => ["fit", "--data", TestPaths.ExampleData("cbpp.csv"), "--family", "binomial",
            "--formula", "incidence | trials(size) ~ period + (1 | herd)", "--factor", "period", "--chains", "2", "--warmup", "100", "--draws", "50", "--seed", "3", "--output", dir, "--quiet"];
        var a = Path.Combine(_dir, "a");
        var b = Path.Combine(_dir, "b");
        Assert.Equal(0, Run(Args(a)).Code);
        Assert.Equal(0, Run(Args(b)).Code);
        Assert.Equal(File.ReadAllText(Path.Combine(a, "draws.csv")), File.ReadAllText(Path.Combine(b, "draws.csv")));
    }

    /// <summary>User errors: exit code 1, one line starting "error:" that names the culprit, no stack trace.</summary>
    [Theory]
    [InlineData("missing-file", "y ~ x", "nope.csv")]
    [InlineData("data", "y ~ z", "'z'")]                  // unknown column
    [InlineData("data", "y ~ (1 + x | )", "^")]           // formula error with a caret under the character
    public void User_errors_are_one_clear_line(string data, string formula, string expected)
    {
        string path = data == "missing-file" ? Path.Combine(_dir, "nope.csv") : WriteCsv("y,x\n1,2\n3,4\n5,6\n");
        var (code, _, stderr) = Run("fit", "--data", path, "--formula", formula, "--quiet");
        Assert.Equal(1, code);
        Assert.StartsWith("error:", stderr);
        Assert.Contains(expected, stderr);
        Assert.DoesNotContain("   at ", stderr);
    }

    [Fact]
    public void Missing_value_names_column_and_row_and_drop_missing_reports_count()
    {
        var rows = string.Join("\n", Enumerable.Range(0, 30).Select(i => i == 4 ? "NA,1" : $"{Math.Sin(i):R},{i % 3}"));
        var path = WriteCsv("y,x\n" + rows + "\n");
        var (code, _, stderr) = Run("fit", "--data", path, "--formula", "y ~ x", "--quiet");
        Assert.Equal(1, code);
        Assert.Contains("'y'", stderr);
        Assert.Contains("row 5", stderr);

        var (code2, stdout2, stderr2) = Run("fit", "--data", path, "--formula", "y ~ x", "--quiet", "--drop-missing",
            "--chains", "1", "--warmup", "100", "--draws", "100", "--seed", "1");
        Assert.True(code2 == 0, stderr2);
        Assert.Contains("1 rows with missing values were dropped", stdout2);
    }

    [Fact]
    public void Invalid_response_for_family_is_a_clear_error()
    {
        var path = WriteCsv("y,x\n0,1\n1,2\n2,3\n");
        var (code, _, stderr) = Run("fit", "--data", path, "--formula", "y ~ x", "--family", "bernoulli", "--quiet");
        Assert.Equal(1, code);
        Assert.Contains("'y'", stderr);
        Assert.Contains("row 3", stderr);
    }
}
