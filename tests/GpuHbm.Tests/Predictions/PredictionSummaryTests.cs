using GpuHbm.Data;
using GpuHbm.Diagnostics;
using GpuHbm.Predictions;
using Xunit;

namespace GpuHbm.Tests.Predictions;

/// <summary>fit.Predict: the summaries are those of the engine's draws (mean, sd, type-7 quantiles).</summary>
public class PredictionSummaryTests
{
    [Fact]
    public void Summaries_are_the_mean_sd_and_quantiles_of_the_draws()
    {
        var data = DataTable.ReadCsv(TestPaths.ExampleData("cbpp.csv"));
        var fit = Glmm.Fit("incidence | trials(size) ~ period + (1 | herd)", data,
            new FitOptions { Family = "binomial", Factors = ["period"], Chains = 2, Warmup = 150, Draws = 50, Seed = 51 });
        var options = new PredictOptions { Scales = [PredictionScale.LinearPredictor, PredictionScale.PosteriorPredictive], Probabilities = [0.1, 0.9] };
        var summary = fit.Predict(null, options);
        var engine = new PosteriorPredictor(fit, PredictionRows.FromFit(fit.Model));
        foreach (var scale in options.Scales)
        {
            var draws = engine.Compute(scale, 0, engine.DrawCount, 0, engine.RowCount);
            for (int i = 0; i < engine.RowCount; i++)
            {
                var x = Enumerable.Range(0, engine.DrawCount).Select(d => draws[d * engine.RowCount + i]).ToArray();
                Assert.Equal(SampleStatistics.Mean(x), summary.Mean(scale, i), 1e-12);
                Assert.Equal(SampleStatistics.StandardDeviation(x), summary.Sd(scale, i), 1e-12);
                Assert.Equal(SampleStatistics.Quantile(x, 0.1), summary.Quantile(scale, i, 0));
                Assert.Equal(SampleStatistics.Quantile(x, 0.9), summary.Quantile(scale, i, 1));
            }
        }
        var csv = new StringWriter();
        summary.WriteCsv(csv, fit.Settings.Data);
        var lines = csv.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(".row,herd,incidence,size,period,linpred_mean,linpred_sd,linpred_q10,linpred_q90,predict_mean,predict_sd,predict_q10,predict_q90", lines[0].TrimEnd('\r'));
        Assert.Equal(57, lines.Length);
        Assert.Contains("epred", Assert.Throws<GpuHbmException>(() => summary.Mean(PredictionScale.ExpectedResponse, 0)).Message);
    }
}
