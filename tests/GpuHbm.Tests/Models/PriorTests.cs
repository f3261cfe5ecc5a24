using GpuHbm.Kernels;
using GpuHbm.Models;
using MathNet.Numerics.Distributions;
using Xunit;
using static GpuHbm.Tests.Models.ModelTestHelpers;

namespace GpuHbm.Tests.Models;

public class PriorTests
{
    [Theory]
    [InlineData("sd ~ normal(0, 50)", "sd ~ normal(0, 50)")]
    [InlineData("b[Days] ~ student_t(3, 0, 10)", "b[Days] ~ student_t(3, 0, 10)")]
    [InlineData("sd[county] ~ exponential(1)", "sd[county] ~ exponential(1)")]
    [InlineData("sd[county,floor] ~ cauchy(0,2.5)", "sd[county, floor] ~ cauchy(0, 2.5)")]
    [InlineData("cor ~ lkj(2)", "cor ~ lkj(2)")]
    [InlineData("cor[Subject] ~ lkj(0.5)", "cor[Subject] ~ lkj(0.5)")]
    [InlineData("Intercept ~ normal(250, 100)", "Intercept ~ normal(250, 100)")]
    [InlineData("  b[Intercept] ~ normal(-1e1, 2) ", "Intercept ~ normal(-10, 2)")]
    [InlineData("b ~ flat", "b ~ flat")]
    [InlineData("sigma ~ student_t(3, 0, 2.5)", "sigma ~ student_t(3, 0, 2.5)")]
    public void Parses_and_prints(string text, string expected)
    {
        var p = PriorSpec.Parse(text);
        Assert.Equal(expected, p.ToString());
        Assert.Equal(expected, PriorSpec.Parse(p.ToString()).ToString());
    }

