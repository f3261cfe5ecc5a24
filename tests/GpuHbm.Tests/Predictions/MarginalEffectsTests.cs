using GpuHbm.Data;
using GpuHbm.Predictions;
using GpuHbm.Results;
using Xunit;

namespace GpuHbm.Tests.Predictions;

/// <summary>Average effects against what the model's coefficients imply in closed form, and non-collapsibility.</summary>
public class MarginalEffectsTests
{
    private static readonly Lazy<Fit> Sleep = new(() => Glmm.Fit("Reaction ~ 1 + Days + (1 + Days | Subject)",
        DataTable.ReadCsv(TestPaths.ExampleData("sleepstudy.csv")), new FitOptions { Chains = 2, Warmup = 150, Draws = 80, Seed = 31 }));

    private static readonly Lazy<Fit> Cbpp = new(() => Glmm.Fit("incidence | trials(size) ~ period + (1 | herd)",
        DataTable.ReadCsv(TestPaths.ExampleData("cbpp.csv")),
        new FitOptions { Family = "binomial", Factors = ["period"], Chains = 2, Warmup = 200, Draws = 100, Seed = 32 }));

    private static double[] Pooled(Fit fit, string name) => fit[name].SelectMany(c => c).ToArray();

    [Fact]
    public void Gaussian_effects_are_the_slope_plus_the_groups_average_slope_effect()
    {
        var fit = Sleep.Value;
        var effect = MarginalEffects.Average(fit, new EffectOptions { Variable = "Days", From = "0", To = "1" });
        var b = Pooled(fit, "b_Days");
        var subjects = fit.Model.RandomTerms[0].LevelNames;
        var days = fit.Settings.Data!["Subject"].Raw;
        // Identity link, linear in Days: conditional = b + mean over rows of the row's subject slope; typical = b.
        var perRow = days.GroupBy(s => s).ToDictionary(g => g.Key!, g => g.Count());
        var rows = fit.Settings.Data!.RowCount;
        var conditional = effect[EffectAveraging.Conditional, "difference"].Draws;
        var typical = effect[EffectAveraging.Typical, "difference"].Draws;
        for (int d = 0; d < b.Length; d++)
        {
            double slopes = subjects.Sum(s => perRow[s] * Pooled(fit, $"r_Subject[{s},Days]")[d]) / rows;
            Assert.Equal(b[d] + slopes, conditional[d], 1e-8);
            Assert.Equal(b[d], typical[d], 1e-8);
        }
        // Population-averaged: b plus the mean of 4,000 drawn slope effects, whose sd is sd_Days / sqrt(4000).
        var population = effect[EffectAveraging.PopulationAveraged, "difference"].Draws;
        var sd = Pooled(fit, "sd_Subject__Days");
        var z = Enumerable.Range(0, b.Length).Select(d => (population[d] - b[d]) / (sd[d] / Math.Sqrt(4000))).ToArray();
        Assert.InRange(z.Average(), -4 / Math.Sqrt(z.Length), 4 / Math.Sqrt(z.Length));

        var slope = MarginalEffects.Average(fit, new EffectOptions { Variable = "Days", Averagings = [EffectAveraging.Typical] });
        Assert.True(slope.IsSlope);
        for (int d = 0; d < b.Length; d++) Assert.Equal(b[d], slope[EffectAveraging.Typical, "slope"].Draws[d], 1e-6);
        Assert.Contains("average slope", slope.ToText());
    }

    [Fact]
    public void Logistic_conditional_odds_ratio_is_the_coefficient_and_the_marginal_one_is_closer_to_one()
    {
        var fit = Cbpp.Value;
        var effect = MarginalEffects.Average(fit, new EffectOptions { Variable = "period", From = "1", To = "4" });
        var b = Pooled(fit, "b_period4");
        var conditional = effect[EffectAveraging.Typical, "conditional odds ratio"].Draws;
        for (int d = 0; d < b.Length; d++) Assert.Equal(Math.Exp(b[d]), conditional[d], 1e-9);
        // Non-collapsibility: averaging over the herd effects pulls the odds ratio toward 1 (b_period4 < 0 here).
        double marginal = effect[EffectAveraging.PopulationAveraged, "odds ratio"].Mean;
        double cond = effect[EffectAveraging.Typical, "conditional odds ratio"].Mean;
        Assert.True(cond < 1, $"conditional OR {cond}");
        Assert.True(Math.Abs(Math.Log(marginal)) < Math.Abs(Math.Log(cond)), $"marginal OR {marginal}, conditional OR {cond}");
        Assert.Contains("not collapsible", effect.ToText());
        var csv = new StringWriter();
        effect.WriteCsv(csv);
        Assert.StartsWith("averaging,quantity,mean,sd,q5,q50,q95", csv.ToString());
    }

    [Fact]
    public void Bad_effect_requests_are_named()
    {
        var fit = Cbpp.Value;
        Assert.Contains("'size'", Assert.Throws<GpuHbmModelException>(() => MarginalEffects.Average(fit, new EffectOptions { Variable = "size" })).Message);
        Assert.Contains("4 levels", Assert.Throws<GpuHbmException>(() => MarginalEffects.Average(fit, new EffectOptions { Variable = "period" })).Message);
        Assert.Contains("'7' is not a level", Assert.Throws<GpuHbmDataException>(() => MarginalEffects.Average(fit, new EffectOptions { Variable = "period", From = "1", To = "7" })).Message);
        Assert.Contains("grouping factor", Assert.Throws<GpuHbmModelException>(() => MarginalEffects.Average(fit, new EffectOptions { Variable = "herd" })).Message);
    }
}
