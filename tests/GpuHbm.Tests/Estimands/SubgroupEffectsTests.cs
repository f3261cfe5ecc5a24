using System.Globalization;
using GpuHbm.Data;
using GpuHbm.Estimands;
using Xunit;

namespace GpuHbm.Tests.Estimands;

/// <summary>Heterogeneity by a covariate (a treatment-by-covariate interaction) against closed forms on the draws and the truth.</summary>
public class SubgroupEffectsTests
{
    private static DataTable Simulate(bool binary, int n, int seed)
    {
        var rng = new Random(seed);
        var site = new string?[n]; var treat = new string?[n]; var x = new string?[n]; var y = new string?[n];
        var u = Enumerable.Range(0, 20).Select(_ => 0.3 * (rng.NextDouble() - 0.5)).ToArray();
        for (int i = 0; i < n; i++)
        {
            int s = i % 20, t = rng.Next(2);
            double xi = 2 * rng.NextDouble() - 1;
            double eta = 0.2 + u[s] + 0.3 * xi + t * (-0.4 + 0.8 * xi);   // the effect of treat at x is −0.4 + 0.8 x
            double noise = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
            double yi = binary ? (rng.NextDouble() < 1 / (1 + Math.Exp(-eta)) ? 1 : 0) : eta + 0.5 * noise;
            site[i] = $"s{s}"; treat[i] = t.ToString(CultureInfo.InvariantCulture);
            x[i] = xi.ToString("R", CultureInfo.InvariantCulture); y[i] = yi.ToString("R", CultureInfo.InvariantCulture);
        }
        return new DataTable([new DataColumn("site", site), new DataColumn("treat", treat), new DataColumn("x", x), new DataColumn("y", y)]);
    }

    [Fact]
    public void Gaussian_effects_at_moderator_values_are_b_treat_plus_v_times_the_interaction_and_cover_the_truth()
    {
        var fit = Glmm.Fit("y ~ 1 + treat * x + (1 | site)", Simulate(false, 800, 3), new FitOptions { Backend = "cpu", Chains = 2, Warmup = 300, Draws = 400, Seed = 1 });
        var bt = EstimandFits.Pooled(fit, "b_treat");
        var bi = EstimandFits.Pooled(fit, "b_treat:x");
        var sub = SubgroupEffects.Compute(fit, new TreatmentHeterogeneityOptions { Treatment = "treat", Benefit = BenefitDirection.Lower, Level = 0.99 }, "x", [-0.5, 0, 0.5]);
        Assert.Equal(["x = -0.5", "x = 0", "x = 0.5"], sub.Select(s => s.Level));
        double[] v = [-0.5, 0, 0.5];
        for (int k = 0; k < 3; k++)
        {
            var expected = bt.Select((b, i) => b + v[k] * bi[i]).ToArray();
            Assert.Equal(expected.Average(), sub[k].Link.Mean, 10);
            Assert.Equal(sub[k].Link.Mean, sub[k].Response.Mean, 10);                    // gaussian: identity link
            Assert.Equal(expected.Count(e => e < 0) / (double)expected.Length, sub[k].ProbabilityOfBenefit, 12);
            Assert.InRange(-0.4 + 0.8 * v[k], sub[k].Link.Lower, sub[k].Link.Upper);     // the truth, 99 % interval
        }
    }

    [Fact]
    public void Logistic_response_scale_is_the_risk_difference_at_the_mean_untreated_row()
    {
        var data = Simulate(true, 600, 4);
        var fit = Glmm.Fit("y ~ 1 + treat * x + (1 | site)", data, new FitOptions { Backend = "cpu", Family = "bernoulli", Chains = 2, Warmup = 250, Draws = 250, Seed = 2 });
        var b0 = EstimandFits.Pooled(fit, "b_Intercept");
        var bt = EstimandFits.Pooled(fit, "b_treat");
        var bx = EstimandFits.Pooled(fit, "b_x");
        var bi = EstimandFits.Pooled(fit, "b_treat:x");
        var sub = SubgroupEffects.Compute(fit, new TreatmentHeterogeneityOptions { Treatment = "treat", Benefit = BenefitDirection.Higher }, "x", [0.5]);
        static double L(double e) => 1 / (1 + Math.Exp(-e));
        var rd = b0.Select((_, i) => { double eta0 = b0[i] + 0.5 * bx[i], d = bt[i] + 0.5 * bi[i]; return L(eta0 + d) - L(eta0); }).ToArray();
        Assert.Equal(rd.Average(), sub[0].Response.Mean, 10);
        var e = Assert.Throws<GpuHbmModelException>(() => SubgroupEffects.Compute(fit, new TreatmentHeterogeneityOptions { Treatment = "x", Benefit = BenefitDirection.Higher }, "Intercept"));
        Assert.Contains("no interaction", e.Message);
    }
}
