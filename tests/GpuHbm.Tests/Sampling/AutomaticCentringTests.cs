using System.Globalization;
using GpuHbm.Data;
using Xunit;

namespace GpuHbm.Tests.Sampling;

/// <summary>
/// Automatic centring end to end (issue 12, item 2): a Poisson model with an observation-level effect beside a 5-level
/// factor whose levels the data pin down.
/// </summary>
public class AutomaticCentringTests(ITestOutputHelper output)
{
    /// <summary>
    /// y_i ~ Poisson(exp(b + a_f[i] + e_i)), a_f ~ N(0, sdFactor²) over 5 levels of <paramref name="perLevel"/> rows each,
    /// e_i ~ N(0, sdObservation²) one per row (column obs), simulated with System.Random(seed) and MathNet's Poisson sampler.
    /// </summary>
    internal static DataTable ObservationLevelPoisson(int perLevel, int seed, double intercept, double sdFactor, double sdObservation)
    {
        var rng = new Random(seed);
        double Normal() => MathNet.Numerics.Distributions.Normal.Sample(rng, 0, 1);
        var a = Enumerable.Range(0, 5).Select(_ => sdFactor * Normal()).ToArray();
        int n = 5 * perLevel;
        var y = new string?[n];
        var f = new string?[n];
        var obs = new string?[n];
        for (int i = 0; i < n; i++)
        {
            int level = i % 5;
            double eta = intercept + a[level] + sdObservation * Normal();
            y[i] = MathNet.Numerics.Distributions.Poisson.Sample(rng, Math.Exp(eta)).ToString(CultureInfo.InvariantCulture);
            f[i] = "F" + (level + 1);
            obs[i] = "o" + (i + 1);
        }
        return new DataTable([new DataColumn("y", y), new DataColumn("f", f), new DataColumn("obs", obs)], "observation-level poisson");
    }

    private const string Formula = "y ~ 1 + (1 | f) + (1 | obs)";

    [Fact]
    public void Observation_level_poisson_has_no_divergences_at_the_defaults_and_matches_a_careful_non_centred_run()
    {
        // 200 rows, 5 levels of 40: the data pin each level's effect down (about 40·e^1.5 ≈ 180 expected counts each), so the
        // non-centred form has the funnel-like dependence between sd_f and z_f; the observation-level effects are weakly
        // informed (one count each). Seed and data are fixed: the non-centred run at the defaults diverges (34 times when
        // this test was written), the default run (automatic centring) does not.
        var data = ObservationLevelPoisson(40, 7, 1.5, 1.0, 0.5);
        var centred = Glmm.Fit(Formula, data, new FitOptions { Family = "poisson", Seed = 1, AutomaticCentring = true });
        var plain = Glmm.Fit(Formula, data, new FitOptions { Family = "poisson", Seed = 1 });
        output.WriteLine($"divergences: automatic centring {centred.Report.Divergences}, non-centred {plain.Report.Divergences}");
        output.WriteLine($"centred effects per chain {string.Join(", ", centred.Adaptation.Select(a => $"{a.CentredEffects} (mean λ {a.MeanCentring:F2})"))}");
        Assert.Equal(0, centred.Report.Divergences);
        Assert.True(plain.Report.Divergences > 0, "the non-centred form no longer diverges here: the test lost its point");
        Assert.All(centred.Adaptation, a => Assert.True(a.CentredEffects >= 5, $"{a.CentredEffects} effects centred"));
        Assert.All(plain.Adaptation, a => Assert.Null(a.Centring));

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
        }
        output.WriteLine($"{within} of {compared} means within 0.1 sd of the reference (reference divergences {reference.Report.Divergences})");
    }
}
