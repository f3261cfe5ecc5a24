using System.Globalization;
using GpuHbm.Cli;
using GpuHbm.Results;
using Xunit;

namespace GpuHbm.Tests.Cli;

/// <summary>`gpuhbm predict`, `loo` and `compare` on saved fits.</summary>
public class PredictionCommandsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gpuhbm-predict-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args) => GpuHbm.Tests.Cli.CliRunner.Run(args);

    private string FitSleep(string name, string formula, string? data = null)
    {
        string outDir = Path.Combine(_dir, name);
        var (code, stdout, stderr) = Run("fit", "--data", data ?? TestPaths.ExampleData("sleepstudy.csv"), "--formula", formula,
            "--chains", "2", "--warmup", "150", "--draws", "100", "--seed", "5", "--output", outDir, "--quiet");
        Assert.True(code == 0, stderr + stdout);
        return outDir;
    }

    [Fact]
    public void Predict_writes_summaries_for_new_rows_and_names_new_levels()
    {
        string fit = FitSleep("sleep", "Reaction ~ 1 + Days + (1 + Days | Subject)");
        string data = Path.Combine(_dir, "new.csv"), pred = Path.Combine(_dir, "pred.csv"), draws = Path.Combine(_dir, "draws.csv");
        File.WriteAllText(data, "Days,Subject\n0,308\n9,308\n4,new1\n");

        var (code, _, err) = Run("predict", "--fit", fit, "--data", data, "--output", pred);
        Assert.Equal(1, code);
        Assert.Contains("'new1'", err);
        Assert.Contains("--new-levels", err);

        (code, var stdout, err) = Run("predict", "--fit", fit, "--data", data, "--output", pred, "--new-levels", "sample",
            "--type", "linpred,epred", "--probs", "0.025,0.975", "--draws-output", draws);
        Assert.True(code == 0, err);
        Assert.Contains("1 of Subject (sample)", stdout);
        var lines = File.ReadAllLines(pred);
        Assert.Equal(".row,Days,Subject,linpred_mean,linpred_sd,linpred_q2.5,linpred_q97.5,epred_mean,epred_sd,epred_q2.5,epred_q97.5", lines[0]);
        Assert.Equal(4, lines.Length);
        // Day 9 of subject 308 lies above day 0 (the slope is clearly positive); the new subject is the least certain.
        double Cell(int row, string column) => double.Parse(lines[row].Split(',')[Array.IndexOf(lines[0].Split(','), column)], CultureInfo.InvariantCulture);
        Assert.True(Cell(2, "epred_mean") > Cell(1, "epred_mean"));
        Assert.True(Cell(3, "epred_sd") > Cell(1, "epred_sd"));
        Assert.True(Cell(1, "linpred_q2.5") < Cell(1, "linpred_mean") && Cell(1, "linpred_mean") < Cell(1, "linpred_q97.5"));
        var drawLines = File.ReadAllLines(draws);
        Assert.Equal(".chain,.iteration,.draw,.row,linpred,epred", drawLines[0]);
        Assert.Equal(1 + 3 * 200, drawLines.Length);
    }

    [Fact]
    public void Predict_without_data_covers_the_fitted_rows_and_bad_options_are_named()
    {
        string fit = FitSleep("sleep", "Reaction ~ 1 + Days + (1 + Days | Subject)");
        string pred = Path.Combine(_dir, "own.csv");
        var (code, _, err) = Run("predict", "--fit", fit, "--output", pred);
        Assert.True(code == 0, err);
        Assert.Equal(181, File.ReadAllLines(pred).Length);
        (code, _, err) = Run("predict", "--fit", fit, "--output", pred, "--type", "fitted");
        Assert.Equal(1, code);
        Assert.Contains("unknown prediction type 'fitted'", err);
        (code, _, err) = Run("predict", "--fit", Path.Combine(_dir, "nothing"), "--output", pred);
        Assert.Equal(1, code);
        Assert.Contains("does not exist", err);
    }

    [Fact]
    public void Loo_prints_the_estimates_and_compare_ranks_the_models()
    {
        string full = FitSleep("slopes", "Reaction ~ 1 + Days + (1 + Days | Subject)");
        string small = FitSleep("intercepts", "Reaction ~ 1 + Days + (1 | Subject)");
        string looDir = Path.Combine(_dir, "loo");
        var (code, stdout, err) = Run("loo", "--fit", full, "--output", looDir);
        Assert.True(code == 0, err);
        Assert.Contains("elpd_loo", stdout);
        Assert.Contains("Pareto k diagnostic values", stdout);
        Assert.Equal(181, File.ReadAllLines(Path.Combine(looDir, "loo_pointwise.csv")).Length);
        var estimates = File.ReadAllLines(Path.Combine(looDir, "loo.csv"));
        Assert.Equal("quantity,estimate,se", estimates[0]);

        string table = Path.Combine(_dir, "compare.csv");
        (code, stdout, err) = Run("compare", small, full, "--output", table);
        Assert.True(code == 0, err);
        var rows = File.ReadAllLines(table);
        Assert.Equal("model,elpd_diff,se_diff,elpd_loo,se_elpd_loo,p_loo,se_p_loo,looic,se_looic", rows[0]);
        // Varying slopes fit sleepstudy far better (brms: elpd_diff about −20 for intercepts only).
        Assert.StartsWith("slopes,0,0,", rows[1]);
        Assert.StartsWith("intercepts,-", rows[2]);
        double diff = double.Parse(rows[2].Split(',')[1], CultureInfo.InvariantCulture), se = double.Parse(rows[2].Split(',')[2], CultureInfo.InvariantCulture);
        Assert.True(diff < -2 * se, $"elpd_diff {diff}, se {se}");
        Assert.True(Fit.Load(full).Draws.TotalDrawCount == 200);
    }

    [Fact]
    public void Every_command_on_a_saved_fit_takes_the_moved_data_file()
    {
        string data = Path.Combine(_dir, "sleep.csv"), moved = Path.Combine(_dir, "moved.csv");
        File.Copy(TestPaths.ExampleData("sleepstudy.csv"), data);
        string fit = FitSleep("moved", "Reaction ~ 1 + Days + (1 + Days | Subject)", data);
        File.Move(data, moved);
        foreach (var command in new[] { "predict", "effects", "check", "loo", "variance", "shrinkage", "hte", "profile", "report" })
        {
            var (code, help, err) = Run(command, "--help");
            Assert.True(code == 0, command + ": " + err);
            Assert.Contains("--fit-data", help);
        }
        var (c, _, e) = Run("variance", "--fit", fit);
        Assert.Equal(1, c);
        Assert.Contains("--fit-data", e);
        (c, var o, e) = Run("variance", "--fit", fit, "--fit-data", moved);
        Assert.True(c == 0, e);
        Assert.Contains("ICC Subject", o);
        (c, o, e) = Run("loo", "--fit", fit, "--fit-data", moved);
        Assert.True(c == 0, e);
        Assert.Contains("elpd_loo", o);
    }

    [Fact]
    public void Kfold_refits_and_keeps_each_group_in_one_fold()
    {
        string fit = FitSleep("kfold", "Reaction ~ 1 + Days + (1 + Days | Subject)");
        string file = Path.Combine(_dir, "kfold.csv");
        var (code, o, e) = Run("kfold", "--fit", fit, "--folds", "3", "--group", "Subject", "--warmup", "100", "--draws", "50", "--output", file);
        Assert.True(code == 0, e);
        Assert.Contains("Based on 3-fold cross-validation (grouped by Subject)", o);
        Assert.Contains("elpd_kfold", o);
        Assert.Contains("fold 3 of 3 refitted", e);
        var rows = File.ReadAllLines(file).Skip(1).Select(l => l.Split(',')).ToArray();
        Assert.Equal(180, rows.Length);
        var subject = GpuHbm.Data.DataTable.ReadCsv(TestPaths.ExampleData("sleepstudy.csv"))["Subject"].Raw;
        Assert.All(rows.GroupBy(r => subject[int.Parse(r[0], CultureInfo.InvariantCulture) - 1]), g => Assert.Single(g.Select(r => r[1]).Distinct()));
        Assert.Equal(["1", "2", "3"], rows.Select(r => r[1]).Distinct().Order());
        Assert.All(rows, r => Assert.True(double.Parse(r[2], CultureInfo.InvariantCulture) < 0));
        (code, _, e) = Run("kfold", "--fit", fit, "--folds", "19", "--group", "Subject");
        Assert.Equal(1, code);
        Assert.Contains("between 2 and 18", e);

        // loo --reloo: after the exact refits no observation is left with k above 0.7.
        (code, o, e) = Run("loo", "--fit", fit, "--reloo");
        Assert.True(code == 0, e);
        Assert.Contains("elpd_loo", o);
        Assert.DoesNotContain("Pareto k above 0.7", o);
    }
}
