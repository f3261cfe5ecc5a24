using GpuHbm.Data;
using GpuHbm.Predictions;
using GpuHbm.Reports;
using GpuHbm.Results;
using GpuHbm.Tests.Reports;
using Xunit;

namespace GpuHbm.Tests.Predictions;

/// <summary>Posterior predictive checks: statistics recomputed from the replicated data, p-values, and the plots in a browser.</summary>
public class PosteriorPredictiveCheckTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gpuhbm-ppc-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly Lazy<Fit> Cbpp = new(() => Glmm.Fit("incidence | trials(size) ~ period + (1 | herd)",
        DataTable.ReadCsv(TestPaths.ExampleData("cbpp.csv")),
        new FitOptions { Family = "binomial", Factors = ["period"], Chains = 2, Warmup = 200, Draws = 100, Seed = 41 }));

    private static readonly Lazy<Fit> Sleep = new(() => Glmm.Fit("Reaction ~ 1 + Days + (1 + Days | Subject)",
        DataTable.ReadCsv(TestPaths.ExampleData("sleepstudy.csv")), new FitOptions { Chains = 2, Warmup = 150, Draws = 60, Seed = 42 }));

    [Fact]
    public void Statistics_equal_those_of_the_replicated_data_sets_themselves()
    {
        var fit = Cbpp.Value;
        var check = PosteriorPredictiveCheck.Compute(fit, new CheckOptions { Replicates = 40 });
        Assert.Equal(40, check.Replicates);
        // The same replicated data, from the engine directly (draws 2.5, 7.5, ... of 200 → 2, 7, ...).
        var engine = new PosteriorPredictor(fit, PredictionRows.FromFit(fit.Model));
        var draws = Enumerable.Range(0, 40).Select(k => (int)((k + 0.5) * 200 / 40)).ToArray();
        var rep = engine.Compute(PredictionScale.PosteriorPredictive, draws, 0, 56);
        var y = DataTable.ReadCsv(TestPaths.ExampleData("cbpp.csv"))["incidence"].Numeric();
        for (int k = 0; k < 40; k++)
        {
            var r = rep.AsSpan(k * 56, 56).ToArray();
            Assert.Equal(r.Average(), check["mean"].Replicated[k], 1e-10);
            Assert.Equal(GpuHbm.Diagnostics.SampleStatistics.StandardDeviation(r), check["sd"].Replicated[k], 1e-9);
            Assert.Equal(r.Max(), check["max"].Replicated[k]);
            Assert.Equal(r.Count(v => v == 0) / 56.0, check["prop_zero"].Replicated[k]);
        }
        Assert.Equal(y.Average(), check["mean"].Observed, 1e-12);
        Assert.Equal(y.Count(v => v == 0) / 56.0, check["prop_zero"].Observed);
        var p = check["mean"];
        Assert.Equal((p.Replicated.Count(v => v > p.Observed) + 0.5 * p.Replicated.Count(v => v == p.Observed)) / 40, p.PValue, 1e-12);
        // Per-herd means: herd 1's observed mean and its replicated means.
        var herd1 = check.Groups.Single(g => g.Level == "1");
        Assert.Equal(4, herd1.Rows);
        Assert.Equal(y.Take(4).Average(), herd1.Observed, 1e-12);
        for (int k = 0; k < 40; k++) Assert.Equal(rep.AsSpan(k * 56, 4).ToArray().Average(), herd1.Replicated[k], 1e-10);
        Assert.NotNull(check.CountValues);
        Assert.Equal(y.Count(v => v == 2), check.ObservedCounts![2]);
    }

    [Fact]
    public void A_model_that_fits_gives_central_p_values_and_a_wrong_one_extreme_ones()
    {
        // Sleepstudy with its own model: the mean and sd are reproduced. Without the subject terms the
        // per-subject means are not: many fall outside their replicated intervals.
        var good = PosteriorPredictiveCheck.Compute(Sleep.Value, new CheckOptions { Replicates = 120 });
        Assert.InRange(good["mean"].PValue, 0.05, 0.95);
        Assert.InRange(good["sd"].PValue, 0.05, 0.95);
        Assert.DoesNotContain(good.Statistics, s => s.Name == "prop_zero");
        var data = DataTable.ReadCsv(TestPaths.ExampleData("sleepstudy.csv"));
        var pooled = Glmm.Fit("Reaction ~ 1 + Days", data, new FitOptions { Chains = 2, Warmup = 150, Draws = 60, Seed = 43 });
        var bad = PosteriorPredictiveCheck.Compute(pooled, new CheckOptions { Replicates = 120, Group = "Subject" });
        Assert.Equal("Subject", bad.Group);
        static bool Extreme(GroupCheck g) => g.PValue < 0.025 || g.PValue > 0.975;
        int goodExtreme = good.Groups.Count(Extreme);
        // Posterior predictive p-values are conservative (pulled toward ½), so fewer than the nominal 5 % of 18.
        Assert.True(goodExtreme <= 3, $"{goodExtreme} of 18 subjects extreme under the model with subject effects");

        // Which subjects the pooled model cannot reproduce follows from the data alone: a subject's mean residual from
        // the least-squares line over its predictive sd σ̂/√n_g (z). |z| > 3 must be flagged (4 subjects), |z| < 1.4
        // must not (11): the margins cover the Monte Carlo error of 120 replicates and the line's posterior spread.
        var y = data["Reaction"].Numeric();
        var x = data["Days"].Numeric();
        var subject = data["Subject"].Raw;
        double mx = x.Average(), my = y.Average();
        double slope = x.Zip(y).Sum(t => (t.First - mx) * (t.Second - my)) / x.Sum(v => (v - mx) * (v - mx)), intercept = my - slope * mx;
        var residual = y.Select((v, i) => v - intercept - slope * x[i]).ToArray();
        double sigma = Math.Sqrt(residual.Sum(r => r * r) / (y.Length - 2));
        var z = Enumerable.Range(0, y.Length).GroupBy(i => subject[i]!)
            .ToDictionary(g => g.Key, g => g.Average(i => residual[i]) / (sigma / Math.Sqrt(g.Count())));
        Assert.Equal(4, z.Count(kv => Math.Abs(kv.Value) > 3));
        Assert.Equal(11, z.Count(kv => Math.Abs(kv.Value) < 1.4));
        foreach (var g in bad.Groups)
        {
            if (Math.Abs(z[g.Level]) > 3) Assert.True(Extreme(g), $"subject {g.Level} (z = {z[g.Level]:F2}) not flagged: p = {g.PValue}");
            if (Math.Abs(z[g.Level]) < 1.4) Assert.False(Extreme(g), $"subject {g.Level} (z = {z[g.Level]:F2}) flagged: p = {g.PValue}");
        }
        Assert.Contains("'Nothing'", Assert.Throws<GpuHbmModelException>(() => PosteriorPredictiveCheck.Compute(pooled, new CheckOptions { Group = "Nothing" })).Message);
    }

    [Fact]
    public void The_plots_render_in_headless_chromium()
    {
        if (HeadlessChromium.Path is null) Assert.Skip("chromium not found (/usr/bin/chromium or GPUHBM_CHROMIUM); the plots were not rendered");
        string counts = Directory.CreateDirectory(Path.Combine(_dir, "cbpp")).FullName;
        var files = CheckPlots.SaveAll(PosteriorPredictiveCheck.Compute(Sleep.Value, new CheckOptions { Replicates = 60 }), _dir)
            .Concat(CheckPlots.SaveAll(PosteriorPredictiveCheck.Compute(Cbpp.Value, new CheckOptions { Replicates = 60 }), counts)
                .Select(f => Path.Combine("cbpp", f))).ToList();
        Assert.Contains("ppc_density.svg", files);
        Assert.Contains(Path.Combine("cbpp", "ppc_bars.svg"), files);
        foreach (var name in new[] { "ppc_density.svg", "ppc_groups.svg", "ppc_stat_sd.svg", Path.Combine("cbpp", "ppc_bars.svg") })
        {
            string svg = Path.GetFullPath(Path.Combine(_dir, name)), png = Path.Combine(_dir, Path.GetFileName(name) + ".png");
            HeadlessChromium.Screenshot(new Uri(svg).AbsoluteUri, png, 700, 450);
            Assert.True(File.Exists(png), $"no screenshot of {name}");
            var (ink, colours) = HeadlessChromium.Ink(png);
            Assert.True(ink > 0.01 && colours > 8, $"{name} looks blank: {ink:P1} non-background pixels, {colours} colours");
        }
    }
}
