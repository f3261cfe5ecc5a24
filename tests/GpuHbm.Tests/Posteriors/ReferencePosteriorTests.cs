using GpuHbm.Data;
using GpuHbm.Results;
using Xunit;

namespace GpuHbm.Tests.Posteriors;

/// <summary>
/// End-to-end fits on the CPU backend against reference posteriors computed outside GpuHbm
/// (posteriordb; long Stan runs), with the exact models and priors of fixtures/README.md.
/// Every reported quantity of the reference is compared. Seeds are fixed, so a pass is repeatable.
/// </summary>
[Trait("Category", "Slow")]
public class ReferencePosteriorTests
{
    private static Fit FitExample(string file, string formula, string family, string[] priors, int draws = 2500, double adaptDelta = 0.8, string[]? factors = null) =>
        Glmm.Fit(formula, DataTable.ReadCsv(TestPaths.ExampleData(file)), new FitOptions
        {
            Family = family, Priors = priors, Factors = factors ?? [], Chains = 4, Warmup = 1000, Draws = draws, Seed = 20261122, AdaptDelta = adaptDelta,
        });

    private static void AssertAll(ReferencePosterior reference, Func<string, double[]> drawsOf, Fit fit, int maxDivergences = 0)
    {
        var failures = reference.Variables.Select(v => reference.Check(v, drawsOf(v))).Where(m => m is not null).ToList();
        Assert.True(failures.Count == 0, $"{failures.Count} of {reference.Variables.Count()} quantities differ from the reference:\n" + string.Join("\n", failures));
        Assert.True(fit.Report.Divergences <= maxDivergences, $"{fit.Report.Divergences} divergent transitions");
    }

    /// <summary>
    /// ICC and VPC (VarianceDecomposition) against the same shares computed from rstan draws of the
    /// variance parameters (fixtures/variance/variance_shares.R): the first value is the ICC, the rest VPCs.
    /// </summary>
    private static void AssertVarianceShares(Fit fit, string model, string group, string slope, double[] at)
    {
        var reference = ReferencePosterior.Load("variance_shares.csv", "variance");
        var v = GpuHbm.Estimands.VarianceDecomposition.Compute(fit, new GpuHbm.Estimands.VarianceDecompositionOptions
        {
            SlopeValues = new Dictionary<string, double[]> { [slope] = at },
        });
        var failures = new List<string>();
        foreach (double x in at)
        {
            string name = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{model}_{(x == 0 ? "icc" : "vpc")}_{group}_at_{slope}_{x}");
            var q = v.Correlations.Single(c => c.Column == slope && c.At == x).Value;
            var (refMean, refSd) = reference[name];
            if (Math.Abs(q.Mean - refMean) > 0.1 * refSd || Math.Abs(q.Sd / refSd - 1) > 0.1)
                failures.Add($"{name}: mean {q.Mean:G5} vs {refMean:G5}, sd {q.Sd:G5} vs {refSd:G5}");
        }
        var icc = v.Correlations.Single(c => c.Column is null).Value;
        Assert.Equal(v.Correlations.Single(c => c.Column == slope && c.At == 0).Value.Mean, icc.Mean, 12);
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void Eight_schools_noncentered_matches_posteriordb()
    {
        var fit = FitExample("eight_schools.csv", ReferenceCases.EightSchoolsFormula, "gaussian", ReferenceCases.EightSchoolsPriors,
            draws: 5000, adaptDelta: 0.95);
        // The non-centered funnel neck: Stan too reports a few divergences at adapt_delta 0.95.
        AssertAll(ReferencePosterior.Load("eight_schools_noncentered.csv"), ReferenceCases.EightSchools(fit), fit, maxDivergences: 20);
    }

    [Fact]
    public void Sleepstudy_correlated_slopes_match_stan()
    {
        var fit = FitExample("sleepstudy.csv", ReferenceCases.SleepstudyFormula, "gaussian", ReferenceCases.SleepstudyPriors);
        // Isolated divergences happen on this model with the default metric (1 in 4,000 transitions for seed 1 in the
        // quiet rstan comparison of 2026-11-30, before the density's four-lane sums); which iterations diverge moves with
        // the last bits of the sums (2 in 10,000 for this seed since). More than a handful would be a real problem.
        AssertAll(ReferencePosterior.Load("sleepstudy.csv"), ReferenceCases.Sleepstudy(fit), fit, maxDivergences: 5);
        AssertVarianceShares(fit, "sleepstudy", "Subject", "Days", [0, 4.5, 9]);
    }

    [Fact]
    public void Radon_varying_intercept_and_slope_matches_stan()
    {
        var fit = FitExample("radon_mn.csv", ReferenceCases.RadonFormula, "gaussian", ReferenceCases.RadonPriors);
        AssertAll(ReferencePosterior.Load("radon_mn.csv"), ReferenceCases.Radon(fit), fit);
        AssertVarianceShares(fit, "radon", "county", "floor", [0, 1]);
    }

    [Fact]
    public void Cbpp_binomial_matches_stan()
    {
        var fit = FitExample("cbpp.csv", ReferenceCases.CbppFormula, "binomial", ReferenceCases.CbppPriors, factors: ReferenceCases.CbppFactors);
        AssertAll(ReferencePosterior.Load("cbpp.csv"), ReferenceCases.Cbpp(fit), fit);
    }
}
