using GpuHbm.Data;
using GpuHbm.Models;
using Xunit;

namespace GpuHbm.Tests.Models;

/// <summary>The prior location and scale of every coordinate of θ, which ChEES starts its chains and its metric from.</summary>
public class ParameterScaleTests
{
    private static CompiledModel Compile(string file, string formula, string[] priors) =>
        (CompiledModel)Glmm.Plan(formula, DataTable.ReadCsv(TestPaths.ExampleData(file)), new FitOptions { Priors = priors, Backend = "cpu" }).Model;

    [Fact]
    public void Sleepstudy_coordinates_take_their_priors_location_and_scale()
    {
        var model = Compile("sleepstudy.csv", "Reaction ~ 1 + Days + (1 + Days | Subject)",
            ["Intercept ~ normal(250, 100)", "b ~ normal(0, 50)", "sigma ~ normal(0, 50)", "sd ~ normal(0, 10)", "cor ~ lkj(2)"]);
        var s = model.UnconstrainedScale;
        var layout = model.Layout;
        Assert.Equal(model.Dimension, s.Dimension);
        Assert.Equal((250.0, 100.0), (s.Location[0], s.Scale[0]));                       // b_Intercept
        Assert.Equal((0.0, 50.0), (s.Location[1], s.Scale[1]));                          // b_Days
        int sigma = layout.Find("sigma")!.Offset, sd = layout.Find("sd_Subject")!.Offset, l = layout.Find("L_Subject")!.Offset;
        Assert.Equal((Math.Log(50), 1.0), (s.Location[sigma], s.Scale[sigma]));          // log sigma: log(|0| + 50)
        Assert.Equal((Math.Log(10), 1.0), (s.Location[sd + 1], s.Scale[sd + 1]));        // log sd
        Assert.Equal((0.0, 0.5), (s.Location[l], s.Scale[l]));                           // Cholesky factor
        var z = layout.Find("z_Subject")!;
        for (int i = z.Offset; i < z.Offset + z.Length; i++) Assert.Equal((0.0, 1.0), (s.Location[i], s.Scale[i]));
    }

    [Fact]
    public void Default_priors_give_data_scaled_locations_and_flat_priors_fall_back_to_them()
    {
        // Default Intercept prior student_t(3, median(y), max(2.5, mad(y))) rounded as brms: location median(y).
        var model = Compile("sleepstudy.csv", "Reaction ~ 1 + Days + (1 | Subject)", []);
        var intercept = model.Priors.First(p => p.Target == "Intercept").Distribution;
        Assert.Equal(intercept.Arguments[1], model.UnconstrainedScale.Location[0]);
        Assert.Equal(intercept.Arguments[2], model.UnconstrainedScale.Scale[0]);
        var flat = Compile("sleepstudy.csv", "Reaction ~ 1 + Days + (1 | Subject)", ["b ~ flat"]);
        var days = model.Priors.First(p => p.Target == "b[Days]").Distribution;   // the default this flat prior replaced
        Assert.Equal((days.Arguments[0], days.Arguments[1]), (flat.UnconstrainedScale.Location[1], flat.UnconstrainedScale.Scale[1]));
    }
}
