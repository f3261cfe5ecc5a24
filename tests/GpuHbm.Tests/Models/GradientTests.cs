using GpuHbm.Models;
using Xunit;
using static GpuHbm.Tests.Models.ModelTestHelpers;

namespace GpuHbm.Tests.Models;

/// <summary>Analytic gradient vs central finite differences, every family × random-effects structure.</summary>
public class GradientTests
{
    private static readonly Lazy<GpuHbm.Data.DataTable> Data = new(() => Synthetic(60, 11));

    public static TheoryData<string, string> Cases()
    {
        // The shared catalogue plus P = 2, which has its own loop in the density.
        var families = ModelCases.Families.Append(("gaussian", "yg ~ 1 + x2")).ToArray();
        var structures = ModelCases.Structures;
        var data = new TheoryData<string, string>();
        foreach (var (fam, f) in families)
            foreach (var s in structures) data.Add(fam, f + s);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Gradient_matches_central_differences(string family, string formula)
    {
        var priors = formula.Contains("(1 + x1 | g)") ? new[] { "cor ~ lkj(2)", "sd[g, x1] ~ normal(0.5, 1)" } : [];
        var model = Compile(formula, Family.Parse(family), Data.Value, priors);
        for (int seed = 1; seed <= 2; seed++)
        {
            var theta = RandomTheta(model.Dimension, seed * 7 + formula.Length, 0.8);
            var (lp, grad) = Evaluate(model, theta);
            Assert.True(double.IsFinite(lp), $"log density {lp}");
            for (int i = 0; i < theta.Length; i++)
            {
                double fd = CentralDifference(model, theta, i);
                double tol = 1e-6 * Math.Max(1, Math.Abs(fd)) + 1e-6;
                Assert.True(Math.Abs(fd - grad[i]) <= tol,
                    $"{formula}: d/dθ[{i}] ({Block(model, i)}) analytic {grad[i]:R}, finite difference {fd:R}");
            }
        }
    }

    [Fact]
    public void Multi_block_gradient_matches_naive_density_and_finite_differences()
    {
        // 10,000 rows: three blocks of 4096, so the scatter runs after all blocks; N × 1 chain stays sequential.
        var model = Compile("yp ~ 1 + x1 + f + offset(off) + (1 + x1 | g) + (1 | h)", Family.Poisson, Synthetic(10_000, 21));
        Assert.True(model.BlockRows < model.ObservationCount);
        var theta = RandomTheta(model.Dimension, 5, 0.3);
        var (lp, grad) = Evaluate(model, theta);
        double naive = NaiveDensity.LogDensity(model, theta);
        Assert.True(Math.Abs(naive - lp) < 1e-9 * Math.Abs(naive), $"naive {naive:R}, model {lp:R}");
        for (int i = 0; i < theta.Length; i++)
        {
            double fd = CentralDifference(model, theta, i);
            Assert.True(Math.Abs(fd - grad[i]) <= 1e-6 * Math.Max(1, Math.Abs(fd)) + 1e-5, $"d/dθ[{i}]: analytic {grad[i]:R}, fd {fd:R}");
        }
    }

    internal static double CentralDifference(IBatchedDensity model, double[] theta, int i)
    {
        // Richardson extrapolation of central differences with steps h and h/2.
        double D(double h)
        {
            var t = (double[])theta.Clone();
            t[i] = theta[i] + h;
            double up = LogDensity(model, t);
            t[i] = theta[i] - h;
            double down = LogDensity(model, t);
            return (up - down) / (2 * h);
        }
        const double step = 1e-3;
        return (4 * D(step / 2) - D(step)) / 3;
    }

    private static string Block(CompiledModel m, int i)
    {
        var b = m.Layout.Blocks.First(x => i >= x.Offset && i < x.Offset + x.Length);
        return $"{b.Name}[{i - b.Offset}]";
    }
}
