using GpuHbm.Data;
using GpuHbm.Predictions;
using GpuHbm.Results;
using MathNet.Numerics.Distributions;
using Xunit;

namespace GpuHbm.Tests.Predictions;

/// <summary>
/// The batched prediction engine against values computed by hand from the draws and the data's own
/// columns (formula written out; MathNet's densities for the log likelihood), and its invariances.
/// </summary>
public class PosteriorPredictorTests
{
    private static readonly Lazy<(DataTable Data, Fit Fit)> Sleep = new(() =>
    {
        var data = DataTable.ReadCsv(TestPaths.ExampleData("sleepstudy.csv"));
        return (data, Glmm.Fit("Reaction ~ 1 + Days + (1 + Days | Subject)", data, new FitOptions { Chains = 2, Warmup = 150, Draws = 60, Seed = 11 }));
    });

    private static readonly Lazy<(DataTable Data, Fit Fit)> Cbpp = new(() =>
    {
        var data = DataTable.ReadCsv(TestPaths.ExampleData("cbpp.csv"));
        return (data, Glmm.Fit("incidence | trials(size) ~ period + (1 | herd)", data,
            new FitOptions { Family = "binomial", Factors = ["period"], Chains = 2, Warmup = 150, Draws = 60, Seed = 12 }));
    });

    private static double D(Fit fit, int draw, string name)
    {
        var (c, i) = (draw / fit.Draws.DrawCount(0), draw % fit.Draws.DrawCount(0));
        return fit.Draws.Draw(c, i)[fit.Draws.IndexOf(name)];
    }

    [Fact]
    public void Linear_predictor_and_log_likelihood_of_the_fitted_rows_match_a_hand_computation()
    {
        var (data, fit) = Sleep.Value;
        var engine = new PosteriorPredictor(fit, PredictionRows.FromFit(fit.Model));
        Assert.Equal(180, engine.RowCount);
        Assert.Equal(120, engine.DrawCount);
        var eta = engine.Compute(PredictionScale.LinearPredictor, 0, engine.DrawCount, 0, engine.RowCount);
        var ll = engine.Compute(PredictionScale.LogLikelihood, 0, engine.DrawCount, 0, engine.RowCount);
        var days = data["Days"].Numeric();
        var y = data["Reaction"].Numeric();
        var subject = data["Subject"].Raw;
        for (int d = 0; d < engine.DrawCount; d += 7)
            for (int i = 0; i < 180; i += 5)
            {
                double expected = D(fit, d, "b_Intercept") + D(fit, d, "b_Days") * days[i]
                    + D(fit, d, $"r_Subject[{subject[i]},Intercept]") + D(fit, d, $"r_Subject[{subject[i]},Days]") * days[i];
                Assert.Equal(expected, eta[d * 180 + i], 1e-9);
                Assert.Equal(Normal.PDFLn(expected, D(fit, d, "sigma"), y[i]), ll[d * 180 + i], 1e-9);
            }
    }

    [Fact]
    public void Binomial_expected_response_and_log_likelihood_match_a_hand_computation()
    {
        var (data, fit) = Cbpp.Value;
        var engine = new PosteriorPredictor(fit, PredictionRows.FromFit(fit.Model));
        var mu = engine.Compute(PredictionScale.ExpectedResponse, 0, engine.DrawCount, 0, engine.RowCount);
        var ll = engine.Compute(PredictionScale.LogLikelihood, 0, engine.DrawCount, 0, engine.RowCount);
        int n = engine.RowCount;
        var size = data["size"].Numeric();
        var inc = data["incidence"].Numeric();
        for (int d = 0; d < engine.DrawCount; d += 11)
            for (int i = 0; i < n; i++)
            {
                string period = data["period"].Raw[i]!;
                double eta = D(fit, d, "b_Intercept") + (period == "1" ? 0 : D(fit, d, "b_period" + period)) + D(fit, d, $"r_herd[{data["herd"].Raw[i]},Intercept]");
                double p = 1 / (1 + Math.Exp(-eta));
                Assert.Equal(size[i] * p, mu[d * n + i], 1e-9);
                Assert.Equal(Binomial.PMFLn(p, (int)size[i], (int)inc[i]), ll[d * n + i], 1e-8);
            }
    }

