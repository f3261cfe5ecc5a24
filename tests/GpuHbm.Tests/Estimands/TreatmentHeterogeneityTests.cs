using GpuHbm.Data.Simulation;
using GpuHbm.Estimands;
using GpuHbm.Results;
using Xunit;

namespace GpuHbm.Tests.Estimands;

/// <summary>HTE on a simulated multisite trial whose site effects are known.</summary>
public class TreatmentHeterogeneityTests
{
    private static readonly Lazy<(MultisiteTrialSimulation Sim, Fit Fit)> Trial = new(() =>
    {
        var sim = new MultisiteTrialSimulation(new MultisiteTrialOptions { Sites = 150, PatientsPerSite = 24, Seed = 21 });
        var fit = Glmm.Fit(MultisiteTrialSimulation.Formula, sim.Data,
            new FitOptions { Backend = "cpu", Chains = 4, Warmup = 400, Draws = 500, Seed = 9 });
        return (sim, fit);
    });

    [Fact]
    public void Site_intervals_cover_the_true_effects_at_the_nominal_rate()
    {
        var (sim, fit) = Trial.Value;
        var hte = TreatmentHeterogeneity.Compute(fit, new TreatmentHeterogeneityOptions { Treatment = "treat", Benefit = BenefitDirection.Lower });
        Assert.Equal(150, hte.Groups.Count);
        int covered = 0;
        for (int j = 0; j < sim.Sites.Count; j++)
        {
            var g = hte.Groups.Single(x => x.Level == sim.Sites[j]);
            if (g.Link.Lower <= sim.SiteEffects[j] && sim.SiteEffects[j] <= g.Link.Upper) covered++;
        }
        // 90 % intervals: covered ~ Binomial(150, 0.9) (sd 3.7); accept ±3.3 sd (two-sided 0.1 %).
        double sd = Math.Sqrt(150 * 0.9 * 0.1);
        Assert.InRange(covered, 150 * 0.9 - 3.3 * sd, 150 * 0.9 + 3.3 * sd);
        // Gaussian: the response scale is the link scale.
        Assert.All(hte.Groups, g => Assert.Equal(g.Link.Mean, g.Response.Mean, 10));
    }

    [Fact]
    public void Proportion_benefiting_recovers_the_truth()
    {
        var (sim, fit) = Trial.Value;
        var o = sim.Options;
        var hte = TreatmentHeterogeneity.Compute(fit, new TreatmentHeterogeneityOptions
        {
            Treatment = "treat", Benefit = BenefitDirection.Lower, Level = 0.99, MinimalImportantDifference = 0.2,
        });
        double population = MathNet.Numerics.Distributions.Normal.CDF(0, 1, -o.Effect / o.EffectSd);
        double observed = sim.SiteEffects.Count(e => e < 0) / (double)sim.SiteEffects.Count;
        Assert.InRange(population, hte.PopulationProportionBenefiting.Lower, hte.PopulationProportionBenefiting.Upper);
        // The observed proportion is a count over the sites: its interval's ends are quantiles interpolated between two
        // counts, so the interval covers the counts at or beyond them (floor and ceiling to whole sites).
        int sites = sim.SiteEffects.Count;
        Assert.InRange(observed, Math.Floor(hte.ObservedProportionBenefiting.Lower * sites + 1e-9) / sites,
            Math.Ceiling(hte.ObservedProportionBenefiting.Upper * sites - 1e-9) / sites);
        // New site: the predictive P(benefit) is the posterior mean of the population proportion.
        Assert.Equal(hte.PopulationProportionBenefiting.Mean, hte.NewGroupProbabilityOfBenefit, 10);
        Assert.True(hte.NewGroupProbabilityBeyondMid < hte.NewGroupProbabilityOfBenefit);
        // Its predictive interval covers the true N(Effect, EffectSd²)'s central 99 % (up to posterior uncertainty).
        Assert.InRange(hte.NewGroup.Mean, hte.Average.Lower, hte.Average.Upper);
        Assert.InRange(hte.NewGroup.Sd, 0.25, 0.7);
        Assert.All(hte.Groups, g => Assert.True(g.ProbabilityBeyondMid <= g.ProbabilityOfBenefit));
    }

    [Fact]
    public void Normal_mixture_quantiles_match_a_single_normal()
    {
        var m = Enumerable.Repeat(1.0, 10).ToArray();
        var s = Enumerable.Repeat(2.0, 10).ToArray();
        var q = TreatmentHeterogeneity.MixtureSummary("x", m, s, 0.9);
        Assert.Equal(1 - 1.6448536269514722 * 2, q.Lower, 8);
        Assert.Equal(1, q.Median, 8);
        Assert.Equal(2, q.Sd, 12);
    }

    [Fact]
    public void A_treatment_without_a_varying_slope_is_refused_with_the_reason()
    {
        var fit = EstimandFits.SleepstudyRandomIntercept;
        var e = Assert.Throws<GpuHbmModelException>(() => TreatmentHeterogeneity.Compute(fit,
            new TreatmentHeterogeneityOptions { Treatment = "Days", Benefit = BenefitDirection.Lower }));
        Assert.Contains("varying slope for 'Days'", e.Message);
        e = Assert.Throws<GpuHbmModelException>(() => TreatmentHeterogeneity.Compute(fit,
            new TreatmentHeterogeneityOptions { Treatment = "dose", Benefit = BenefitDirection.Lower }));
        Assert.Contains("not a population-level column", e.Message);
    }
}
