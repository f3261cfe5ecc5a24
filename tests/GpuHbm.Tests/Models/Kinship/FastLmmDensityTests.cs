using GpuHbm.Models.Kinship;
using MathNet.Numerics.Distributions;
using MathNet.Numerics.LinearAlgebra;
using Xunit;

namespace GpuHbm.Tests.Models.Kinship;

public class FastLmmDensityTests
{
    private const int N = 50, P = 2;

    private static (RelationshipMatrix K, double[] X, double[] Y, FastLmmDensity Density) Setup(FastLmmPriors priors)
    {
        var k = KinshipTestData.RandomKinship(N, 30, 17);
        var x = KinshipTestData.Design(N, 18);
        var z = KinshipTestData.Normals(new Random(19), N);
        var y = Enumerable.Range(0, N).Select(i => 1.0 + 0.5 * x[2 * i + 1] + 1.3 * z[i]).ToArray();
        var data = new RotatedKinshipData(KinshipEigenSystem.Decompose(k), x, P, y);
        return (k, x, y, new FastLmmDensity(data, priors));
    }

    /// <summary>log N(y | Xβ, σg²K + σe²I) by a dense Cholesky, plus priors and Jacobians from MathNet's distributions.</summary>
    private static double DenseLogDensity(RelationshipMatrix k, double[] x, double[] y, double[] theta, FastLmmPriors priors, bool halfNormal)
    {
        double sg = Math.Exp(theta[P]), se = Math.Exp(theta[P + 1]);
        var v = k.ToMatrix() * (sg * sg) + Matrix<double>.Build.DenseIdentity(N) * (se * se);
        var chol = v.Cholesky();
        var r = Vector<double>.Build.Dense(N, i => y[i] - x[2 * i] * theta[0] - x[2 * i + 1] * theta[1]);
        double lik = -0.5 * (N * Math.Log(2 * Math.PI) + chol.DeterminantLn + r.DotProduct(chol.Solve(r)));
        double prior = Normal.PDFLn(priors.BetaLocation, priors.BetaScale, theta[0]) + Normal.PDFLn(priors.BetaLocation, priors.BetaScale, theta[1]);
        double Half(ScalePrior p, double s) => Math.Log(2) + (halfNormal
            ? Normal.PDFLn(0, p.Scale, s)
            : StudentT.PDFLn(0, p.Scale, p.DegreesOfFreedom, s));
        prior += Half(priors.SigmaG, sg) + Half(priors.SigmaE, se);
        return lik + prior + theta[P] + theta[P + 1]; // Jacobians of σ = exp(log σ)
    }

    public static TheoryData<bool> PriorKinds => new() { true, false };

    [Theory]
    [MemberData(nameof(PriorKinds))]
    public void Log_density_equals_the_dense_multivariate_normal(bool halfNormal)
    {
        var priors = halfNormal
            ? new FastLmmPriors(3, ScalePrior.HalfNormal(2), ScalePrior.HalfNormal(1.5), BetaLocation: 0.2)
            : new FastLmmPriors(5, ScalePrior.HalfStudentT(3, 2.5), ScalePrior.HalfStudentT(4, 1));
        var (k, x, y, density) = Setup(priors);
        var rng = new Random(23);
        const int chains = 6;
        var theta = new double[chains * density.Dimension];
        for (int i = 0; i < theta.Length; i++) theta[i] = 2 * rng.NextDouble() - 1;
        var lp = new double[chains];
        var grad = new double[theta.Length];
        density.Evaluate(theta, lp, grad, chains);
        for (int c = 0; c < chains; c++)
        {
            double expected = DenseLogDensity(k, x, y, theta.AsSpan(c * 4, 4).ToArray(), priors, halfNormal);
            Assert.Equal(expected, lp[c], 1e-9 * Math.Abs(expected));
        }
    }

    [Fact]
    public void Gradient_matches_central_finite_differences()
    {
        var (_, _, _, density) = Setup(FastLmmPriors.Default);
        var rng = new Random(29);
        for (int trial = 0; trial < 4; trial++)
        {
            var theta = Enumerable.Range(0, 4).Select(_ => 2 * rng.NextDouble() - 1).ToArray();
            var grad = new double[4];
            var lp = new double[1];
            density.Evaluate(theta, lp, grad, 1);
            for (int d = 0; d < 4; d++)
            {
                const double h = 1e-5;
                var plus = (double[])theta.Clone(); plus[d] += h;
                var minus = (double[])theta.Clone(); minus[d] -= h;
                double lpP = Eval(density, plus), lpM = Eval(density, minus);
                double fd = (lpP - lpM) / (2 * h);
                Assert.Equal(fd, grad[d], 1e-6 * Math.Max(1, Math.Abs(fd)));
            }
        }
    }