    [Fact]
    public void New_data_are_coded_with_the_fits_levels_and_give_the_fitted_rows_values()
    {
        var (data, fit) = Cbpp.Value;
        // Rows 40..55 of cbpp in reverse order: period levels appear in another order, and not all of them.
        var rows = Enumerable.Range(40, 16).Reverse().ToArray();
        var subset = data.SelectRows(rows.Order().ToArray());
        var reversed = new DataTable(subset.Columns.Select(c => new DataColumn(c.Name, c.Raw.Reverse().ToArray())).ToList(), "new.csv");
        var own = new PosteriorPredictor(fit, PredictionRows.FromFit(fit.Model));
        var fresh = new PosteriorPredictor(fit, PredictionRows.FromData(fit.Model, reversed));
        var a = own.Compute(PredictionScale.ExpectedResponse, 0, own.DrawCount, 0, own.RowCount);
        var b = fresh.Compute(PredictionScale.ExpectedResponse, 0, fresh.DrawCount, 0, fresh.RowCount);
        for (int d = 0; d < own.DrawCount; d++)
            for (int i = 0; i < rows.Length; i++)
                Assert.Equal(a[d * own.RowCount + rows[i]], b[d * rows.Length + i]);
    }

    [Fact]
    public void A_new_level_of_a_fixed_effect_factor_is_an_error_naming_column_row_and_levels()
    {
        var (_, fit) = Cbpp.Value;
        var data = DataTable.FromColumns(("herd", ["1", "2"]), ("size", [10, 10]), ("period", ["2", "5"]));
        var e = Assert.Throws<GpuHbmDataException>(() => PredictionRows.FromData(fit.Model, data));
        Assert.Contains("'period'", e.Message);
        Assert.Contains("row 2", e.Message);
        Assert.Contains("1, 2, 3, 4", e.Message);
    }

    [Fact]
    public void Missing_trials_and_missing_values_are_named()
    {
        var (_, fit) = Cbpp.Value;
        var noTrials = DataTable.FromColumns(("herd", ["1"]), ("period", ["2"]));
        Assert.Contains("'size'", Assert.Throws<GpuHbmDataException>(() => PredictionRows.FromData(fit.Model, noTrials)).Message);
        var missing = DataTable.FromColumns(("herd", ["1", null!]), ("size", [3, 4]), ("period", ["2", "3"]));
        var e = Assert.Throws<GpuHbmDataException>(() => PredictionRows.FromData(fit.Model, missing));
        Assert.Contains("'herd'", e.Message);
        Assert.Contains("row 2", e.Message);
    }

    [Fact]
    public void New_levels_are_an_error_by_default_and_sampled_or_left_out_on_request()
    {
        var (_, fit) = Sleep.Value;
        var data = DataTable.FromColumns(("Days", [0.0, 5.0, 5.0]), ("Subject", ["999", "999", "308"]));
        var rows = PredictionRows.FromData(fit.Model, data);
        Assert.Equal(["999"], rows.NewLevels[0]);
        var e = Assert.Throws<GpuHbmDataException>(() => new PosteriorPredictor(fit, rows));
        Assert.Contains("'999'", e.Message);
        Assert.Contains("row 1", e.Message);
        Assert.Contains("--new-levels", e.Message);

        var population = new PosteriorPredictor(fit, rows, new PredictionOptions { NewLevels = NewLevelMode.Population })
            .Compute(PredictionScale.LinearPredictor, 0, fit.Draws.TotalDrawCount, 0, 3);
        var fixedOnly = new PosteriorPredictor(fit, rows, new PredictionOptions { IncludeGroupEffects = false })
            .Compute(PredictionScale.LinearPredictor, 0, fit.Draws.TotalDrawCount, 0, 3);
        var sampled = new PosteriorPredictor(fit, rows, new PredictionOptions { NewLevels = NewLevelMode.Sample })
            .Compute(PredictionScale.LinearPredictor, 0, fit.Draws.TotalDrawCount, 0, 3);
        for (int d = 0; d < fit.Draws.TotalDrawCount; d++)
        {
            Assert.Equal(D(fit, d, "b_Intercept") + 5 * D(fit, d, "b_Days"), population[d * 3 + 1], 1e-9);
            Assert.Equal(fixedOnly[d * 3 + 1], population[d * 3 + 1], 1e-9);
            Assert.NotEqual(fixedOnly[d * 3 + 2], population[d * 3 + 2]);    // the known subject keeps its effects
            Assert.Equal(population[d * 3 + 2], sampled[d * 3 + 2]);
        }
    }

