using GpuHbm.Data;
using GpuHbm.Formulas;
using GpuHbm.Models;
using GpuHbm.Models.Kinship;
using MathNet.Numerics.Distributions;
using MathNet.Numerics.LinearAlgebra;
using Xunit;

namespace GpuHbm.Tests.Models.Kinship;

/// <summary>
/// The general path's density for (1 | gr(id, cov = K)): log density against a dense multivariate-normal
/// evaluation written here (MathNet), and the gradient against central finite differences.
/// </summary>
public class KinshipDensityTests
{
    private const int Individuals = 24, InK = 28;
    private static readonly string[] Priors = ["Intercept ~ normal(0, 5)", "b ~ normal(0, 2)", "sd ~ normal(0, 1.5)", "sigma ~ student_t(3, 0, 2)"];

    /// <summary>K over 28 individuals (4 of them without data); 24 individuals × 2 rows, shuffled; g has 3 levels.</summary>
    private static (RelationshipMatrix K, DataTable Data) Setup()
    {
        var k = KinshipTestData.RandomKinship(InK, 40, 101);
        var rng = new Random(102);
        var rows = Enumerable.Range(0, 2 * Individuals).OrderBy(_ => rng.Next()).ToArray();
        var ids = rows.Select(r => k.Ids[r % Individuals]).ToArray();
        var x = KinshipTestData.Normals(rng, rows.Length);
        var y = x.Select(v => 0.5 + 0.3 * v + rng.NextDouble()).ToArray();
        var yb = x.Select(v => rng.NextDouble() < 0.4 + 0.2 * Math.Tanh(v) ? "1" : "0").ToArray();
        var g = rows.Select(r => "G" + (r % 3)).ToArray();
        return (k, KinshipModelData.Table(ids, x, y, ("yb", yb), ("g", g)));
    }

    private static CompiledModel Compile(string formula, string family, RelationshipMatrix k, DataTable data) =>
        CompiledModel.Compile(new ModelSpec(FormulaParser.Parse(formula), Family.Parse(family),
            Priors.Where(p => family == "gaussian" || !p.StartsWith("sigma", StringComparison.Ordinal)).Select(PriorSpec.Parse).ToList(),
            RelationshipMatrices: new Dictionary<string, RelationshipMatrix> { ["K"] = k }), data);

    public static TheoryData<string, string> Cases => new()
    {
        { "gaussian", "y ~ 1 + x + (1 | gr(id, cov = K))" },
        { "bernoulli", "yb ~ 1 + x + (1 | gr(id, cov = K))" },
        { "gaussian", "y ~ 1 + x + (1 | gr(id, cov = K)) + (1 | g)" },
        { "bernoulli", "yb ~ 1 + x + (1 | g) + (1 | gr(id, cov = K))" },
    };

