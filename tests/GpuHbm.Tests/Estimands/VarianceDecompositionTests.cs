using GpuHbm.Diagnostics;
using GpuHbm.Estimands;
using GpuHbm.Results;
using Xunit;

namespace GpuHbm.Tests.Estimands;

/// <summary>
/// Variance shares against closed forms evaluated on the fit's own variance draws (computed here,
/// independently of the code under test).
/// </summary>
public class VarianceDecompositionTests
{
    private static void AssertSummaryOf(double[] expected, QuantitySummary actual)
    {
        var sorted = expected.Order().ToArray();
        Close(expected.Average(), actual.Mean);
        Close(SampleStatistics.QuantileOfSorted(sorted, 0.05), actual.Lower);
        Close(SampleStatistics.QuantileOfSorted(sorted, 0.95), actual.Upper);
    }

    private static void Close(double expected, double actual) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-12 * Math.Max(1, Math.Abs(expected)), $"expected {expected:R}, got {actual:R}");

    [Fact]
    public void Gaussian_random_intercept_icc_is_sd2_over_sd2_plus_sigma2()
    {
        var fit = EstimandFits.SleepstudyRandomIntercept;
        var sd = EstimandFits.Pooled(fit, "sd_Subject__Intercept");
        var sigma = EstimandFits.Pooled(fit, "sigma");
        var icc = sd.Select((s, i) => s * s / (s * s + sigma[i] * sigma[i])).ToArray();

        var v = VarianceDecomposition.Compute(fit);
        Assert.Equal(VarianceScale.Data, v.Scale);
        AssertSummaryOf(icc, v.Correlations.Single(c => c.Column is null).Value);
        AssertSummaryOf(icc, v.Components[0].Share);
        AssertSummaryOf(sigma.Select(s => s * s).ToArray(), v.Components[1].Variance);
        Close(1.0, v.Components[0].Share.Mean + v.Components[1].Share.Mean);
        Assert.True(v.Components[0].Share.Rhat < 1.05);
    }

    [Fact]
    public void Random_slope_vpc_follows_the_quadratic_in_the_covariate()
    {
        var fit = EstimandFits.SleepstudyRandomSlopes;
        var t0 = EstimandFits.Pooled(fit, "sd_Subject__Intercept");
        var t1 = EstimandFits.Pooled(fit, "sd_Subject__Days");
        var rho = EstimandFits.Pooled(fit, "cor_Subject__Intercept__Days");
        var sigma = EstimandFits.Pooled(fit, "sigma");
        var v = VarianceDecomposition.Compute(fit, new VarianceDecompositionOptions { SlopeValues = new Dictionary<string, double[]> { ["Days"] = [0, 4.5, 9] } });
        foreach (double d in new[] { 0, 4.5, 9 })
        {
            var expected = t0.Select((_, i) =>
            {
                double g = t0[i] * t0[i] + 2 * rho[i] * t0[i] * t1[i] * d + t1[i] * t1[i] * d * d;
                return g / (g + sigma[i] * sigma[i]);
            }).ToArray();
            AssertSummaryOf(expected, v.Correlations.Single(c => c.Column == "Days" && c.At == d).Value);
        }
        // Default values: Days has 10 distinct values (0..9, 18 rows each), so its 5/50/95 % quantiles.
        var defaults = VarianceDecomposition.Compute(fit).Correlations.Where(c => c.Column == "Days").Select(c => c.At!.Value).ToArray();
        Assert.Equal([0, 4.5, 9], defaults);
    }

    [Fact]
    public void Nested_levels_add_up_and_crossed_levels_have_their_own_share()
    {
        var fit = EstimandFits.PastesNested;
        var batch = EstimandFits.Pooled(fit, "sd_batch__Intercept");
        var cask = EstimandFits.Pooled(fit, "sd_batch:cask__Intercept");
        var sigma = EstimandFits.Pooled(fit, "sigma");
        double[] Share(Func<int, double> numerator) => batch.Select((_, i) =>
            numerator(i) / (batch[i] * batch[i] + cask[i] * cask[i] + sigma[i] * sigma[i])).ToArray();

        var v = VarianceDecomposition.Compute(fit);
        Assert.Equal(["batch", "batch:cask", "residual"], v.Components.Select(c => c.Component));
        AssertSummaryOf(Share(i => batch[i] * batch[i]), v.Correlations.Single(c => c.Group == "batch").Value);
        AssertSummaryOf(Share(i => batch[i] * batch[i] + cask[i] * cask[i]), v.Correlations.Single(c => c.Group == "batch:cask").Value);
        AssertSummaryOf(Share(i => cask[i] * cask[i]), v.Components[1].Share);
        Assert.Equal(["batch", "batch:cask"], v.Correlations.Single(c => c.Group == "batch:cask").Includes);
    }

    [Fact]
    public void Binomial_icc_is_on_the_latent_scale_with_pi_squared_over_3()
    {
        var fit = EstimandFits.CbppBinomial;
        var sd = EstimandFits.Pooled(fit, "sd_herd__Intercept");
        var v = VarianceDecomposition.Compute(fit);
        Assert.Equal(VarianceScale.LatentLogistic, v.Scale);
        Assert.Contains("π²/3", v.ScaleDescription);
        AssertSummaryOf(sd.Select(s => s * s / (s * s + Math.PI * Math.PI / 3)).ToArray(), v.Correlations[0].Value);
    }

    [Fact]
    public void Poisson_icc_uses_the_log_normal_approximation()
    {
        // cbpp's incidence as a count with log(size) exposure: a small Poisson GLMM.
        var data = GpuHbm.Data.DataTable.ReadCsv(TestPaths.ExampleData("cbpp.csv"));
        var size = data["size"].Numeric();
        var withLog = new GpuHbm.Data.DataTable([.. data.Columns,
            new GpuHbm.Data.DataColumn("log_size", size.Select(s => (string?)Math.Log(s).ToString("R", System.Globalization.CultureInfo.InvariantCulture)).ToArray())]);
        var fit = Glmm.Fit("incidence ~ 1 + offset(log_size) + (1 | herd)", withLog,
            new FitOptions { Backend = "cpu", Family = "poisson", Chains = 2, Warmup = 300, Draws = 300, Seed = 8 });
        var b0 = EstimandFits.Pooled(fit, "b_Intercept");
        var sd = EstimandFits.Pooled(fit, "sd_herd__Intercept");
        double meanOffset = size.Select(s => Math.Log(s)).Average();
        var expected = sd.Select((s, i) =>
        {
            double lambda = Math.Exp(b0[i] + meanOffset + s * s / 2);
            return s * s / (s * s + Math.Log(1 + 1 / lambda));
        }).ToArray();
        var v = VarianceDecomposition.Compute(fit);
        Assert.Equal(VarianceScale.LogNormalApproximation, v.Scale);
        AssertSummaryOf(expected, v.Correlations[0].Value);
    }
}

/// <summary>Kinship models: h2 beside the shares, and equal to the genetic share when it is the only group-level term.</summary>
public class KinshipVarianceDecompositionTests
{
    [Fact]
    public void Heritability_sits_beside_the_shares_and_equals_the_genetic_share()
    {
        var (k, data, _) = GpuHbm.Tests.Models.Kinship.KinshipModelData.Simulate(8, 2, 10, 500, 1, 0.5, 1, 1, 3);
        var fit = Glmm.Fit("y ~ 1 + x + (1 | gr(id, cov = K))", data, new FitOptions
        {
            Backend = "cpu", Chains = 2, Warmup = 300, Draws = 300, Seed = 2,
            RelationshipMatrices = new Dictionary<string, GpuHbm.Models.Kinship.RelationshipMatrix> { ["K"] = k },
        });
        Assert.Equal("fastlmm", fit.Model.Method);
        var v = VarianceDecomposition.Compute(fit);
        var h2 = Assert.Single(v.Heritability);
        Assert.Equal("h2", h2.Name);
        var icc = v.Correlations.Single(c => c.Group == "id").Value;
        Assert.Equal(h2.Mean, icc.Mean, 12);
        Assert.Equal(h2.Upper, icc.Upper, 12);
    }
}