    [Fact]
    public void Sampled_new_level_effects_follow_the_fitted_covariance()
    {
        // Many draws of one new level's (intercept, slope): E[u0²] = E[sd0²], E[u1²] = E[sd1²], E[u0 u1] = E[cor sd0 sd1].
        var (_, fit) = Sleep.Value;
        int levels = 400;
        var data = DataTable.FromColumns(
            ("Days", Enumerable.Range(0, 2 * levels).Select(i => (object)(double)(i % 2)).ToArray()),
            ("Subject", Enumerable.Range(0, 2 * levels).Select(i => (object)("new" + i / 2)).ToArray()));
        var rows = PredictionRows.FromData(fit.Model, data);
        var options = new PredictionOptions { NewLevels = NewLevelMode.Sample };
        var eta = new PosteriorPredictor(fit, rows, options).Compute(PredictionScale.LinearPredictor, 0, fit.Draws.TotalDrawCount, 0, rows.Count);
        double s00 = 0, s11 = 0, s01 = 0;
        int draws = fit.Draws.TotalDrawCount, count = 0;
        for (int d = 0; d < draws; d++)
        {
            double b0 = D(fit, d, "b_Intercept"), b1 = D(fit, d, "b_Days");
            double sd0 = D(fit, d, "sd_Subject__Intercept"), sd1 = D(fit, d, "sd_Subject__Days"), cor = D(fit, d, "cor_Subject__Intercept__Days");
            for (int l = 0; l < levels; l++)
            {
                double eta0 = eta[d * rows.Count + 2 * l], eta1 = eta[d * rows.Count + 2 * l + 1];   // Days = 0 and 1
                double u0 = (eta0 - b0) / sd0, u1 = (eta1 - b1 - eta0) / sd1;
                s00 += u0 * u0;
                s11 += u1 * u1;
                s01 += u0 * u1 - cor;
                count++;
            }
        }
        // Standardized: E[u0²] = E[u1²] = 1, E[u0 u1] = cor; the Monte Carlo sd of a mean of n such products is at most sqrt(2/n).
        double tolerance = 4 * Math.Sqrt(2.0 / count);
        Assert.InRange(s00 / count, 1 - tolerance, 1 + tolerance);
        Assert.InRange(s11 / count, 1 - tolerance, 1 + tolerance);
        Assert.InRange(s01 / count, -tolerance, tolerance);
    }

    [Fact]
    public void Batches_and_threads_do_not_change_any_value()
    {
        var (_, fit) = Cbpp.Value;
        var rows = PredictionRows.FromFit(fit.Model);
        var engine = new PosteriorPredictor(fit, rows);
        foreach (var scale in new[] { PredictionScale.ExpectedResponse, PredictionScale.PosteriorPredictive })
        {
            var whole = engine.Compute(scale, 0, engine.DrawCount, 0, engine.RowCount);
            var pieces = new double[whole.Length];
            int batches = 0;
            engine.ForEachBatch(scale, batch =>
            {
                batches++;
                for (int d = 0; d < batch.DrawCount; d++)
                    for (int i = 0; i < batch.RowCount; i++)
                        pieces[(batch.FirstDraw + d) * engine.RowCount + batch.FirstRow + i] = batch[d, i];
            }, allDrawsPerBatch: scale == PredictionScale.PosteriorPredictive, maxValues: 500);
            Assert.True(batches > 10);
            Assert.Equal(whole, pieces);
        }
        var y = engine.Compute(PredictionScale.PosteriorPredictive, 0, engine.DrawCount, 0, engine.RowCount);
        var size = rows.Trials!;
        for (int k = 0; k < y.Length; k++) Assert.True(y[k] >= 0 && y[k] <= size[k % engine.RowCount] && y[k] == Math.Floor(y[k]));
    }

    [Fact]
    public void Posterior_predictive_draws_have_the_expected_response_as_mean()
    {
        // Gaussian: y_rep − η ~ N(0, σ²) per draw, so the standardized residuals have mean 0 and variance 1.
        var (_, fit) = Sleep.Value;
        var engine = new PosteriorPredictor(fit, PredictionRows.FromFit(fit.Model));
        var eta = engine.Compute(PredictionScale.ExpectedResponse, 0, engine.DrawCount, 0, engine.RowCount);
        var rep = engine.Compute(PredictionScale.PosteriorPredictive, 0, engine.DrawCount, 0, engine.RowCount);
        var z = new List<double>();
        for (int d = 0; d < engine.DrawCount; d++)
            for (int i = 0; i < engine.RowCount; i++) z.Add((rep[d * engine.RowCount + i] - eta[d * engine.RowCount + i]) / D(fit, d, "sigma"));
        double n = z.Count, mean = z.Average(), variance = z.Sum(v => (v - mean) * (v - mean)) / (n - 1);
        Assert.InRange(mean, -4 / Math.Sqrt(n), 4 / Math.Sqrt(n));
        Assert.InRange(variance, 1 - 4 * Math.Sqrt(2 / n), 1 + 4 * Math.Sqrt(2 / n));
    }