    private static double Eval(FastLmmDensity density, double[] theta)
    {
        var lp = new double[1];
        density.Evaluate(theta, lp, new double[theta.Length], 1);
        return lp[0];
    }

    [Fact]
    public void Non_finite_position_gives_minus_infinity_and_zero_gradient()
    {
        var (_, _, _, density) = Setup(FastLmmPriors.Default);
        double[] theta = [0, 0, -800, -800]; // σg = σe = 0 → variance 0
        var lp = new double[1];
        var grad = new double[4] { 9, 9, 9, 9 };
        density.Evaluate(theta, lp, grad, 1);
        Assert.Equal(double.NegativeInfinity, lp[0]);
        Assert.All(grad, g => Assert.Equal(0, g));
    }

    [Fact]
    public void Conditional_mean_of_genetic_effects_is_the_dense_BLUP()
    {
        // E[u | y] = σg²K (σg²K + σe²I)⁻¹ (y − Xβ) (Henderson's BLUP), computed densely.
        var (k, x, y, density) = Setup(FastLmmPriors.Default);
        double[] theta = [0.9, 0.4, Math.Log(0.8), Math.Log(1.1)];
        var u = new double[N];
        density.DrawGeneticEffects(theta, new double[N], u);
        double a = 0.64, b = 1.21;
        var km = k.ToMatrix();
        var v = km * a + Matrix<double>.Build.DenseIdentity(N) * b;
        var r = Vector<double>.Build.Dense(N, i => y[i] - x[2 * i] * theta[0] - x[2 * i + 1] * theta[1]);
        var blup = km * a * v.Solve(r);
        for (int i = 0; i < N; i++) Assert.Equal(blup[i], u[i], 1e-9);

        // The conditional covariance a K − a² K V⁻¹ K, checked on its trace against Monte Carlo draws.
        var cov = km * a - km * a * v.Inverse() * km * a;
        var z = KinshipTestData.Normals(new Random(31), N);
        double sumSq = 0;
        const int draws = 400;
        var rng = new Random(37);
        for (int d = 0; d < draws; d++)
        {
            z = KinshipTestData.Normals(rng, N);
            density.DrawGeneticEffects(theta, z, u);
            for (int i = 0; i < N; i++) sumSq += (u[i] - blup[i]) * (u[i] - blup[i]);
        }
        double trace = cov.Trace(), mc = sumSq / draws;
        Assert.InRange(mc, 0.9 * trace, 1.1 * trace); // 400 draws of a sum of ~N χ² terms: SE well under 5%
    }

    [Fact]
    public void Data_rows_in_any_order_are_aligned_to_K()
    {
        var (k, x, y, density) = Setup(FastLmmPriors.Default);
        // The same data with rows reversed and K's ids matched by name.
        var order = Enumerable.Range(0, N).Reverse().ToArray();
        var ids = order.Select(i => k.Ids[i]).ToArray();
        var xs = order.SelectMany(i => new[] { x[2 * i], x[2 * i + 1] }).ToArray();
        var ys = order.Select(i => y[i]).ToArray();
        var shuffled = new FastLmmDensity(RotatedKinshipData.Create(k, ids, xs, P, ys), FastLmmPriors.Default);
        double[] theta = [0.3, -0.2, 0.1, -0.4];
        Assert.Equal(Eval(density, theta), Eval(shuffled, theta), 1e-9);
        var u = new double[N];
        var us = new double[N];
        density.DrawGeneticEffects(theta, new double[N], u);
        shuffled.DrawGeneticEffects(theta, new double[N], us);
        for (int r = 0; r < N; r++) Assert.Equal(u[order[r]], us[r], 1e-9);
    }

    [Fact]
    public void Heritability_is_the_variance_ratio()
    {
        Assert.Equal(0.5, FastLmmDensity.Heritability(1, 1));
        Assert.Equal(0.8, FastLmmDensity.Heritability(2, 1), 14);
    }
}