    [Theory]
    [InlineData("sd normal(0, 1)", "'~'")]
    [InlineData("tau ~ normal(0, 1)", "unknown parameter class 'tau'")]
    [InlineData("sd ~ gamma(2, 1)", "unknown distribution 'gamma'")]
    [InlineData("sd ~ normal(0)", "normal takes 2 arguments")]
    [InlineData("sd ~ normal(0, -1)", "sigma must be positive")]
    [InlineData("b ~ normal(0, x)", "'x' is not a number")]
    [InlineData("b ~ lkj(2)", "not a valid prior for b")]
    [InlineData("cor ~ normal(0, 1)", "not a valid prior for cor")]
    [InlineData("b ~ exponential(1)", "not a valid prior for b")]
    [InlineData("sigma[g] ~ normal(0, 1)", "sigma takes no brackets")]
    [InlineData("sd ~ normal(0, 1", "missing ')'")]
    [InlineData("b[x ~ normal(0, 1)", "missing ']'")]
    [InlineData("b ~ normal", "needs its arguments")]
    public void Errors_say_what_is_wrong(string text, string expected)
    {
        var e = Assert.Throws<GpuHbmModelException>(() => PriorSpec.Parse(text));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Error_points_at_the_bad_character()
    {
        var e = Assert.Throws<GpuHbmModelException>(() => PriorSpec.Parse("sd ~ gama(1)"));
        var lines = e.Message.Split('\n');
        Assert.Equal("  sd ~ gama(1)", lines[1]);
        Assert.Equal("       ^", lines[2]);
    }

    [Fact]
    public void Half_normalizers_use_the_cdf()
    {
        Assert.Equal(Math.Log(2), new PriorDistribution(PriorDistributionKind.Normal, 0, 3).LogHalfNormalizer, 14);
        Assert.Equal(Math.Log(2), new PriorDistribution(PriorDistributionKind.StudentT, 3, 0, 2.5).LogHalfNormalizer, 12);
        Assert.Equal(Math.Log(2), new PriorDistribution(PriorDistributionKind.Cauchy, 0, 5).LogHalfNormalizer, 14);
        Assert.Equal(0, new PriorDistribution(PriorDistributionKind.Exponential, 2).LogHalfNormalizer);
        Assert.Equal(-Math.Log(1 - Normal.CDF(1, 2, 0)), new PriorDistribution(PriorDistributionKind.Normal, 1, 2).LogHalfNormalizer, 12);
        Assert.Equal(-Math.Log(1 - StudentT.CDF(-1, 2, 4, 0)), new PriorDistribution(PriorDistributionKind.StudentT, 4, -1, 2).LogHalfNormalizer, 10);
    }

    [Fact]
    public void Densities_match_MathNet()
    {
        foreach (var (d, ln) in new (PriorDistribution, Func<double, double>)[]
        {
            (new(PriorDistributionKind.Normal, 1, 2), v => Normal.PDFLn(1, 2, v)),
            (new(PriorDistributionKind.StudentT, 3, -1, 2.5), v => StudentT.PDFLn(-1, 2.5, 3, v)),
            (new(PriorDistributionKind.Cauchy, 0.5, 3), v => Cauchy.PDFLn(0.5, 3, v)),
            (new(PriorDistributionKind.Exponential, 1.5), v => Exponential.PDFLn(1.5, v)),
        })
            foreach (var v in new[] { 0.1, 1.7, 4.2 })
                Assert.Equal(ln(v), d.LogDensity(v, out _), 12);
    }

    [Fact]
    public void Sleepstudy_defaults_are_scaled_to_the_data()
    {
        var data = DesignMatrixTests.Csv("sleepstudy.csv");
        var m = Compile("Reaction ~ 1 + Days + (1 + Days | Subject)", Family.Gaussian, data);
        var text = m.Priors.Select(p => p.Text).ToList();
        double sdY = MathNet.Numerics.Statistics.Statistics.StandardDeviation(data["Reaction"].Numeric());
        double sdX = MathNet.Numerics.Statistics.Statistics.StandardDeviation(data["Days"].Numeric());
        // brms's get_prior() for this model prints student_t(3, 288.7, 59.3) for the intercept and the scales.
        Assert.Equal(new[]
        {
            "Intercept ~ student_t(3, 288.7, 59.3)",
            $"b[Days] ~ normal(0, {2.5 * sdY / sdX:G4})",
            "sd[Subject, Intercept] ~ student_t(3, 0, 59.3)",
            "sd[Subject, Days] ~ student_t(3, 0, 59.3)",
            "cor[Subject] ~ lkj(1)",
            "sigma ~ student_t(3, 0, 59.3)",
        }, text);
        Assert.All(m.Priors, p => Assert.True(p.IsDefault));
        Assert.True(m.Priors.Single(p => p.Class == PriorClass.Sigma).IsHalf);
    }

    [Fact]
    public void Non_gaussian_defaults_and_specific_priors_override_general_ones()
    {
        var data = Synthetic(30, 9);
        var m = Compile("yb ~ 1 + x1 + x2 + (1 + x1 || g) + (1 | h)", Family.Bernoulli, data,
            "b[x1] ~ normal(0, 2)", "b ~ normal(0, 1)", "sd ~ exponential(1)", "sd[g] ~ normal(0, 3)", "sd[g, x1] ~ cauchy(0, 1)");
        var byTarget = m.Priors.ToDictionary(p => p.Target, p => p.Distribution.ToString());
        Assert.Equal("student_t(3, 0, 2.5)", byTarget["Intercept"]);
        Assert.Equal("normal(0, 2)", byTarget["b[x1]"]);
        Assert.Equal("normal(0, 1)", byTarget["b[x2]"]);
        Assert.Equal("normal(0, 3)", byTarget["sd[g, Intercept]"]);
        Assert.Equal("cauchy(0, 1)", byTarget["sd[g, x1]"]);
        Assert.Equal("exponential(1)", byTarget["sd[h, Intercept]"]);
        Assert.True(m.Priors.Single(p => p.Target == "Intercept").IsDefault);
        Assert.False(m.Priors.Single(p => p.Target == "b[x2]").IsDefault);

        var d = Compile("yp ~ 1 + x2 + (1 | g)", Family.Poisson, data);
        double sdX = MathNet.Numerics.Statistics.Statistics.StandardDeviation(data["x2"].Numeric());
        Assert.Equal($"normal(0, {2.5 / sdX:G4})", d.Priors.Single(p => p.Target == "b[x2]").Distribution.ToString());
        Assert.Equal("sd[g, Intercept] ~ student_t(3, 0, 2.5)", d.Priors.Single(p => p.Class == PriorClass.Sd).Text);
    }
}