    [Fact]
    public void Offsets_and_known_standard_errors_come_from_the_new_rows()
    {
        // Poisson with an exposure offset: η = b_Intercept + b_x·x + r_g + log_t of the NEW row, E[y] = exp(η).
        var rng = new Random(7);
        int n = 120;
        var x = Enumerable.Range(0, n).Select(_ => rng.NextDouble()).ToArray();
        var logT = Enumerable.Range(0, n).Select(_ => Math.Log(1 + 9 * rng.NextDouble())).ToArray();
        var g = Enumerable.Range(0, n).Select(i => (object)$"g{i % 6}").ToArray();
        var y = Enumerable.Range(0, n).Select(i => (object)(double)Poisson.Sample(rng, Math.Exp(-1 + 0.5 * x[i] + logT[i]))).ToArray();
        var data = DataTable.FromColumns(("y", y), ("x", x.Cast<object>().ToArray()), ("log_t", logT.Cast<object>().ToArray()), ("g", g));
        var fit = Glmm.Fit("y ~ 1 + x + (1 | g) + offset(log_t)", data, new FitOptions { Family = "poisson", Chains = 1, Warmup = 150, Draws = 40, Seed = 3 });
        var fresh = DataTable.FromColumns(("x", [0.25, 0.25]), ("log_t", [0.0, Math.Log(50)]), ("g", ["g2", "g2"]));
        var engine = new PosteriorPredictor(fit, PredictionRows.FromData(fit.Model, fresh));
        var eta = engine.Compute(PredictionScale.LinearPredictor, 0, engine.DrawCount, 0, 2);
        var mu = engine.Compute(PredictionScale.ExpectedResponse, 0, engine.DrawCount, 0, 2);
        for (int d = 0; d < engine.DrawCount; d++)
        {
            double linear = D(fit, d, "b_Intercept") + 0.25 * D(fit, d, "b_x") + D(fit, d, "r_g[g2,Intercept]");
            Assert.Equal(linear, eta[d * 2], 1e-12);
            Assert.Equal(linear + Math.Log(50), eta[d * 2 + 1], 1e-12);
            Assert.Equal(50 * Math.Exp(linear), mu[d * 2 + 1], 1e-9 * mu[d * 2 + 1]);
        }

        // Meta-analysis with known SEs: y_rep = η + se·ε with the NEW row's se, so (y_rep − η)/se ~ N(0, 1) for se = 1 and 100.
        var schools = DataTable.ReadCsv(TestPaths.ExampleData("eight_schools.csv"));
        var meta = Glmm.Fit("y | se(sigma) ~ 1 + (1 | school)", schools, new FitOptions { Chains = 2, Warmup = 200, Draws = 500, Seed = 4 });
        var rows = DataTable.FromColumns(("school", ["3", "3"]), ("sigma", [1.0, 100.0]));
        var p = new PosteriorPredictor(meta, PredictionRows.FromData(meta.Model, rows));
        var e2 = p.Compute(PredictionScale.ExpectedResponse, 0, p.DrawCount, 0, 2);
        var rep = p.Compute(PredictionScale.PosteriorPredictive, 0, p.DrawCount, 0, 2);
        foreach (var (row, se) in new[] { (0, 1.0), (1, 100.0) })
        {
            var z = Enumerable.Range(0, p.DrawCount).Select(d => (rep[d * 2 + row] - e2[d * 2 + row]) / se).ToArray();
            double m = z.Average(), v = z.Sum(t => (t - m) * (t - m)) / (z.Length - 1);
            Assert.InRange(m, -4 / Math.Sqrt(z.Length), 4 / Math.Sqrt(z.Length));
            Assert.InRange(v, 1 - 4 * Math.Sqrt(2.0 / z.Length), 1 + 4 * Math.Sqrt(2.0 / z.Length));
        }
        Assert.Contains("'sigma'", Assert.Throws<GpuHbmDataException>(() =>
            new PosteriorPredictor(meta, PredictionRows.FromData(meta.Model, DataTable.FromColumns(("school", ["3"]))))
                .Compute(PredictionScale.PosteriorPredictive, 0, 1, 0, 1)).Message);
    }
}
