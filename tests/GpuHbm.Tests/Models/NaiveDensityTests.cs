using GpuHbm.Models;
using Xunit;
using static GpuHbm.Tests.Models.ModelTestHelpers;

namespace GpuHbm.Tests.Models;

/// <summary>The log density, constants included, against <see cref="NaiveDensity"/>.</summary>
public class NaiveDensityTests
{
    private static readonly Lazy<GpuHbm.Data.DataTable> Data = new(() => Synthetic(48, 5));

    [Theory]
    [InlineData("gaussian", "yg ~ 1 + x1 + f + (1 + x1 | g)", new[] { "cor ~ lkj(2)", "sigma ~ normal(1, 2)" })]
    [InlineData("gaussian", "yg ~ 1 + x1 + f + (1 + x1 + x2 | g)", new[] { "b ~ cauchy(0, 3)", "sd ~ exponential(2)" })]
    [InlineData("gaussian", "yg ~ 0 + f + x2 + (1 | g) + (1 | g:h)", new string[0])]
    [InlineData("gaussian", "yg | se(se) ~ 1 + x1 + (1 | g)", new[] { "Intercept ~ normal(0, 5)", "sd ~ cauchy(0, 5)" })]
    [InlineData("bernoulli", "yb ~ 1 + x1 + f + (1 + x1 || g)", new[] { "sd[g, x1] ~ student_t(4, 0.5, 2)" })]
    [InlineData("binomial", "ys | trials(nt) ~ 1 + x1:f + (1 | g) + (1 + x2 | h)", new[] { "cor[h] ~ lkj(0.7)", "b ~ flat" })]
    [InlineData("binomial", "cbind(ys, nf) ~ 1 + f + (1 | h)", new string[0])]
    [InlineData("poisson", "yp ~ 1 + x1 + f + offset(off) + (1 + x1 | g)", new string[0])]
    [InlineData("gaussian", "yg | se(se) ~ 1 + (1 | g)", new[] { "Intercept ~ normal(0, 5)", "sd ~ cauchy(0, 5)" })]
    [InlineData("bernoulli", "yb ~ 0 + (1 | g)", new string[0])]
    [InlineData("gaussian", "yg ~ 1 + x2 + (1 + x2 | g)", new[] { "Intercept ~ normal(1, 10)", "b ~ normal(0, 10)", "sigma ~ normal(0, 1)", "sd ~ normal(0, 1)" })]
    public void Log_density_matches_naive_implementation(string family, string formula, string[] priors)
    {
        var model = Compile(formula, Family.Parse(family), Data.Value, priors);
        for (int seed = 1; seed <= 3; seed++)
        {
            var theta = RandomTheta(model.Dimension, seed, 1.0);
            double expected = NaiveDensity.LogDensity(model, theta);
            double actual = LogDensity(model, theta);
            Assert.True(Math.Abs(expected - actual) < 1e-6 * Math.Max(1, Math.Abs(expected)),
                $"{formula}: naive {expected:R}, model {actual:R}");
        }
    }

    [Fact]
    public void Non_finite_density_gives_negative_infinity_and_zero_gradient()
    {
        var model = Compile("yp ~ 1 + x1 + (1 | g)", Family.Poisson, Data.Value);
        var theta = new double[model.Dimension];
        theta[0] = 800;   // exp(800) overflows
        var (lp, grad) = Evaluate(model, theta);
        Assert.Equal(double.NegativeInfinity, lp);
        Assert.All(grad, g => Assert.Equal(0, g));
    }
}
