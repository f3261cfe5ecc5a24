using System.Globalization;
using GpuHbm.Data;
using GpuHbm.Results;
using Xunit;

namespace GpuHbm.Tests.Posteriors;

/// <summary>
/// Many short chains (issue 8): ChEES-HMC with 256 chains in one CPU ensemble, the default initialisation (L-BFGS from
/// dispersed starts, a Laplace draw around each optimum, one start per superchain of 16 chains; 32 with 1,024 chains), the automatic warm-up
/// (at most 300 iterations) and 50 draws per chain, against the same Stan/posteriordb reference posteriors, models and
/// priors as <see cref="ReferencePosteriorTests"/>: every reference quantity must match (mean within 0.1 reference sd,
/// sd within 10 %), nested R-hat &lt; 1.01 (Margossian et al. 2024), the warm-up must report convergence, and the fit
/// must carry no convergence warning.
/// </summary>
[Trait("Category", "Slow")]
public class CheesReferencePosteriorTests(ITestOutputHelper output)
{
    private const int Chains = 256, MaxWarmup = 300, Draws = 50;

    private Fit FitExample(string file, string formula, string family, string[] priors, string[]? factors = null, int? chains = Chains, int draws = Draws)
    {
        var options = new FitOptions
        {
            Family = family, Priors = priors, Factors = factors ?? [], MaxWarmup = MaxWarmup, Draws = draws, Seed = 20261122,
            Sampler = "chees", Backend = "cpu",
        };
        var fit = Glmm.Fit(formula, DataTable.ReadCsv(TestPaths.ExampleData(file)), chains is { } c ? options with { Chains = c } : options);
        var e = fit.Ensemble!;
        output.WriteLine(e.Describe());
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"mean leapfrog steps {fit.Statistics.Average(s => s.LeapfrogSteps.Average()):F1}, " +
            $"divergences {fit.Report.Divergences}, pooled E-BFMI {fit.Report.EbfmiPooled:F3}, " +
            $"max R-hat {fit.Summary.Rows.Max(r => r.Rhat):F4}, max nested R-hat {fit.Summary.Rows.Max(r => r.NestedRhat):F4}, gradients {fit.GradientEvaluations}"));
        foreach (var w in fit.Report.Warnings) output.WriteLine("warning: " + w);
        return fit;
    }

    private static void AssertAll(ReferencePosterior reference, Func<string, double[]> drawsOf, Fit fit, int chains = Chains, int draws = Draws)
    {
        var failures = reference.Variables.Select(v => reference.Check(v, drawsOf(v))).Where(m => m is not null).ToList();
        Assert.True(failures.Count == 0, $"{failures.Count} of {reference.Variables.Count()} quantities differ from the reference:\n" + string.Join("\n", failures));

        var e = fit.Ensemble!;
        Assert.True(e.AutoWarmup);
        // Sampling runs at dual averaging's averaged step size. The harmonic mean over the chains is spiky (one chain of
        // 64–1,024 near 0 pulls an iteration's value to ~0), so its mean over the draws lands anywhere in 0.43–0.91 with
        // 64 or 256 chains; the per-chain mean acceptance is steadier, 0.84–0.97 (benchmarks/results/
        // chees-vs-nuts-v2-2026-11-30.md). The bounds catch a collapsed (→ 1) or oversized step size.
        Assert.InRange(e.SamplingHarmonicMeanAcceptance, 0.3, 0.97);
        double meanAcceptance = fit.Statistics.Average(s => s.AcceptStat.Average());
        Assert.InRange(meanAcceptance, 0.6, 0.99);
        Assert.True(fit.Report.EbfmiPooled > 0.3, $"pooled E-BFMI {fit.Report.EbfmiPooled}");
        Assert.True(e.WarmupConverged, $"warm-up not converged: {e.NotConvergedReason}");
        Assert.InRange(e.WarmupIterations, 1, MaxWarmup);
        Assert.Equal(chains / FitOptions.DefaultSuperchainSize(chains), e.Superchains);
        Assert.True(e.Initialization.GradientEvaluations > 0);
        Assert.True(fit.Summary.HasNestedRhat);
        double nested = fit.Summary.Rows.Max(r => r.NestedRhat);
        Assert.True(nested < 1.01, $"max nested R-hat {nested}");
        Assert.True(fit.Converged, string.Join("\n", fit.Report.ConvergenceProblems));
        Assert.True(fit.Report.Divergences < 0.01 * chains * draws, $"{fit.Report.Divergences} divergent transitions");
    }

    [Fact]
    public void Eight_schools_noncentered_matches_posteriordb()
    {
        var fit = FitExample("eight_schools.csv", ReferenceCases.EightSchoolsFormula, "gaussian", ReferenceCases.EightSchoolsPriors);
        AssertAll(ReferencePosterior.Load("eight_schools_noncentered.csv"), ReferenceCases.EightSchools(fit), fit);
    }

    [Fact]
    public void Sleepstudy_correlated_slopes_match_stan()
    {
        var fit = FitExample("sleepstudy.csv", ReferenceCases.SleepstudyFormula, "gaussian", ReferenceCases.SleepstudyPriors);
        AssertAll(ReferencePosterior.Load("sleepstudy.csv"), ReferenceCases.Sleepstudy(fit), fit);
    }

    [Fact]
    public void Radon_varying_intercept_and_slope_matches_stan()
    {
        var fit = FitExample("radon_mn.csv", ReferenceCases.RadonFormula, "gaussian", ReferenceCases.RadonPriors);
        AssertAll(ReferencePosterior.Load("radon_mn.csv"), ReferenceCases.Radon(fit), fit);
    }

    [Fact]
    public void Cbpp_binomial_matches_stan()
    {
        var fit = FitExample("cbpp.csv", ReferenceCases.CbppFormula, "binomial", ReferenceCases.CbppPriors, ReferenceCases.CbppFactors);
        AssertAll(ReferencePosterior.Load("cbpp.csv"), ReferenceCases.Cbpp(fit), fit);
    }

    /// <summary>
    /// ChEES's default ensemble (<see cref="FitOptions.DefaultCheesChains"/> = 64 chains, 4 superchains of 16), whose
    /// warm-up costs fewer gradients than 4 NUTS chains' (benchmarks/results/chees-vs-nuts-v2-2026-11-30.md), on every
    /// reference posterior: 200 draws per chain (as many draws in all as 256 × 50, so the 0.1-sd tolerance is as many
    /// Monte Carlo standard errors as for 256 chains).
    /// </summary>
    [Theory]
    [InlineData("eight_schools")]
    [InlineData("sleepstudy")]
    [InlineData("radon")]
    [InlineData("cbpp")]
    public void The_default_ensemble_matches_every_reference_posterior(string model)
    {
        const int draws = 200;
        var (fit, reference, drawsOf) = model switch
        {
            "eight_schools" => Default("eight_schools.csv", ReferenceCases.EightSchoolsFormula, "gaussian", ReferenceCases.EightSchoolsPriors, null,
                "eight_schools_noncentered.csv", ReferenceCases.EightSchools),
            "sleepstudy" => Default("sleepstudy.csv", ReferenceCases.SleepstudyFormula, "gaussian", ReferenceCases.SleepstudyPriors, null,
                "sleepstudy.csv", ReferenceCases.Sleepstudy),
            "radon" => Default("radon_mn.csv", ReferenceCases.RadonFormula, "gaussian", ReferenceCases.RadonPriors, null, "radon_mn.csv", ReferenceCases.Radon),
            _ => Default("cbpp.csv", ReferenceCases.CbppFormula, "binomial", ReferenceCases.CbppPriors, ReferenceCases.CbppFactors, "cbpp.csv", ReferenceCases.Cbpp),
        };
        Assert.Equal(FitOptions.DefaultCheesChains, fit.Settings.Options.Chains);
        AssertAll(reference, drawsOf, fit, FitOptions.DefaultCheesChains, draws);

        (Fit, ReferencePosterior, Func<string, double[]>) Default(string file, string formula, string family, string[] priors, string[]? factors,
            string referenceFile, Func<Fit, Func<string, double[]>> draws_)
        {
            var f = FitExample(file, formula, family, priors, factors, chains: null, draws: draws);
            return (f, ReferencePosterior.Load(referenceFile), draws_(f));
        }
    }

    /// <summary>
    /// Starting points 100 prior sd away in every coefficient (b and the standardized effects z; e^±5 times the prior
    /// scale for the standard deviation), one per superchain, in random directions.
    /// </summary>
    private static List<double[]> FarStarts(GpuHbm.Models.IPosteriorModel model, int chains, int superchains)
    {
        var layout = ((GpuHbm.Models.CompiledModel)model).Layout;
        var scale = model.UnconstrainedScale;
        var rng = new Random(1);
        var starts = new List<double[]>();
        for (int k = 0; k < superchains; k++)
        {
            var x = new double[model.Dimension];
            foreach (var block in layout.Blocks)
                for (int i = block.Offset; i < block.Offset + block.Length; i++)
                    x[i] = scale.Location[i] + (block.Transform == GpuHbm.Models.ParameterTransform.Log ? 5 : 100) * scale.Scale[i] * (rng.Next(2) * 2 - 1);
            for (int m = 0; m < chains / superchains; m++) starts.Add(x);
        }
        return starts;
    }

    private (Fit Fit, string Json, bool LoadedConverged) FitFromFarStarts(string init, int maxWarmup)
    {
        const int chains = 64;
        var data = DataTable.ReadCsv(TestPaths.ExampleData("eight_schools.csv"));
        var options = new FitOptions
        {
            Family = "gaussian", Priors = ReferenceCases.EightSchoolsPriors, Chains = chains, MaxWarmup = maxWarmup, Draws = Draws, Seed = 20261122,
            Sampler = "chees", Backend = "cpu", Init = init,
        };
        var plan = Glmm.Plan(ReferenceCases.EightSchoolsFormula, data, options);
        var fit = Glmm.Fit(ReferenceCases.EightSchoolsFormula, data, options with { InitialValues = FarStarts(plan.Model, chains, 4) });
        output.WriteLine(fit.Ensemble!.Describe());
        foreach (var w in fit.Report.Warnings) output.WriteLine("warning: " + w);
        string dir = Path.Combine(Path.GetTempPath(), "gpuhbm-far-" + Guid.NewGuid().ToString("N"));
        try
        {
            fit.Save(dir);
            return (fit, File.ReadAllText(Path.Combine(dir, "fit.json")), Fit.Load(dir).Converged);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void A_start_100_prior_sd_away_converges_through_the_optimiser()
    {
        var (fit, json, loadedConverged) = FitFromFarStarts("laplace", 300);
        Assert.True(loadedConverged);
        Assert.Equal("laplace from the given values", fit.Ensemble!.Initialization.Method);
        AssertAll(ReferencePosterior.Load("eight_schools_noncentered.csv"), ReferenceCases.EightSchools(fit), fit, chains: 64);
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        Assert.True(doc.RootElement.GetProperty("converged").GetBoolean());
        Assert.True(doc.RootElement.GetProperty("ensemble").GetProperty("warmup").GetProperty("converged").GetBoolean());
    }

    [Fact]
    public void Chains_started_100_prior_sd_away_are_reported_as_not_converged()
    {
        // No optimiser: the chains start exactly there. The ensemble cannot recover within the cap (one chain deep in
        // the funnel pins the shared step size), and the fit must say so everywhere: the warm-up report, the summary's
        // nested R-hat, the warnings and fit.json.
        var (fit, json, loadedConverged) = FitFromFarStarts("auto", 150);
        Assert.False(loadedConverged);   // the saved fit, loaded again, says so too
        var e = fit.Ensemble!;
        Assert.Equal("given", e.Initialization.Method);
        Assert.False(e.WarmupConverged);
        Assert.Equal(150, e.WarmupIterations);
        Assert.False(fit.Converged);
        Assert.Contains(fit.Report.Warnings, w => w.Contains("the warm-up did not converge within its cap of 150 iterations", StringComparison.Ordinal));
        Assert.Contains(fit.Report.Warnings, w => w.Contains("nested R-hat above 1.01", StringComparison.Ordinal));
        Assert.True(fit.Summary.Rows.Max(r => r.NestedRhat) > 1.01);
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        Assert.False(doc.RootElement.GetProperty("converged").GetBoolean());
        Assert.True(doc.RootElement.GetProperty("convergence_problems").GetArrayLength() >= 2);
        Assert.False(doc.RootElement.GetProperty("ensemble").GetProperty("warmup").GetProperty("converged").GetBoolean());
    }

    [Fact]
    public void Radon_with_1024_chains_matches_stan()
    {
        var fit = FitExample("radon_mn.csv", ReferenceCases.RadonFormula, "gaussian", ReferenceCases.RadonPriors, chains: 1024);
        AssertAll(ReferencePosterior.Load("radon_mn.csv"), ReferenceCases.Radon(fit), fit, chains: 1024);
    }
}
