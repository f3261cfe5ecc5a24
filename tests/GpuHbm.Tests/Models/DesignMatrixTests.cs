using GpuHbm.Data;
using GpuHbm.Models;
using Xunit;
using static GpuHbm.Tests.Models.ModelTestHelpers;

namespace GpuHbm.Tests.Models;

public class DesignMatrixTests
{
    internal static DataTable Csv(string file) => TestCsv.Read(TestPaths.ExampleData(file));

    [Fact]
    public void Cbpp_period_is_treatment_coded_and_herds_are_levels()
    {
        var data = Csv("cbpp.csv");
        var spec = new ModelSpec(TestFormula.Parse("incidence | trials(size) ~ 1 + period + (1 | herd)"), Family.Binomial, [], ["period"]);
        var m = CompiledModel.Compile(spec, data);
        Assert.Equal(new[] { "Intercept", "period2", "period3", "period4" }, m.FixedColumnNames);
        Assert.Equal(56, m.ObservationCount);
        var x = m.X.Span;
        var period = data["period"].Raw;
        for (int i = 0; i < 56; i++)
        {
            Assert.Equal(1.0, x[i * 4]);
            for (int l = 2; l <= 4; l++) Assert.Equal(period[i] == l.ToString() ? 1.0 : 0.0, x[i * 4 + l - 1]);
        }
        var herd = Assert.Single(m.RandomTerms);
        Assert.Equal(Enumerable.Range(1, 15).Select(i => i.ToString()), herd.LevelNames);
        Assert.False(herd.Correlated);
        Assert.Equal(new[] { "b_Intercept", "b_period2", "b_period3", "b_period4", "sd_herd__Intercept", "r_herd[1,Intercept]" },
            m.OutputNames.Take(6));
        Assert.Equal(4 + 1 + 15, m.OutputNames.Count);
        Assert.Equal(data["size"].Numeric(), m.Trials.ToArray());
        Assert.Equal("b [0, 4) Identity; sd_herd [4, 5) Log; z_herd [5, 20) NonCentered", m.Layout.ToString());
    }

    [Fact]
    public void Sleepstudy_subjects_sorted_and_correlated_effects_named_as_brms()
    {
        var m = Compile("Reaction ~ 1 + Days + (1 + Days | Subject)", Family.Gaussian, Csv("sleepstudy.csv"));
        var t = Assert.Single(m.RandomTerms);
        Assert.Equal(18, t.LevelCount);
        Assert.Equal("308", t.LevelNames[0]);
        Assert.Equal("372", t.LevelNames[^1]);
        Assert.Equal(t.LevelNames.OrderBy(s => s, StringComparer.Ordinal), t.LevelNames);
        Assert.True(t.Correlated);
        Assert.Equal(new[] { "Intercept", "Days" }, t.ColumnNames);
        Assert.Equal(new[] { "b_Intercept", "b_Days", "sd_Subject__Intercept", "sd_Subject__Days", "cor_Subject__Intercept__Days", "sigma",
            "r_Subject[308,Intercept]", "r_Subject[308,Days]", "r_Subject[309,Intercept]" }, m.OutputNames.Take(9));
        Assert.Equal(6 + 36, m.OutputNames.Count);
        Assert.Equal("b [0, 2) Identity; sigma [2, 3) Log; sd_Subject [3, 5) Log; L_Subject [5, 6) CholeskyCorr; z_Subject [6, 42) NonCentered",
            m.Layout.ToString());
        Assert.Equal(42, m.Dimension);
    }

    [Fact]
    public void Radon_counties_in_numeric_order_uncorrelated()
    {
        var m = Compile("log_radon ~ 1 + floor + (1 + floor || county)", Family.Gaussian, Csv("radon_mn.csv"));
        var t = Assert.Single(m.RandomTerms);
        Assert.Equal(Enumerable.Range(1, 85).Select(i => i.ToString()), t.LevelNames);
        Assert.False(t.Correlated);
        Assert.Equal(919, m.ObservationCount);
        Assert.DoesNotContain(m.OutputNames, n => n.StartsWith("cor_", StringComparison.Ordinal));
        Assert.Equal(2 + 1 + 2 + 170, m.Dimension);
        Assert.Equal("r_county[85,floor]", m.OutputNames[^1]);
    }

