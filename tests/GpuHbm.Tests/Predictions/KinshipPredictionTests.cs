using GpuHbm.Data;
using GpuHbm.Models.Kinship;
using GpuHbm.Predictions;
using GpuHbm.Results;
using MathNet.Numerics.LinearAlgebra;
using Xunit;

namespace GpuHbm.Tests.Predictions;

/// <summary>Predictions for individuals of a relationship matrix: the fitted ones, and those in K but not in the data.</summary>
public class KinshipPredictionTests
{
    // a..f: three sibling pairs (0.5), two rows each; g: half-sibling of a (0.25) and cousin of b (0.125); h: unrelated, in K.
    private static readonly string[] Ids = ["a", "b", "c", "d", "e", "f", "g", "h"];

    private static RelationshipMatrix FullK()
    {
        var v = new double[64];
        for (int i = 0; i < 8; i++)
            for (int j = 0; j < 8; j++) v[i * 8 + j] = i == j ? 1 : i < 6 && j < 6 && i / 2 == j / 2 ? 0.5 : 0;
        v[0 * 8 + 6] = v[6 * 8 + 0] = 0.25;
        v[1 * 8 + 6] = v[6 * 8 + 1] = 0.125;
        return new RelationshipMatrix(Ids, v, "test K");
    }

    private static readonly Lazy<Fit> General = new(() =>
    {
        var (_, data) = GpuHbm.Tests.Results.FitLoadTests.SmallKinship();
        return Glmm.Fit("y ~ 1 + (1 | gr(id, cov = K))", data, new FitOptions
        {
            Chains = 2, Warmup = 200, Draws = 300, Seed = 21, Priors = ["sd ~ normal(0, 1)"],
            RelationshipMatrices = new Dictionary<string, RelationshipMatrix> { ["K"] = FullK() },
        });
    });

    [Fact]
    public void Individuals_in_K_but_not_in_the_data_get_the_conditional_distribution()
    {
        var fit = General.Value;
        Assert.Equal("glmm", fit.Model.Method);
        var rows = PredictionRows.FromData(fit.Model, DataTable.FromColumns(("id", ["g", "h", "a"])));
        Assert.Equal(["g", "h"], rows.NewLevels[0]);
        int n = fit.Draws.TotalDrawCount;
        var eta = new PosteriorPredictor(fit, rows).Compute(PredictionScale.LinearPredictor, 0, n, 0, 3);

        // The model's prior: u ~ N(0, sd²(K + εI)), ε = 1e-6 (mean diagonal 1); conditional of (g, h) given a..f.
        var k = FullK();
        var m = Matrix<double>.Build.Dense(8, 8, (i, j) => k[i, j] + (i == j ? 1e-6 : 0));
        var koo = m.SubMatrix(0, 6, 0, 6);
        var kno = m.SubMatrix(6, 2, 0, 6);
        var a = kno * koo.Inverse();
        var c = m.SubMatrix(6, 2, 6, 2) - a * kno.Transpose();
        var draws = fit.Draws;
        var standardized = new List<double>[2] { [], [] };
        for (int d = 0; d < n; d++)
        {
            var (chain, it) = (d / draws.DrawCount(0), d % draws.DrawCount(0));
            var row = draws.Draw(chain, it).ToArray();
            double b0 = row[draws.IndexOf("b_Intercept")], sd = row[draws.IndexOf("sd_id__Intercept")];
            var uOld = Vector<double>.Build.Dense(6, j => row[draws.IndexOf($"r_id[{Ids[j]},Intercept]")]);
            var mean = a * uOld;
            Assert.Equal(b0 + uOld[0], eta[d * 3 + 2], 1e-9);
            for (int q = 0; q < 2; q++) standardized[q].Add((eta[d * 3 + q] - b0 - mean[q]) / (sd * Math.Sqrt(c[q, q])));
        }
        // Each standardized residual is N(0, 1) across draws: 4-sigma bounds on its mean and variance.
        foreach (var z in standardized)
        {
            double mu = z.Average(), v = z.Sum(x => (x - mu) * (x - mu)) / (n - 1);
            Assert.InRange(mu, -4 / Math.Sqrt(n), 4 / Math.Sqrt(n));
            Assert.InRange(v, 1 - 4 * Math.Sqrt(2.0 / n), 1 + 4 * Math.Sqrt(2.0 / n));
        }
        // h is unrelated to everyone: its mean is 0 and its variance sd²(1 + ε).
        Assert.Equal(0, a.Row(1).AbsoluteMaximum(), 12);
    }

    [Fact]
    public void An_individual_in_neither_the_fit_nor_K_is_named()
    {
        var fit = General.Value;
        var rows = PredictionRows.FromData(fit.Model, DataTable.FromColumns(("id", ["zz"])));
        var e = Assert.Throws<GpuHbmDataException>(() => new PosteriorPredictor(fit, rows, new PredictionOptions { NewLevels = NewLevelMode.Sample }));
        Assert.Contains("'zz'", e.Message);
        Assert.Contains("relationship matrix K", e.Message);
        var population = new PosteriorPredictor(fit, rows, new PredictionOptions { NewLevels = NewLevelMode.Population })
            .Compute(PredictionScale.LinearPredictor, 0, 5, 0, 1);
        for (int d = 0; d < 5; d++) Assert.Equal(fit.Draws.Draw(0, d)[fit.Draws.IndexOf("b_Intercept")], population[d]);
    }

    [Fact]
    public void The_fast_path_predicts_with_the_genetic_effects_a_fit_would_have_drawn()
    {
        // One row per individual: the FaST-LMM path; without --draw-genetic-effects the engine draws them as such a fit does.
        double[] y = [0.3, 0.1, -0.6, -0.3, 1.2, 0.9, 0.5, -0.1];
        var data = DataTable.FromColumns(("id", Ids.Cast<object>().ToArray()), ("y", y.Cast<object>().ToArray()));
        FitOptions Options(bool draw) => new()
        {
            Chains = 1, Warmup = 100, Draws = 30, Seed = 8, DrawGeneticEffects = draw,
            RelationshipMatrices = new Dictionary<string, RelationshipMatrix> { ["K"] = FullK() },
        };
        var without = Glmm.Fit("y ~ 1 + (1 | gr(id, cov = K))", data, Options(false));
        var with = Glmm.Fit("y ~ 1 + (1 | gr(id, cov = K))", data, Options(true));
        Assert.Equal("fastlmm", without.Model.Method);
        Assert.DoesNotContain("r_id[a,Intercept]", without.Draws.Names);
        var a = new PosteriorPredictor(without, PredictionRows.FromFit(without.Model)).Compute(PredictionScale.LinearPredictor, 0, 30, 0, 8);
        var b = new PosteriorPredictor(with, PredictionRows.FromFit(with.Model)).Compute(PredictionScale.LinearPredictor, 0, 30, 0, 8);
        // θ is rebuilt from the reported sd and sigma (log of exp), so the values agree to rounding.
        for (int i = 0; i < a.Length; i++) Assert.Equal(b[i], a[i], 1e-12);
        for (int d = 0; d < 30; d++)
            Assert.Equal(with.Draws.Draw(0, d)[with.Draws.IndexOf("b_Intercept")] + with.Draws.Draw(0, d)[with.Draws.IndexOf("r_id[c,Intercept]")], b[d * 8 + 2], 1e-12);
    }
}
