using GpuHbm.Models;
using Xunit;

namespace GpuHbm.Tests.Models;

/// <summary>The LKJ normalizing constant against direct numerical integration of det(Ω)^{η−1}.</summary>
public class LkjCorrCholeskyTests
{
    [Theory]
    [InlineData(0.5)]
    [InlineData(1.0)]
    [InlineData(2.0)]
    [InlineData(4.5)]
    public void Constant_for_two_by_two_matches_quadrature(double eta)
    {
        // ∫_{-1}^{1} (1 − r²)^{η−1} dr with r = sin(u) (removes the endpoint singularity for η < 1).
        const int steps = 200_000;
        double sum = 0, du = Math.PI / steps;
        for (int i = 0; i < steps; i++)
        {
            double u = -Math.PI / 2 + (i + 0.5) * du;
            double c = Math.Cos(u);
            sum += Math.Pow(c * c, eta - 1) * c * du;
        }
        Assert.Equal(-Math.Log(sum), LkjCorrCholesky.LogNormalizingConstant(2, eta), 6);
    }

    [Fact]
    public void Constant_for_uniform_three_by_three_is_the_elliptope_volume()
    {
        // The set of 3×3 correlation matrices has volume π²/2 (Rousseeuw and Molenberghs 1994).
        Assert.Equal(-Math.Log(Math.PI * Math.PI / 2), LkjCorrCholesky.LogNormalizingConstant(3, 1), 12);
    }

    [Fact]
    public void Constant_for_three_by_three_with_eta_two_matches_grid_integration()
    {
        // ∫ det(Ω) over the elliptope on a midpoint grid; det = 1 − a² − b² − c² + 2abc.
        const int n = 160;
        double h = 2.0 / n, sum = 0;
        for (int i = 0; i < n; i++)
        {
            double a = -1 + (i + 0.5) * h;
            for (int j = 0; j < n; j++)
            {
                double b = -1 + (j + 0.5) * h;
                for (int k = 0; k < n; k++)
                {
                    double c = -1 + (k + 0.5) * h;
                    double det = 1 - a * a - b * b - c * c + 2 * a * b * c;
                    if (det > 0) sum += det;
                }
            }
        }
        double integral = sum * h * h * h;
        Assert.Equal(-Math.Log(integral), LkjCorrCholesky.LogNormalizingConstant(3, 2), 3);
    }
}
