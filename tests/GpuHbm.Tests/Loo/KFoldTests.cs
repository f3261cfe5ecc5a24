using GpuHbm.Data;
using GpuHbm.Loo;
using GpuHbm.Results;
using Xunit;

namespace GpuHbm.Tests.Loo;

/// <summary>
/// K-fold cross-validation by refitting, against the closed form of a conjugate model: y_i ~ N(μ, se_i²) with known
/// se_i and μ ~ N(0, 10²). Leaving a fold F out, μ | y_−F ~ N(m, v) exactly, so log p(y_i | y_−F) = log N(y_i | m, v + se_i²).
/// </summary>
public class KFoldTests
{
    private static (DataTable Data, double[] Y, double[] Se, string[] G) Simulate()
    {
        var rng = new Random(17);
        int n = 24;
        var se = Enumerable.Range(0, n).Select(_ => 0.5 + 1.5 * rng.NextDouble()).ToArray();
        var y = se.Select(s => 3 + s * MathNet.Numerics.Distributions.Normal.Sample(rng, 0, 1)).ToArray();
        var g = Enumerable.Range(0, n).Select(i => $"site{i / 4}").ToArray();
        var data = DataTable.FromColumns(("y", y.Cast<object>().ToArray()), ("s", se.Cast<object>().ToArray()), ("site", g.Cast<object>().ToArray()));
        return (data, y, se, g);
    }

    /// <summary>The exact elpd_i and the Monte Carlo sd of its estimate from <paramref name="draws"/> independent draws of μ.</summary>
    private static (double Elpd, double Mcse) Exact(double[] y, double[] se, int[] fold, int i, int draws)
    {
        double precision = 1 / 100.0, weighted = 0;
        for (int j = 0; j < y.Length; j++)
            if (fold[j] != fold[i]) { precision += 1 / (se[j] * se[j]); weighted += y[j] / (se[j] * se[j]); }
        double m = weighted / precision, v = 1 / precision;
        double ef = MathNet.Numerics.Distributions.Normal.PDF(m, Math.Sqrt(v + se[i] * se[i]), y[i]);
        double ef2 = MathNet.Numerics.Distributions.Normal.PDF(m, Math.Sqrt(v + se[i] * se[i] / 2), y[i]) / (2 * Math.Sqrt(Math.PI) * se[i]);
        // sd of log(mean f) ≈ sd(f) / (√S · E f)
        return (Math.Log(ef), Math.Sqrt(Math.Max(ef2 - ef * ef, 0) / draws) / ef);
    }

    [Theory]
    [InlineData(null, 5)]
    [InlineData("site", 6)]
    public void Held_out_log_predictive_densities_match_the_conjugate_closed_form(string? group, int folds)
    {
        var (data, y, se, g) = Simulate();
        var fit = Glmm.Fit("y | se(s) ~ 1", data, new FitOptions { Chains = 2, Warmup = 300, Draws = 1000, Seed = 8, Priors = ["Intercept ~ normal(0, 10)"] });
        int reported = 0;
        var result = KFold.Run(fit, new KFoldOptions { Folds = folds, Group = group, FoldFinished = (f, k) => reported = f });
        Assert.Equal(folds, reported);
        var fold = result.Fold.ToArray();

        // The split: every fold used; sizes within one row (random) or one whole site per fold (grouped).
        var sizes = Enumerable.Range(0, folds).Select(f => fold.Count(x => x == f)).ToArray();
        Assert.True(sizes.Max() - sizes.Min() <= 1 || group is not null);
        if (group is not null)
            foreach (var site in g.Distinct()) Assert.Single(Enumerable.Range(0, y.Length).Where(i => g[i] == site).Select(i => fold[i]).Distinct());

        double sum = 0, mcse2 = 0;
        for (int i = 0; i < y.Length; i++)
        {
            // Effective draws taken as half the draws (NUTS on a one-dimensional normal is close to independent).
            var (exact, mcse) = Exact(y, se, fold, i, draws: 1000);
            Assert.True(Math.Abs(result.Elpd[i] - exact) < 5 * mcse + 1e-9, $"row {i + 1}: {result.Elpd[i]} vs exact {exact} (mcse {mcse})");
            sum += exact;
            mcse2 += mcse * mcse;
        }
        Assert.Equal(sum, result.ElpdKfold.Estimate, 5 * Math.Sqrt(mcse2));
        Assert.Equal(-2 * result.ElpdKfold.Estimate, result.Kfoldic.Estimate, 1e-12);
        // p_kfold = lpd − elpd_kfold is positive: the held-out rows are predicted worse than the fitted ones.
        Assert.InRange(result.PKfold.Estimate, 0, 10);
    }

    [Fact]
    public void Exact_refits_replace_psis_for_the_observations_above_the_threshold()
    {
        var (data, y, se, _) = Simulate();
        var fit = Glmm.Fit("y | se(s) ~ 1", data, new FitOptions { Chains = 2, Warmup = 300, Draws = 1000, Seed = 9, Priors = ["Intercept ~ normal(0, 10)"] });
        var psis = PsisLoo.Of(fit);
        // No k above 0.7 in this well-behaved model: nothing is refitted.
        var same = KFold.Reloo(fit, psis);
        Assert.Empty(same.Refitted);
        Assert.Equal(psis.ElpdLoo.Estimate, same.ElpdLoo.Estimate);

        // Threshold below every k: every observation refitted without itself, each against the closed form.
        var exact = KFold.Reloo(fit, psis, threshold: -1);
        Assert.Equal(y.Length, exact.Refitted.Count);
        var leaveOne = Enumerable.Range(0, y.Length).ToArray();
        for (int i = 0; i < y.Length; i++)
        {
            var (truth, mcse) = Exact(y, se, leaveOne, i, draws: 1000);
            var p = exact.Pointwise[i];
            Assert.True(Math.Abs(p.ElpdLoo - truth) < 5 * mcse + 1e-9, $"row {i + 1}: {p.ElpdLoo} vs exact {truth} (mcse {mcse})");
            Assert.Equal(psis.Pointwise[i].Lpd - p.ElpdLoo, p.PLoo, 1e-12);
            Assert.Equal(0, p.ParetoK);
            // PSIS on this model is itself close to exact LOO.
            Assert.Equal(psis.Pointwise[i].ElpdLoo, p.ElpdLoo, 0.05);
        }
        Assert.Contains("24 observation(s) refitted exactly", exact.ToText());
        Assert.Throws<GpuHbmException>(() => KFold.Reloo(fit, new LooResult(psis.Pointwise, psis.Draws) { Group = "site" }));
    }

    [Fact]
    public void Bad_fold_counts_and_groups_are_named()
    {
        var (data, _, _, _) = Simulate();
        var fit = Glmm.Fit("y | se(s) ~ 1", data, new FitOptions { Chains = 1, Warmup = 100, Draws = 50, Seed = 2 });
        Assert.Contains("between 2 and 6 (levels of site)",
            Assert.Throws<GpuHbmException>(() => KFold.Run(fit, new KFoldOptions { Folds = 7, Group = "site" })).Message);
        Assert.Contains("'nothing'", Assert.Throws<GpuHbmModelException>(() => KFold.Run(fit, new KFoldOptions { Group = "nothing" })).Message);
    }
}
