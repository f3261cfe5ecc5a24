using GpuHbm.Data.Simulation;
using GpuHbm.Results;
using Xunit;

namespace GpuHbm.Tests.Sampling;

/// <summary>
/// Automatic centring end to end (issue 12, item 2): a Poisson model with an observation-level effect beside a 5-level
/// factor whose levels the data pin down.
/// </summary>
public class AutomaticCentringTests(ITestOutputHelper output)
{
    private const string Formula = ObservationLevelPoissonSimulation.Formula;

    [Fact]
    public void Observation_level_poisson_has_no_divergences_at_the_defaults_and_matches_a_careful_non_centred_run()
    {
        // 200 rows, 5 levels of 40: the data pin each level's effect down (about 40·e^1.5 ≈ 180 expected counts each), so the
        // non-centred form has the funnel-like dependence between sd_f and z_f; the observation-level effects are weakly
        // informed (one count each). Seed and data are fixed: the non-centred run at the defaults diverges (34 times when
        // this test was written), the default run (automatic centring) does not.
        var data = ObservationLevelPoissonSimulation.Generate(40, 7, 1.5, 1.0, 0.5);
        var centred = Glmm.Fit(Formula, data, new FitOptions { Family = "poisson", Seed = 1 });
        var plain = Glmm.Fit(Formula, data, new FitOptions { Family = "poisson", Seed = 1, AutomaticCentring = false });
        output.WriteLine($"divergences: automatic centring {centred.Report.Divergences}, non-centred {plain.Report.Divergences}");
        output.WriteLine($"centred effects per chain {string.Join(", ", centred.Adaptation.Select(a => $"{a.CentredEffects} (mean λ {a.MeanCentring:F2})"))}");
        Assert.Equal(0, centred.Report.Divergences);
        Assert.True(plain.Report.Divergences > 0, "the non-centred form no longer diverges here: the test lost its point");
        Assert.All(centred.Adaptation, a => Assert.True(a.CentredEffects >= 5, $"{a.CentredEffects} effects centred"));
        Assert.All(plain.Adaptation, a => Assert.Null(a.Centring));

        // What fit.json and the summary report: the factor's 5 effects centred in every chain, the observation-level term
        // tried; with --centring none both terms non-centred for that reason.
        var terms = CentringReport.Describe(centred);
        Assert.Equal(["(1 | f)", "(1 | obs)"], terms.Select(t => t.Term));
        Assert.Equal([5, 200], terms.Select(t => t.Effects));
        Assert.All(terms, t => Assert.Null(t.Reason));
        Assert.All(terms[0].CentredPerChain, n => Assert.Equal(5, n));
        // Every level of (1 | f) centred: the intercept is centred into it (hierarchical centring) in every chain.
        Assert.Equal(4, terms[0].InterceptChains);
        Assert.Equal(0, terms[1].InterceptChains);
        Assert.EndsWith(", the intercept centred into it", terms[0].Describe());
        output.WriteLine(CentringReport.ToText(terms)!);
        Assert.All(CentringReport.Describe(plain), t => Assert.Equal("--centring none", t.Reason));

        // The reference: the non-centred form with adapt_delta 0.99 and 4 × 4000 draws. Means agree within 0.1 posterior sd,
        // or, where the two runs' Monte Carlo error is that large, within 4 combined standard errors.
        var reference = Glmm.Fit(Formula, data, new FitOptions { Family = "poisson", Seed = 2, AutomaticCentring = false, AdaptDelta = 0.99, Draws = 4000 });
        int within = 0, compared = 0;
        foreach (var row in reference.Summary.Rows)
        {
            var c = centred.Summary[row.Variable];
            double gap = Math.Abs(c.Mean - row.Mean);
            double mcse = Math.Sqrt(c.Stats.McseMean * c.Stats.McseMean + row.Stats.McseMean * row.Stats.McseMean);
            Assert.True(gap <= Math.Max(0.1 * row.Sd, 4 * mcse), $"{row.Variable}: mean {c.Mean:G4} vs reference {row.Mean:G4} (sd {row.Sd:G3}, combined MCSE {mcse:G3})");
            compared++;
            if (gap <= 0.1 * row.Sd) within++;
            else output.WriteLine($"{row.Variable}: gap {gap / row.Sd:F3} sd = {gap / mcse:F2} combined MCSE (ESS bulk {c.EssBulk:F0} here, {row.EssBulk:F0} in the reference)");
        }
        output.WriteLine($"{within} of {compared} means within 0.1 sd of the reference (reference divergences {reference.Report.Divergences})");
    }

    [Fact]
    public void The_report_names_each_term_and_why_it_was_not_centred()
    {
        var sleep = GpuHbm.Data.DataTable.ReadCsv(TestPaths.ExampleData("sleepstudy.csv"));
        var correlated = Glmm.Fit("Reaction ~ 1 + Days + (1 + Days | Subject)", sleep, new FitOptions { Chains = 1, Warmup = 100, Draws = 20, Seed = 3 });
        var term = Assert.Single(CentringReport.Describe(correlated));
        Assert.Equal("(1 + Days | Subject): non-centred (correlated term)", term.Describe());
        Assert.False(correlated.Adaptation[0].AutomaticCentring);

        var shortWarmup = Glmm.Fit("Reaction ~ 1 + Days + (1 | Subject)", sleep, new FitOptions { Chains = 1, Warmup = 60, Draws = 20, Seed = 3 });
        Assert.Equal("centring: (1 | Subject): non-centred (a warm-up under 100 iterations)",
            CentringReport.ToText(CentringReport.Describe(shortWarmup)));

        var chees = Glmm.Fit("Reaction ~ 1 + Days + (1 | Subject)", sleep, new FitOptions { Sampler = "chees", Chains = 8, Warmup = 100, Draws = 20, Seed = 3 });
        Assert.Equal("ChEES does not centre", Assert.Single(CentringReport.Describe(chees)).Reason);
    }
}
