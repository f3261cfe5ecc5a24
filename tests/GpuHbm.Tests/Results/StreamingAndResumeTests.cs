using System.Text.Json;
using GpuHbm.Data;
using GpuHbm.Results;
using GpuHbm.Sampling;
using Xunit;

namespace GpuHbm.Tests.Results;

/// <summary>
/// Draws streamed to the fit folder with a manifest, and runs resumed from their checkpoints giving the draws of an
/// uninterrupted run bit for bit (CPU backend), for NUTS and ChEES, stopped in warm-up or in sampling, once or twice.
/// </summary>
public class StreamingAndResumeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gpuhbm-resume-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly Lazy<DataTable> Sleep = new(() => DataTable.ReadCsv(TestPaths.ExampleData("sleepstudy.csv")));
    private const string Formula = "Reaction ~ 1 + Days + (1 + Days | Subject)";

    /// <param name="sampler">"nuts", "chees", or "nuts:METRIC" for NUTS with a metric adaptation (stan-diag, diag, low-rank);
    /// "chees:auto" for ChEES with 32 chains in 2 superchains, the automatic warm-up and a target ESS (its stopping rule
    /// needs the draws kept before the checkpoint).</param>
    private static FitOptions Options(string sampler, string dir) => sampler == "chees:auto"
        ? new()
        {
            Chains = 32, Warmup = null, MaxWarmup = 400, Draws = 120, TargetEss = 500, Seed = 11, Sampler = "chees", Backend = "cpu",
            OutputDirectory = dir, CheckpointInterval = TimeSpan.FromMilliseconds(1),
        }
        : new()
        {
            Chains = sampler == "chees" ? 8 : 2, Warmup = 150, Draws = 120, Seed = 11, Sampler = sampler.Split(':')[0], Backend = "cpu",
            Metric = sampler.Contains(':') ? sampler.Split(':')[1] : null,
            OutputDirectory = dir, CheckpointInterval = TimeSpan.FromMilliseconds(1),
        };

    /// <summary>Cancels the run once any chain reports at least <paramref name="iteration"/> iterations (warm-up + sampling).</summary>
    private sealed class StopAt(int iteration, CancellationTokenSource cts) : IProgress<ChainProgress>
    {
        public void Report(ChainProgress value)
        {
            if (value.Iteration >= iteration) cts.Cancel();
        }
    }

    private static Fit RunStopped(FitPlan plan, int stopAt)
    {
        using var cts = new CancellationTokenSource();
        return plan.Run(new StopAt(stopAt, cts), cts.Token);
    }

    /// <summary>The options with automatic centring and a longer warm-up when <paramref name="warmup"/> is given.</summary>
    private static FitOptions Centred(FitOptions options, int? warmup) =>
        warmup is { } w ? options with { Warmup = w, AutomaticCentring = true } : options;

    private string Reference(string sampler, string formula = Formula, int? warmup = null)
    {
        string dir = Path.Combine(_dir, "reference-" + sampler.Replace(':', '-'));
        var fit = Glmm.Plan(formula, Sleep.Value, Centred(Options(sampler, dir), warmup)).Run();
        Assert.False(fit.StoppedEarly);
        return dir;
    }

    [Theory]
    [InlineData("nuts", new[] { 60 })]          // in warm-up
    [InlineData("nuts", new[] { 200 })]         // in sampling
    [InlineData("nuts", new[] { 40, 90, 230 })] // three times, in both phases
    [InlineData("nuts:diag", new[] { 50, 120, 200 })]     // nutpie's metric: its estimators' sums and windows are checkpointed
    [InlineData("nuts:low-rank", new[] { 50, 120, 200 })] // the low-rank estimator keeps its draws and gradients
    [InlineData("chees", new[] { 60 })]         // ChEES repeats warm-up
    [InlineData("chees", new[] { 200, 240 })]   // ChEES from its sampling checkpoints
    [InlineData("chees:auto", new[] { 60, 130, 150 })] // auto warm-up repeated; then sampling with a target ESS resumed twice
    public void A_stopped_run_resumed_gives_the_uninterrupted_draws_bit_for_bit(string sampler, int[] stops) =>
        StopAndResume(sampler, stops, Formula);

    [Theory]
    [InlineData("nuts:diag", new[] { 25, 60, 120, 350 })]  // before and while observing, after automatic centring (warm-up iterations 45–90)
    [InlineData("nuts:stan-diag", new[] { 70, 350 })]
    public void A_stopped_run_with_automatic_centring_resumed_gives_the_uninterrupted_draws_bit_for_bit(string sampler, int[] stops) =>
        StopAndResume(sampler, stops, "Reaction ~ 1 + Days + (1 + Days || Subject)", warmup: 300);

    /// <summary>
    /// Sleepstudy's (1 | Subject) is pinned down by 10 rows a subject: a chain centres all 18 levels and the intercept
    /// into them (hierarchical centring; with this short warm-up one of the two chains does), whose coordinates the
    /// checkpoint must restore. Stops before and while observing,
    /// after centring in warm-up, and in sampling.
    /// </summary>
    [Fact]
    public void A_stopped_run_with_the_intercept_centred_into_a_random_intercept_resumed_gives_the_uninterrupted_draws_bit_for_bit() =>
        StopAndResume("nuts:diag", [25, 60, 120, 350], "Reaction ~ 1 + Days + (1 | Subject)", warmup: 300, interceptCentred: true);

    private void StopAndResume(string sampler, int[] stops, string formula, int? warmup = null, bool interceptCentred = false)
    {
        string reference = Reference(sampler, formula, warmup);
        bool centred = warmup is not null;
        if (centred)
        {
            // Read back from fit.json: the per-chain weights and the term holding the intercept.
            var adaptation = Fit.Load(reference).Adaptation;
            Assert.True(adaptation.Any(a => a.CentredEffects > 0), "no chain of the reference run centred anything");
            if (interceptCentred) Assert.Contains(adaptation, a => a.InterceptTermOffset is not null);
        }
        string dir = Path.Combine(_dir, "stopped-" + sampler.Replace(':', '-'));
        var first = RunStopped(Glmm.Plan(formula, Sleep.Value, Centred(Options(sampler, dir), warmup)), stops[0]);
        Assert.True(first.StoppedEarly);
        Assert.Equal(FitManifest.Stopped, FitFolder.ReadManifest(dir).Status);
        AssertPrefixOf(reference, dir);
        foreach (int stop in stops.Skip(1))
        {
            var again = RunStopped(Glmm.Resume(dir), stop);
            Assert.True(again.StoppedEarly);
            AssertPrefixOf(reference, dir);
        }
        var fit = Glmm.Resume(dir).Run();
        Assert.False(fit.StoppedEarly);
        Assert.Equal(File.ReadAllBytes(Path.Combine(reference, "draws.csv")), File.ReadAllBytes(Path.Combine(dir, "draws.csv")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(reference, "sampler.csv")), File.ReadAllBytes(Path.Combine(dir, "sampler.csv")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(reference, "summary.csv")), File.ReadAllBytes(Path.Combine(dir, "summary.csv")));
        if (sampler.StartsWith("chees", StringComparison.Ordinal))
        {
            // The warm-up's report (length, checks, verdict, initialisation cost), the sampling statistics and the gradient
            // count travel with the checkpoint: the resumed fit reports what the uninterrupted one did.
            using var expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(reference, "fit.json")));
            using var actual = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "fit.json")));
            JsonElement Ensemble(JsonDocument d) => d.RootElement.GetProperty("ensemble");
            Assert.Equal(Ensemble(expected).GetProperty("warmup").GetRawText(), Ensemble(actual).GetProperty("warmup").GetRawText());
            Assert.Equal(Ensemble(expected).GetProperty("sampling").GetRawText(), Ensemble(actual).GetProperty("sampling").GetRawText());
            Assert.Equal(Ensemble(expected).GetProperty("initialization").GetProperty("gradient_evaluations").GetInt64(),
                Ensemble(actual).GetProperty("initialization").GetProperty("gradient_evaluations").GetInt64());
            Assert.Equal(expected.RootElement.GetProperty("converged").GetBoolean(), actual.RootElement.GetProperty("converged").GetBoolean());
            foreach (var key in new[] { "gradient_evaluations", "warmup_gradient_evaluations" })
                Assert.Equal(expected.RootElement.GetProperty("timings").GetProperty(key).GetInt64(), actual.RootElement.GetProperty("timings").GetProperty(key).GetInt64());
        }
        var manifest = FitFolder.ReadManifest(dir);
        Assert.Equal(FitManifest.Finished, manifest.Status);
        Assert.Equal(stops.Length, manifest.Resumed);
        Assert.False(File.Exists(Path.Combine(dir, FitFolder.CheckpointFile)));
    }

    /// <summary>Every chain's rows in <paramref name="partial"/>/draws.csv are the first rows of that chain in the reference.</summary>
    internal static void AssertPrefixOf(string reference, string partial)
    {
        var full = DrawsCsvReader.ReadDraws(Path.Combine(reference, "draws.csv"));
        var part = DrawsCsvReader.ReadDraws(Path.Combine(partial, "draws.csv"), full.ChainCount);
        Assert.Equal(full.Names, part.Names);
        for (int c = 0; c < full.ChainCount; c++)
        {
            Assert.True(part.DrawCount(c) <= full.DrawCount(c));
            for (int i = 0; i < part.DrawCount(c); i++) Assert.Equal(full.Draw(c, i).ToArray(), part.Draw(c, i).ToArray());
        }
    }

    [Fact]
    public void The_manifest_records_the_settings_and_how_far_each_chain_got()
    {
        string dir = Path.Combine(_dir, "manifest");
        var fit = RunStopped(Glmm.Plan(Formula, Sleep.Value, Options("nuts", dir)), 200);
        var m = FitFolder.ReadManifest(dir);
        Assert.Equal(Formula, m.Settings.Formula);
        Assert.Equal(11UL, m.Settings.Seed);
        Assert.Equal(Path.GetFullPath(TestPaths.ExampleData("sleepstudy.csv")), m.Settings.DataPath);
        Assert.Equal(DataFingerprint.ContentSha256(Sleep.Value), m.Settings.DataFingerprint);
        Assert.Equal(2, m.Chains.Count);
        for (int c = 0; c < 2; c++)
        {
            Assert.Equal(fit.Draws.DrawCount(c), m.Chains[c].DrawsWritten);
            Assert.Equal(fit.Draws.DrawCount(c), m.Chains[c].CheckpointDraws);
        }
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, FitFolder.ManifestFile)));
        Assert.Equal("stopped", json.RootElement.GetProperty("status").GetString());
        Assert.True(json.RootElement.GetProperty("chains")[0].GetProperty("draws_written").GetInt32() > 0);
    }

    [Fact]
    public void Resume_refuses_changed_data()
    {
        string dir = Path.Combine(_dir, "changed");
        RunStopped(Glmm.Plan(Formula, Sleep.Value, Options("nuts", dir)), 60);
        var changed = DataTable.FromColumns(Sleep.Value.Columns.Select(c => (c.Name, c.Raw.Select((v, i) => (object)(i == 5 && c.Name == "Reaction" ? "300" : v!)).ToArray())).ToArray());
        var e = Assert.Throws<GpuHbmException>(() => Glmm.Resume(dir, changed));
        Assert.Contains("differ", e.Message);
    }

    [Fact]
    public void Streamed_rows_reach_the_disk_while_sampling_runs()
    {
        string dir = Path.Combine(_dir, "live");
        int seen = 0;
        var plan = Glmm.Plan(Formula, Sleep.Value, Options("nuts", dir) with { Draws = 400, CheckpointInterval = TimeSpan.FromMilliseconds(20) });
        var probe = new Probe(() =>
        {
            // Read the folder as another process would, while the run goes on.
            var m = FitFolder.ReadManifest(dir);
            if (m.Status == FitManifest.Running) seen = Math.Max(seen, DrawsCsvReader.ReadDraws(Path.Combine(dir, "draws.csv")).TotalDrawCount);
        });
        plan.Run(probe, CancellationToken.None);
        Assert.True(seen > 0, "no streamed draws were visible during the run");
    }

    private sealed class Probe(Action onSampling) : IProgress<ChainProgress>
    {
        private int _calls;
        public void Report(ChainProgress value)
        {
            if (value.Phase == SamplerPhase.Sampling && value.Chain == 0 && Interlocked.Increment(ref _calls) % 10 == 0)
            {
                Thread.Sleep(30);
                onSampling();
            }
        }
    }
}
