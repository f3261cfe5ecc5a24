using GpuHbm.Data;
using GpuHbm.Data.Simulation;
using GpuHbm.Estimands;
using Xunit;

namespace GpuHbm.Tests.Estimands;

public class ShrinkageTests
{
    [Fact]
    public void Gaussian_intercept_raw_estimates_are_group_means_and_pooling_matches_the_reliability()
    {
        // Group sizes 2..40, sd between 0.6, within 1: strong and weak pooling side by side.
        var rng = new Random(12);
        var g = new List<string>(); var y = new List<string>();
        var means = new Dictionary<string, (double Sum, int N)>();
        for (int j = 0; j < 60; j++)
        {
            double u = 0.6 * Normal(rng);
            int n = 2 + (j * 38) / 59;
            string label = $"g{j:D2}";
            double sum = 0;
            for (int i = 0; i < n; i++)
            {
                double v = 1.0 + u + Normal(rng);
                g.Add(label); y.Add(v.ToString("R", System.Globalization.CultureInfo.InvariantCulture));
                sum += v;
            }
            means[label] = (sum, n);
        }
        var data = new DataTable([new DataColumn("g", g.ToArray()), new DataColumn("y", y.ToArray())]);
        var fit = Glmm.Fit("y ~ 1 + (1 | g)", data, new FitOptions { Backend = "cpu", Chains = 2, Warmup = 500, Draws = 1000, Seed = 2 });

        var table = Shrinkage.Compute(fit).Single();
        Assert.Equal("Intercept", table.Column);
        Assert.Equal(EstimandFits.Pooled(fit, "b_Intercept").Average(), table.PopulationMean, 10);
        var sdU = EstimandFits.Pooled(fit, "sd_g__Intercept");
        var sigma = EstimandFits.Pooled(fit, "sigma");
        double worst = 0;
        foreach (var row in table.Groups)
        {
            var (sum, n) = means[row.Level];
            Assert.Equal(n, row.Size);
            Assert.Equal(sum / n, row.Raw, 9);                                   // no pooling = the group's mean
            double b = sdU.Select((s, i) => sigma[i] * sigma[i] / n / (sigma[i] * sigma[i] / n + s * s)).Average();
            Assert.Equal(b, row.Shrinkage, 9);                                   // 1 − reliability, averaged over draws
            // The pooled deviation is (1 − B) times the raw one, up to Monte Carlo error and the
            // covariance of B with the deviation over the posterior (small with 60 groups).
            double predicted = (1 - row.Shrinkage) * (row.Raw - table.PopulationMean);
            double actual = row.Pooled.Mean - table.PopulationMean;
            worst = Math.Max(worst, Math.Abs(actual - predicted) / row.Pooled.Sd);
        }
        Assert.True(worst < 0.25, $"largest gap between pooled and (1 − B)·raw deviation: {worst:F3} posterior sd");
        Assert.True(table.Groups.First().Shrinkage > table.Groups.Last().Shrinkage);   // small groups shrink more
    }

    private static double Normal(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    [Fact]
    public void Logistic_raw_estimates_solve_the_level_likelihood_and_separated_levels_are_not_estimable()
    {
        var sim = new MultisiteTrialSimulation(new MultisiteTrialOptions { Family = "bernoulli", Sites = 30, PatientsPerSite = 12, Seed = 4 });
        var fit = Glmm.Fit("y ~ 1 + (1 | site)", sim.Data, new FitOptions { Backend = "cpu", Family = "bernoulli", Chains = 2, Warmup = 300, Draws = 300, Seed = 1 });
        var table = Shrinkage.Compute(fit).Single();
        var y = sim.Data["y"].Numeric();
        var site = sim.Data["site"].Raw;
        foreach (var row in table.Groups)
        {
            var ys = y.Where((_, i) => site[i] == row.Level).ToArray();
            double p = ys.Average();
            if (p == 0 || p == 1) Assert.True(double.IsNaN(row.Raw));
            else Assert.Equal(Math.Log(p / (1 - p)), row.Raw, 8);             // intercept-only: the logit of the level's proportion
            Assert.InRange(row.Shrinkage, 0, 1);
        }
    }
}
