using GpuHbm.Data;
using GpuHbm.Models;
using Xunit;
using static GpuHbm.Tests.Models.ModelTestHelpers;

namespace GpuHbm.Tests.Models;

/// <summary>Invalid responses, unknown prior targets and rank-deficient designs give errors naming what is wrong.</summary>
public class ModelErrorTests
{
    private static DataTable Table(params (string, object[])[] cols) => DataTable.FromColumns(cols);

    private static string Fails<T>(Action a) where T : GpuHbmException => Assert.Throws<T>(a).Message;

    [Fact]
    public void Unknown_family_lists_supported_ones()
    {
        var msg = Fails<GpuHbmModelException>(() => Family.Parse("gamma"));
        Assert.Contains("'gamma'", msg);
        Assert.Contains("gaussian, bernoulli, binomial, poisson", msg);
        Assert.Same(Family.Poisson, Family.Parse(" Poisson "));
    }

    [Fact]
    public void Bernoulli_response_must_be_zero_or_one()
    {
        var d = Table(("y", [0, 1, 2, 0]), ("x", [1.0, 2.0, 3.0, 5.0]));
        var msg = Fails<GpuHbmDataException>(() => Compile("y ~ 1 + x", Family.Bernoulli, d));
        Assert.Contains("'y'", msg);
        Assert.Contains("row 3", msg);
    }

    [Fact]
    public void Binomial_counts_and_trials_are_checked()
    {
        var x = new object[] { 1.0, 2.0, 3.0 };
        Assert.Contains("row 2", Fails<GpuHbmDataException>(() =>
            Compile("s | trials(n) ~ 1 + x", Family.Binomial, Table(("s", [1, 5, 0]), ("n", [2, 4, 3]), ("x", x)))));
        Assert.Contains("row 1", Fails<GpuHbmDataException>(() =>
            Compile("s | trials(n) ~ 1 + x", Family.Binomial, Table(("s", [1.5, 2, 0]), ("n", [2, 4, 3]), ("x", x)))));
        var msg = Fails<GpuHbmDataException>(() =>
            Compile("s | trials(n) ~ 1 + x", Family.Binomial, Table(("s", [1, 2, 0]), ("n", [2, 4, 0]), ("x", x))));
        Assert.Contains("'n'", msg);
        Assert.Contains("row 3", msg);
        Assert.Contains("row 2", Fails<GpuHbmDataException>(() =>
            Compile("cbind(s, f) ~ 1 + x", Family.Binomial, Table(("s", [1, 2, 0]), ("f", [2, -1, 3]), ("x", x)))));
        Assert.Contains("trials", Fails<GpuHbmModelException>(() =>
            Compile("s ~ 1 + x", Family.Binomial, Table(("s", [1, 2, 0]), ("x", x)))));
    }

    [Fact]
    public void Poisson_counts_must_be_non_negative_integers()
    {
        var x = new object[] { 1.0, 2.0, 3.0 };
        Assert.Contains("row 2", Fails<GpuHbmDataException>(() => Compile("y ~ 1 + x", Family.Poisson, Table(("y", [1, -1, 0]), ("x", x)))));
        Assert.Contains("row 3", Fails<GpuHbmDataException>(() => Compile("y ~ 1 + x", Family.Poisson, Table(("y", [1, 1, 0.5]), ("x", x)))));
    }

    [Fact]
    public void Standard_errors_positive_and_only_for_gaussian()
    {
        var d = Table(("y", [1.0, 2, 3]), ("s", [1.0, 0, 2]), ("x", [1.0, 2, 4]));
        var msg = Fails<GpuHbmDataException>(() => Compile("y | se(s) ~ 1 + x", Family.Gaussian, d));
        Assert.Contains("'s'", msg);
        Assert.Contains("row 2", msg);
        Assert.Contains("gaussian", Fails<GpuHbmModelException>(() => Compile("y | se(s) ~ 1 + x", Family.Poisson, d)));
    }

    [Fact]
    public void Non_finite_values_name_column_and_row()
    {
        var d = new DataTable([new DataColumn("y", ["1", "NaN", "2"]), new DataColumn("x", ["1", "2", "4"])]);
        var msg = Fails<GpuHbmDataException>(() => Compile("y ~ 1 + x", Family.Gaussian, d));
        Assert.Contains("'y'", msg);
        Assert.Contains("row 2", msg);
        var d2 = new DataTable([new DataColumn("y", ["1", "2", "2"]), new DataColumn("x", ["1", "Infinity", "4"])]);
        Assert.Contains("row 2", Fails<GpuHbmDataException>(() => Compile("y ~ 1 + x", Family.Gaussian, d2)));
    }

    [Fact]
    public void Rank_deficient_design_names_the_columns()
    {
        var d = Table(("y", [1.0, 2, 3, 5, 4]), ("x", [1.0, 2, 3, 4, 6]), ("c", [3.0, 3, 3, 3, 3]),
            ("x2", [1.0, 2, 3, 4, 6]), ("x3", [-1.0, 1, 3, 5, 9]));
        var msg = Fails<GpuHbmModelException>(() => Compile("y ~ 1 + x + c", Family.Gaussian, d));
        Assert.Contains("'c'", msg);
        Assert.Contains("constant", msg);
        msg = Fails<GpuHbmModelException>(() => Compile("y ~ 1 + x + x2", Family.Gaussian, d));
        Assert.Contains("'x2' is identical to column 'x'", msg);
        msg = Fails<GpuHbmModelException>(() => Compile("y ~ 1 + x + x3", Family.Gaussian, d));   // x3 = 2x − 3
        Assert.Contains("'x3' is a linear combination of columns 'Intercept', 'x'", msg);
    }

    [Fact]
    public void Prior_on_missing_target_names_it_and_lists_valid_ones()
    {
        var data = Synthetic(30, 4);
        var msg = Fails<GpuHbmModelException>(() => Compile("yg ~ 1 + x1 + (1 + x1 | g)", Family.Gaussian, data, "b[x9] ~ normal(0, 1)"));
        Assert.Contains("'x9'", msg);
        Assert.Contains("b[x1]", msg);
        msg = Fails<GpuHbmModelException>(() => Compile("yg ~ 1 + x1 + (1 + x1 | g)", Family.Gaussian, data, "sd[county] ~ exponential(1)"));
        Assert.Contains("group 'county'", msg);
        Assert.Contains("sd[g]", msg);
        msg = Fails<GpuHbmModelException>(() => Compile("yg ~ 1 + x1 + (1 + x1 || g)", Family.Gaussian, data, "cor ~ lkj(2)"));
        Assert.Contains("no correlated", msg);
        msg = Fails<GpuHbmModelException>(() => Compile("yb ~ 1 + x1", Family.Bernoulli, data, "sigma ~ normal(0, 1)"));
        Assert.Contains("sigma", msg);
        Assert.Contains("Intercept, b, b[x1]", msg);
        msg = Fails<GpuHbmModelException>(() => Compile("yg ~ 0 + x1", Family.Gaussian, data, "Intercept ~ normal(0, 1)"));
        Assert.Contains("no intercept", msg);
    }

    [Fact]
    public void Unknown_column_is_named()
    {
        var msg = Fails<GpuHbmDataException>(() => Compile("yg ~ 1 + nope", Family.Gaussian, Synthetic(10, 1)));
        Assert.Contains("'nope'", msg);
    }
}
