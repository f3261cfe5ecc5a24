using GpuHbm.Kernels;
namespace GpuHbm.Sampling.Metrics;

/// <summary>
/// nutpie's diagonal metric from draws and gradients (Seyboldt, Carlson &amp; Carpenter, "Preconditioning HMC by
/// minimizing Fisher divergence", §3; nuts-rs array_update_var_inv_std_draw_grad):
/// <code>
/// dᵢ = √(var(xᵢ) / var(∂ᵢ log π)),
/// </code>
/// the diagonal that minimises the Fisher divergence between the target and a normal with that diagonal
/// covariance. It is exact for any normal target with diagonal covariance (var(∂ᵢ log π) = 1/σᵢ²) and, unlike the
/// draw variance alone, uses the curvature information in the gradients, so it is already good after a few draws.
/// Values are clamped to [<see cref="InverseMetric.MinVariance"/>, <see cref="InverseMetric.MaxVariance"/>]; a
/// coordinate whose ratio is 0 or not finite keeps the previous value. Needs 3 draws (as nuts-rs).
/// </summary>
public sealed class DrawGradientDiagonalEstimator : IMetricEstimator
{
    /// <summary>Fewest draws for an estimate.</summary>
    public const int MinDraws = 3;

    private readonly WelfordVariance _draws, _gradients;

    public DrawGradientDiagonalEstimator(int dimension)
    {
        _draws = new WelfordVariance(dimension);
        _gradients = new WelfordVariance(dimension);
    }

    public int Dimension => _draws.Dimension;
    public long Count => _draws.Count;

    public void Add(ReadOnlySpan<double> draw, ReadOnlySpan<double> gradient)
    {
        _draws.Add(draw);
        _gradients.Add(gradient);
    }

    public void Clear()
    {
        _draws.Restart();
        _gradients.Restart();
    }

    public void Save(CheckpointWriter writer)
    {
        _draws.Save(writer);
        _gradients.Save(writer);
    }

    public void Restore(CheckpointReader reader)
    {
        _draws.Restore(reader);
        _gradients.Restore(reader);
    }

    public InverseMetric? Estimate(InverseMetric previous)
    {
        if (Count < MinDraws) return null;
        int d = Dimension;
        var drawVariance = new double[d];
        var gradientVariance = new double[d];
        _draws.SampleVariance(drawVariance);
        _gradients.SampleVariance(gradientVariance);
        var result = new double[d];
        var fallback = previous.MatrixDiagonal();
        for (int i = 0; i < d; i++) result[i] = Ratio(drawVariance[i], gradientVariance[i], fallback[i]);
        return new InverseMetric(result);
    }

    /// <summary>√(drawVariance / gradientVariance) clamped, or <paramref name="fallback"/> where that is 0 or not finite.</summary>
    internal static double Ratio(double drawVariance, double gradientVariance, double fallback)
    {
        double value = Math.Sqrt(drawVariance / gradientVariance);
        return !double.IsFinite(value) || value == 0 ? fallback : Math.Clamp(value, InverseMetric.MinVariance, InverseMetric.MaxVariance);
    }
}