    /// <summary>
    /// The dense reference: r = sd·chol(Kε) z with Kε = K_levels + εI (ε = 1e-6·mean diagonal, the first
    /// jitter KinshipCholesky tries); log p = Σ log-lik + priors + Jacobians + log N(z; 0, I), the last
    /// computed as log MVN(r; 0, sd²Kε) + J log sd + ½ log|Kε| (the change of variables r = sd L z).
    /// </summary>
    private static double DenseLogDensity(CompiledModel m, RelationshipMatrix k, DataTable data, string family, string response, double[] theta)
    {
        int n = data.RowCount;
        var x = data["x"].Numeric();
        var y = data[response].Numeric();
        double lp = Normal.PDFLn(0, 5, theta[0]) + Normal.PDFLn(0, 2, theta[1]);
        var eta = Enumerable.Range(0, n).Select(i => theta[0] + theta[1] * x[i]).ToArray();
        foreach (var (term, t) in m.RandomTerms.Select((t, i) => (t, i)))
        {
            var blocks = m.Layout.Blocks.Where(b => b.Term == t).ToArray();
            double logSd = theta[blocks[0].Offset], sd = Math.Exp(logSd);
            var z = theta.AsSpan(blocks[^1].Offset, term.LevelCount).ToArray();
            lp += Math.Log(2) + Normal.PDFLn(0, 1.5, sd) + logSd;
            var levels = term.LevelNames;
            var column = data[term.GroupName].Raw;
            double[] r;
            if (term.Relationship is null)
            {
                r = z.Select(v => sd * v).ToArray();
                lp += z.Sum(v => Normal.PDFLn(0, 1, v));
            }
            else
            {
                var kl = Matrix<double>.Build.Dense(levels.Count, levels.Count, (a, b) => k[k.IndexOf(levels[a]), k.IndexOf(levels[b])]);
                double eps = 1e-6 * kl.Diagonal().Average();
                var keps = kl + Matrix<double>.Build.DenseIdentity(levels.Count) * eps;
                var chol = keps.Cholesky();
                var rv = chol.Factor * Vector<double>.Build.DenseOfArray(z) * sd;
                r = rv.ToArray();
                var cov = keps * (sd * sd);
                var cc = cov.Cholesky();
                double mvn = -0.5 * (levels.Count * Math.Log(2 * Math.PI) + cc.DeterminantLn + rv.DotProduct(cc.Solve(rv)));
                lp += mvn + levels.Count * logSd + 0.5 * keps.Cholesky().DeterminantLn;
            }
            for (int i = 0; i < n; i++) eta[i] += r[levels.ToList().IndexOf(column[i]!)];
        }
        if (family == "gaussian")
        {
            double logSigma = theta[m.Layout.Find("sigma")!.Offset], sigma = Math.Exp(logSigma);
            lp += Math.Log(2) + StudentT.PDFLn(0, 2, 3, sigma) + logSigma;
            for (int i = 0; i < n; i++) lp += Normal.PDFLn(eta[i], sigma, y[i]);
        }
        else
        {
            for (int i = 0; i < n; i++) lp += y[i] * eta[i] - Math.Log(1 + Math.Exp(eta[i]));
        }
        return lp;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Log_density_equals_the_dense_multivariate_normal_form(string family, string formula)
    {
        var (k, data) = Setup();
        var m = Compile(formula, family, k, data);
        var term = m.RandomTerms.Single(t => t.Relationship is not null);
        Assert.Equal(Individuals, term.LevelCount);
        Assert.Equal(InK - Individuals, term.Alignment!.DroppedCount);
        string response = family == "gaussian" ? "y" : "yb";
        for (int trial = 0; trial < 3; trial++)
        {
            var theta = ModelTestHelpers.RandomTheta(m.Dimension, 200 + trial, 0.8);
            double expected = DenseLogDensity(m, k, data, family, response, theta);
            double actual = ModelTestHelpers.LogDensity(m, theta);
            Assert.Equal(expected, actual, 1e-8 * Math.Max(1, Math.Abs(expected)));
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Gradient_matches_central_finite_differences(string family, string formula)
    {
        var (k, data) = Setup();
        var m = Compile(formula, family, k, data);
        var theta = ModelTestHelpers.RandomTheta(m.Dimension, 300, 0.8);
        var (_, grad) = ModelTestHelpers.Evaluate(m, theta);
        const double h = 1e-5;
        for (int d = 0; d < m.Dimension; d++)
        {
            var plus = (double[])theta.Clone(); plus[d] += h;
            var minus = (double[])theta.Clone(); minus[d] -= h;
            double fd = (ModelTestHelpers.LogDensity(m, plus) - ModelTestHelpers.LogDensity(m, minus)) / (2 * h);
            Assert.True(Math.Abs(fd - grad[d]) <= 1e-5 * Math.Max(1, Math.Abs(fd)), $"θ[{d}]: analytic {grad[d]}, finite difference {fd}");
        }
    }

    [Fact]
    public void Reported_effects_are_sd_times_L_z_and_h2_uses_the_family_residual_variance()
    {
        var (k, data) = Setup();
        var gauss = Compile("y ~ 1 + x + (1 | gr(id, cov = K))", "gaussian", k, data);
        var theta = ModelTestHelpers.RandomTheta(gauss.Dimension, 400, 0.8);
        var output = new double[gauss.OutputNames.Count];
        gauss.Constrain(theta, output);
        double sd = output[gauss.OutputNames.ToList().IndexOf("sd_id__Intercept")];
        double sigma = output[gauss.OutputNames.ToList().IndexOf("sigma")];
        Assert.Equal(sd * sd / (sd * sd + sigma * sigma), output[gauss.OutputNames.ToList().IndexOf("h2")], 1e-14);

        var bern = Compile("yb ~ 1 + x + (1 | gr(id, cov = K))", "bernoulli", k, data);
        bern.Constrain(theta.AsSpan(0, 2).ToArray().Concat(theta.AsSpan(3).ToArray()).ToArray(), output);
        sd = output[bern.OutputNames.ToList().IndexOf("sd_id__Intercept")];
        Assert.Equal(sd * sd / (sd * sd + Math.PI * Math.PI / 3), output[bern.OutputNames.ToList().IndexOf("h2")], 1e-14);

        var pois = CompiledModel.Compile(new ModelSpec(FormulaParser.Parse("yb ~ 1 + (1 | gr(id, cov = K))"), Family.Parse("poisson"), [],
            RelationshipMatrices: new Dictionary<string, RelationshipMatrix> { ["K"] = k }), data);
        Assert.DoesNotContain(pois.OutputNames, n => n.StartsWith("h2", StringComparison.Ordinal));

        var two = CompiledModel.Compile(new ModelSpec(FormulaParser.Parse("y ~ 1 + (1 | gr(id, cov = K)) + (1 | gr(g, cov = G))"), Family.Parse("gaussian"), [],
            RelationshipMatrices: new Dictionary<string, RelationshipMatrix>
            {
                ["K"] = k,
                ["G"] = new RelationshipMatrix(["G0", "G1", "G2"], [1, 0.5, 0, 0.5, 1, 0.2, 0, 0.2, 1]),
            }), data);
        Assert.Contains("h2_id", two.OutputNames);
        Assert.Contains("h2_g", two.OutputNames);
    }
}
