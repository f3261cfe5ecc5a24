using GpuHbm.Models.Kinship;
using GpuHbm.Results;
using MathNet.Numerics.LinearAlgebra;
using Xunit;

namespace GpuHbm.Tests.Models.Kinship;

/// <summary>
/// End-to-end kinship fits on simulated families (GenotypeSimulator → GRM → TraitSimulator): the truth
/// is covered, the fast and general paths agree, and REML agrees with an independent dense evaluation
/// and with the posterior under flat-ish priors.
/// </summary>
public class KinshipFitTests(ITestOutputHelper log)
{
    private const string Formula = "y ~ 1 + x + (1 | gr(id, cov = K))";
    private const double Beta0 = 1, Beta1 = 0.5, SigmaG = 1, SigmaE = 1;

    // N = 50·5 + 100 = 350 (families of two parents and three children, and unrelated individuals).
    private static readonly Lazy<(RelationshipMatrix K, GpuHbm.Data.DataTable Data, SimulatedTrait Trait)> Large =
        new(() => KinshipModelData.Simulate(50, 3, 100, 2000, Beta0, Beta1, SigmaG, SigmaE, 31));

    // N = 20·5 + 50 = 150, for the general path (O(N²) per gradient).
    private static readonly Lazy<(RelationshipMatrix K, GpuHbm.Data.DataTable Data, SimulatedTrait Trait)> Small =
        new(() => KinshipModelData.Simulate(20, 3, 50, 1500, Beta0, Beta1, SigmaG, SigmaE, 41));

    private static FitOptions Options(RelationshipMatrix k, int draws, ulong seed, bool fast = true, params string[] priors) => new()
    {
        Chains = 4, Warmup = 500, Draws = draws, Seed = seed, Priors = priors,
        RelationshipMatrices = new Dictionary<string, RelationshipMatrix> { ["K"] = k }, KinshipFastPath = fast,
    };

    private void Print(Fit fit) => log.WriteLine(fit.Summary.ToText());

    [Fact]
    public void Posterior_90_percent_intervals_cover_the_simulated_truth()
    {
        var (k, data, _) = Large.Value;
        var fit = Glmm.Fit(Formula, data, Options(k, 1000, 5));
        Print(fit);
        Assert.Equal("fastlmm", fit.Model.Method);
        Assert.Equal(["b_Intercept", "b_x", "sd_id__Intercept", "sigma", "h2"], fit.Draws.Names);
        var truth = new Dictionary<string, double>
        {
            ["b_Intercept"] = Beta0, ["b_x"] = Beta1, ["sd_id__Intercept"] = SigmaG, ["sigma"] = SigmaE,
            ["h2"] = SigmaG * SigmaG / (SigmaG * SigmaG + SigmaE * SigmaE),
        };
        foreach (var (name, value) in truth)
        {
            var row = fit.Summary[name];
            Assert.True(row.Q5 <= value && value <= row.Q95, $"{name}: truth {value} outside [{row.Q5}, {row.Q95}]");
            Assert.True(row.Rhat < 1.01, $"{name}: R-hat {row.Rhat}");
        }
    }

    [Fact]
    public void Fast_and_general_paths_give_the_same_posterior()
    {
        var (k, data, _) = Small.Value;
        var fast = Glmm.Fit(Formula, data, Options(k, 4000, 7) with { DrawGeneticEffects = true });
        var general = Glmm.Fit(Formula, data, Options(k, 1500, 8, fast: false));
        Print(fast);
        Print(general);
        Assert.Equal("fastlmm", fast.Model.Method);
        Assert.Equal("glmm", general.Model.Method);
        Assert.Equal(general.Draws.Names, fast.Draws.Names);   // same names, r_ included when drawn
        Assert.Equal(general.Model.Priors.Select(p => p.Text), fast.Model.Priors.Select(p => p.Text));
        foreach (var name in new[] { "b_Intercept", "b_x", "sd_id__Intercept", "sigma", "h2" })
        {
            var f = fast.Summary[name];
            var g = general.Summary[name];
            double sd = Math.Max(f.Sd, g.Sd);
            // Within 0.1 sd, or within 4 Monte Carlo standard errors of the difference where those are larger (the
            // general path mixes slowly in σ and sd: bulk ESS about 250 here). MCSE of a mean: sd/√ESS_bulk; of
            // an sd: about sd/√(2·ESS_bulk).
            double meanTolerance = Math.Max(0.1 * sd, 4 * Math.Sqrt(f.Sd * f.Sd / f.EssBulk + g.Sd * g.Sd / g.EssBulk));
            double sdTolerance = Math.Max(0.1 * sd, 4 * Math.Sqrt(f.Sd * f.Sd / (2 * f.EssBulk) + g.Sd * g.Sd / (2 * g.EssBulk)));
            log.WriteLine($"{name}: fast {f.Mean:F4} general {g.Mean:F4} ({(f.Mean - g.Mean) / sd:F3} sd, tolerance {meanTolerance / sd:F3} sd); "
                + $"sd {f.Sd:F4} vs {g.Sd:F4} (tolerance {sdTolerance:F4})");
            Assert.True(Math.Abs(f.Mean - g.Mean) < meanTolerance, $"{name}: fast mean {f.Mean}, general {g.Mean}, tolerance {meanTolerance}");
            Assert.True(Math.Abs(f.Sd - g.Sd) < sdTolerance, $"{name}: fast sd {f.Sd}, general {g.Sd}, tolerance {sdTolerance}");
        }
        // Genetic effects: drawn from the conditional on the fast path, sampled on the general path.
        var levels = fast.Model.RandomTerms[0].LevelNames;
        double worst = 0;
        foreach (var level in levels.Take(30))
        {
            var f = fast.Summary[$"r_id[{level},Intercept]"];
            var g = general.Summary[$"r_id[{level},Intercept]"];
            worst = Math.Max(worst, Math.Abs(f.Mean - g.Mean) / Math.Max(f.Sd, g.Sd));
        }
        log.WriteLine($"largest r_ mean difference over 30 levels: {worst:F3} posterior sd");
        Assert.True(worst < 0.15, $"r_ means differ by up to {worst} posterior sd");
    }

