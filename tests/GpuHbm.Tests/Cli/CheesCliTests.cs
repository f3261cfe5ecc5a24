using System.Text.Json;
using Xunit;

namespace GpuHbm.Tests.Cli;

/// <summary>`gpuhbm fit --sampler chees`: the automatic warm-up, the target ESS and the initialisation on the command line.</summary>
public class CheesCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gpuhbm-chees-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(args);

    /// <summary>Eight schools on the CPU with ChEES unless <paramref name="extra"/> names another sampler.</summary>
    private static string[] EightSchools(params string[] extra) =>
    [
        "fit", "--data", TestPaths.ExampleData("eight_schools.csv"), "--formula", "y | se(sigma) ~ 1 + (1 | school)",
        "--prior", "Intercept ~ normal(0, 5)", "--prior", "sd ~ cauchy(0, 5)", "--backend", "cpu", "--seed", "3", "--quiet",
        .. extra.Contains("--sampler") ? extra : ["--sampler", "chees", .. extra],
    ];

    [Fact]
    public void Auto_warm_up_is_the_ChEES_default_and_fit_json_records_initialisation_warm_up_and_target_ESS()
    {
        var outDir = Path.Combine(_dir, "auto");
        var (code, stdout, err) = Run(EightSchools("--chains", "64", "--draws", "200", "--target-ess", "1500", "--output", outDir));
        Assert.True(code == 0, err + stdout);
        Assert.Contains("64 chains x (auto warm-up (at most 1000) + up to 200 draws until bulk ESS 1500)", stdout);
        Assert.Contains("initialisation: L-BFGS from 4 dispersed starts", stdout);
        Assert.Matches(@"warm-up: auto, converged after \d+ iterations \(cap 1000\)", stdout);
        Assert.Contains("target bulk ESS 1500 reached", stdout);

        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "fit.json")));
        var root = doc.RootElement;
        Assert.True(root.GetProperty("converged").GetBoolean());
        var sampler = root.GetProperty("sampler");
        Assert.Equal("auto", sampler.GetProperty("warmup_mode").GetString());
        Assert.Equal(1000, sampler.GetProperty("max_warmup").GetInt32());
        Assert.Equal(1500, sampler.GetProperty("target_ess").GetInt32());
        Assert.Equal(4, sampler.GetProperty("nested_rhat_superchains").GetInt32());
        var ensemble = root.GetProperty("ensemble");
        var init = ensemble.GetProperty("initialization");
        Assert.Equal("laplace", init.GetProperty("method").GetString());
        Assert.True(init.GetProperty("gradient_evaluations").GetInt64() > 0);
        var warmup = ensemble.GetProperty("warmup");
        int iterations = warmup.GetProperty("iterations").GetInt32();
        Assert.True(warmup.GetProperty("converged").GetBoolean());
        Assert.Equal(iterations / new GpuHbm.Sampling.Chees.CheesOptions().RoundLength, warmup.GetProperty("checks").GetArrayLength());
        var sampling = ensemble.GetProperty("sampling");
        Assert.True(sampling.GetProperty("target_ess_reached").GetBoolean());
        Assert.True(sampling.GetProperty("ess_at_stop").GetDouble() >= 1500);
        int kept = root.GetProperty("draws_per_chain")[0].GetInt32();
        Assert.InRange(kept, 4, 199);
        var timings = root.GetProperty("timings");
        Assert.True(timings.GetProperty("warmup_gradient_evaluations").GetInt64() > init.GetProperty("gradient_evaluations").GetInt64());

        // The saved fit reloads with its automatic warm-up.
        var loaded = GpuHbm.Results.Fit.Load(outDir);
        Assert.True(loaded.Settings.Options.AutoWarmup);
        Assert.Equal(1500, loaded.Settings.Options.TargetEss);
        // … and with its ensemble report, so that the warm-up's verdict still counts in Converged.
        var warm = root.GetProperty("ensemble").GetProperty("warmup");
        Assert.NotNull(loaded.Ensemble);
        Assert.Equal(warm.GetProperty("iterations").GetInt32(), loaded.Ensemble!.WarmupIterations);
        Assert.Equal(warm.GetProperty("converged").GetBoolean(), loaded.Ensemble.WarmupConverged);
        Assert.Equal(warm.GetProperty("checks").GetArrayLength(), loaded.Ensemble.Checks.Count);
        Assert.Equal(warm.GetProperty("checks")[0].GetProperty("nested_rhat").GetDouble(), loaded.Ensemble.Checks[0].NestedRhat);
        Assert.Equal(init.GetProperty("gradient_evaluations").GetInt64(), loaded.Ensemble.Initialization.GradientEvaluations);
        Assert.Equal(root.GetProperty("converged").GetBoolean(), loaded.Converged);
    }

    [Fact]
    public void A_fixed_warm_up_still_runs_its_iterations()
    {
        var outDir = Path.Combine(_dir, "fixed");
        var (code, stdout, err) = Run(EightSchools("--chains", "32", "--warmup", "120", "--draws", "20", "--output", outDir));
        Assert.True(code == 0, err + stdout);
        Assert.Contains("32 chains x (120 warm-up + 20 draws)", stdout);
        Assert.Matches(@"warm-up: fixed, 120 iterations", stdout);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "fit.json")));
        Assert.Equal("fixed", doc.RootElement.GetProperty("sampler").GetProperty("warmup_mode").GetString());
        Assert.Equal(120, doc.RootElement.GetProperty("ensemble").GetProperty("warmup").GetProperty("iterations").GetInt32());
    }

    [Theory]
    [InlineData("--warmup auto needs --sampler chees", "--sampler", "nuts", "--warmup", "auto")]
    [InlineData("--warmup auto needs superchains", "--chains", "8", "--warmup", "auto")]
    [InlineData("--warmup must be a whole number of iterations or auto; 'soon' is not one", "--warmup", "soon")]
    [InlineData("--target-ess needs --sampler chees", "--sampler", "nuts", "--target-ess", "400")]
    [InlineData("--init must be auto, laplace, prior or uniform (got 'best')", "--init", "best")]
    [InlineData("--init prior needs --sampler chees", "--sampler", "nuts", "--init", "prior")]
    public void Bad_warm_up_and_initialisation_options_are_one_clear_error(string expected, params string[] options)
    {
        var (code, _, err) = Run(EightSchools(options));
        Assert.NotEqual(0, code);
        Assert.Contains(expected, err);
    }
}
