using GpuHbm.Data;
using GpuHbm.Loo;
using GpuHbm.Predictions;
using GpuHbm.Results;
using Xunit;

namespace GpuHbm.Tests.Loo;

/// <summary>PSIS-LOO from a fit: the log-likelihood matrix it uses, and leave-one-group-out's aggregation.</summary>
public class FitLooTests
{
    private static readonly Lazy<Fit> Sleep = new(() => Glmm.Fit("Reaction ~ 1 + Days + (1 + Days | Subject)",
        DataTable.ReadCsv(TestPaths.ExampleData("sleepstudy.csv")), new FitOptions { Chains = 2, Warmup = 150, Draws = 60, Seed = 61 }));

    private static double[][] LogLikColumns(Fit fit)
    {
        var engine = new PosteriorPredictor(fit, PredictionRows.FromFit(fit.Model));
        var ll = engine.Compute(PredictionScale.LogLikelihood, 0, engine.DrawCount, 0, engine.RowCount);
        return Enumerable.Range(0, engine.RowCount).Select(i => Enumerable.Range(0, engine.DrawCount).Select(d => ll[d * engine.RowCount + i]).ToArray()).ToArray();
    }

    [Fact]
    public void Loo_of_a_fit_is_psis_on_its_pointwise_log_likelihood()
    {
        var fit = Sleep.Value;
        var loo = PsisLoo.Of(fit, maxValues: 1000);   // small blocks: many batches
        var columns = LogLikColumns(fit);
        Assert.Equal(180, loo.Observations);
        Assert.Equal(120, loo.Draws);
        for (int i = 0; i < 180; i++) Assert.Equal(PsisLoo.Observation(columns[i], 2), loo.Pointwise[i]);
    }

    [Fact]
    public void Leave_one_group_out_sums_each_levels_rows()
    {
        var fit = Sleep.Value;
        var logo = PsisLoo.OfGroups(fit, "Subject");
        var columns = LogLikColumns(fit);
        var subject = fit.Settings.Data!["Subject"].Raw;
        Assert.Equal(18, logo.Observations);
        for (int g = 0; g < 18; g++)
        {
            string level = logo.Levels![g];
            var rows = Enumerable.Range(0, 180).Where(i => subject[i] == level).ToArray();
            var summed = Enumerable.Range(0, 120).Select(d => rows.Sum(i => columns[i][d])).ToArray();
            var expected = PsisLoo.Observation(summed, 2);
            Assert.Equal(expected.ElpdLoo, logo.Pointwise[g].ElpdLoo, 1e-9);
            Assert.Equal(expected.ParetoK, logo.Pointwise[g].ParetoK, 1e-9);
        }
        Assert.Contains("levels of Subject", logo.ToText());
        Assert.Contains("'Nope'", Assert.Throws<GpuHbmModelException>(() => PsisLoo.OfGroups(fit, "Nope")).Message);
    }
}