    /// <summary>
    /// The restricted log-likelihood of y ~ N(Xβ, σg²(K + δI)) with σg² profiled out, by dense
    /// matrices (no eigendecomposition): −½[log|H| + log|XᵀH⁻¹X| + (N−P) log(ỹᵀH⁻¹ỹ)], H = K + δI,
    /// ỹ = y − Xβ̂ (GLS). Constant terms dropped.
    /// </summary>
    private static double DenseRestricted(Matrix<double> k, Matrix<double> x, Vector<double> y, double delta)
    {
        int n = k.RowCount, p = x.ColumnCount;
        var h = k + Matrix<double>.Build.DenseIdentity(n) * delta;
        var ch = h.Cholesky();
        var hx = ch.Solve(x);
        var xhx = x.TransposeThisAndMultiply(hx);
        var cx = xhx.Cholesky();
        var beta = cx.Solve(x.TransposeThisAndMultiply(ch.Solve(y)));
        var r = y - x * beta;
        return -0.5 * (ch.DeterminantLn + cx.DeterminantLn + (n - p) * Math.Log(r.DotProduct(ch.Solve(r))));
    }

    [Fact]
    public void Reml_heritability_matches_a_dense_restricted_likelihood_and_the_flat_prior_posterior_peaks_there()
    {
        var (k, data, _) = Large.Value;
        var ids = data["id"].Raw.Select(s => s!).ToArray();
        var xs = data["x"].Numeric();
        var ys = data["y"].Numeric();
        int n = ids.Length;
        var design = new double[2 * n];
        for (int i = 0; i < n; i++) { design[2 * i] = 1; design[2 * i + 1] = xs[i]; }
        var reml = RemlGrid.Estimate(RotatedKinshipData.Create(k, ids, design, 2, ys));

        // Independent: dense restricted likelihood over h² ∈ (0, 1), δ = (1 − h²)/h², coarse grid then fine.
        var kd = Matrix<double>.Build.Dense(n, n, (a, b) => k[k.IndexOf(ids[a]), k.IndexOf(ids[b])]);
        var xm = Matrix<double>.Build.Dense(n, 2, (i, j) => design[2 * i + j]);
        var yv = Vector<double>.Build.DenseOfArray(ys);
        double Best(IEnumerable<double> grid) => grid.MaxBy(h => DenseRestricted(kd, xm, yv, (1 - h) / h));
        double coarse = Best(Enumerable.Range(1, 99).Select(i => i / 100.0));
        double fine = Best(Enumerable.Range(-100, 201).Select(i => coarse + i / 10000.0).Where(h => h > 0 && h < 1));
        log.WriteLine($"REML ĥ² {reml.Heritability:F4} (σg² {reml.SigmaG2:F3}, σe² {reml.SigmaE2:F3}); dense restricted-likelihood mode {fine:F4}");
        Assert.False(reml.AtBoundary);
        Assert.True(Math.Abs(reml.Heritability - fine) <= 2e-4, $"REML ĥ² {reml.Heritability} vs dense mode {fine}");

        // The sampler under flat priors on b and wide ones on sd and sigma: the posterior of h² peaks near ĥ².
        var fit = Glmm.Fit(Formula, data, Options(k, 2000, 9, true,
            "Intercept ~ flat", "b ~ flat", "sd ~ student_t(3, 0, 100)", "sigma ~ student_t(3, 0, 100)"));
        var h2 = fit["h2"].SelectMany(c => c).ToArray();
        double bandwidth = 1.06 * StdDev(h2) * Math.Pow(h2.Length, -0.2);
        double mode = Enumerable.Range(1, 999).Select(i => i / 1000.0)
            .MaxBy(g => h2.Sum(v => Math.Exp(-0.5 * Math.Pow((g - v) / bandwidth, 2))));
        log.WriteLine($"posterior h² mode (KDE, bandwidth {bandwidth:F3}) {mode:F3}, mean {h2.Average():F3}, sd {StdDev(h2):F3}");
        Assert.True(Math.Abs(mode - reml.Heritability) < 0.1, $"posterior h² mode {mode} vs REML {reml.Heritability}");
    }

    private static double StdDev(double[] v)
    {
        double m = v.Average();
        return Math.Sqrt(v.Sum(a => (a - m) * (a - m)) / (v.Length - 1));
    }
}