    [Fact]
    public void Eight_schools_with_known_standard_errors_has_no_sigma()
    {
        var m = Compile("y | se(sigma) ~ 1 + (1 | school)", Family.Gaussian, Csv("eight_schools.csv"), "Intercept ~ normal(0, 5)", "sd ~ cauchy(0, 5)");
        Assert.Equal("b [0, 1) Identity; sd_school [1, 2) Log; z_school [2, 10) NonCentered", m.Layout.ToString());
        Assert.Equal(new[] { "b_Intercept", "sd_school__Intercept", "r_school[1,Intercept]" }, m.OutputNames.Take(3));
        Assert.DoesNotContain("sigma", m.OutputNames);
        Assert.Equal(new[] { 15.0, 10, 16, 11, 9, 11, 10, 18 }, m.Se.ToArray());
        Assert.Equal(new[] { "Intercept ~ normal(0, 5)", "sd[school, Intercept] ~ cauchy(0, 5)" }, m.Priors.Select(p => p.Text));
    }

    [Fact]
    public void Interactions_and_contrasts_follow_R()
    {
        var data = Synthetic(30, 1);
        Assert.Equal(new[] { "Intercept", "x1", "fb", "fc", "x1:fb", "x1:fc" },
            Compile("yg ~ 1 + x1 + f + x1:f", Family.Gaussian, data).FixedColumnNames);
        // Without an intercept the first factor gets all its levels.
        Assert.Equal(new[] { "fa", "fb", "fc", "x2" }, Compile("yg ~ 0 + f + x2", Family.Gaussian, data).FixedColumnNames);
        // x1:f without f: contrasts, as R (x1 is marginal).
        Assert.Equal(new[] { "Intercept", "x1", "x1:fb", "x1:fc" }, Compile("yg ~ 1 + x1 + x1:f", Family.Gaussian, data).FixedColumnNames);
        // f:x1 alone: all levels.
        Assert.Equal(new[] { "Intercept", "fa:x1", "fb:x1", "fc:x1" }, Compile("yg ~ 1 + f:x1", Family.Gaussian, data).FixedColumnNames);
        // Two factors: first varies fastest.
        var data2 = DataTable.FromColumns(
            ("yg", Enumerable.Range(0, 24).Select(i => (object)Math.Sin(i)).ToArray()),
            ("f", Enumerable.Range(0, 24).Select(i => (object)((char)('a' + i % 3)).ToString()).ToArray()),
            ("h", Enumerable.Range(0, 24).Select(i => (object)("H" + (i / 3 % 4 + 1))).ToArray()));
        var m = Compile("yg ~ 1 + f + h + f:h", Family.Gaussian, data2);
        Assert.Equal(new[] { "Intercept", "fb", "fc", "hH2", "hH3", "hH4", "fb:hH2", "fc:hH2", "fb:hH3", "fc:hH3", "fb:hH4", "fc:hH4" }, m.FixedColumnNames);
    }

    [Fact]
    public void Nested_groups_are_observed_combinations_named_as_brms()
    {
        var data = DataTable.FromColumns(
            ("y", new object[] { 1.0, 2.0, 3.0, 4.0, 5.0, 6.0 }),
            ("a", new object[] { "B", "A", "B", "A", "A", "B" }),
            ("b", new object[] { "y", "x", "x", "x", "y", "y" }));
        var m = Compile("y ~ 1 + (1 | a) + (1 | a:b)", Family.Gaussian, data);
        var nested = m.RandomTerms[1];
        Assert.Equal("a:b", nested.GroupName);
        Assert.Equal(new[] { "A_x", "A_y", "B_x", "B_y" }, nested.LevelNames);
        Assert.Equal(new[] { 3, 0, 2, 0, 1, 3 }, nested.GroupIndex.ToArray());
        Assert.Contains("r_a:b[B_y,Intercept]", m.OutputNames);
        Assert.Contains("sd_a:b__Intercept", m.OutputNames);
    }

    [Fact]
    public void Random_slopes_of_a_factor_use_model_matrix_coding()
    {
        var data = Synthetic(30, 3);
        var m = Compile("yg ~ 1 + (0 + f | g) + (1 + f || h)", Family.Gaussian, data);
        Assert.Equal(new[] { "fa", "fb", "fc" }, m.RandomTerms[0].ColumnNames);
        Assert.Equal(new[] { "Intercept", "fb", "fc" }, m.RandomTerms[1].ColumnNames);
        Assert.Contains("cor_g__fa__fb", m.OutputNames);
        var i = m.OutputNames.ToList().IndexOf("cor_g__fa__fb");
        Assert.Equal(new[] { "cor_g__fa__fb", "cor_g__fa__fc", "cor_g__fb__fc" }, m.OutputNames.Skip(i).Take(3));
    }
}
