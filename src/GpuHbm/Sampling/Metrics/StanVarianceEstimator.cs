using GpuHbm.Kernels;
namespace GpuHbm.Sampling.Metrics;

/// <summary>
/// Stan's diagonal metric estimate (stan/mcmc/var_adaptation.hpp, learn_variance): the Welford sample variance of
/// the draws, shrunk toward 1e-3 as (n/(n+5))·var + 1e-3·(5/(n+5)). Gradients are not used (callers may pass an empty span). Needs 2 draws.
/// </summary>
public sealed class StanVarianceEstimator : IMetricEstimator
{
    private readonly WelfordVariance _draws;

    public StanVarianceEstimator(int dimension) => _draws = new WelfordVariance(dimension);

    public int Dimension => _draws.Dimension;
    public long Count => _draws.Count;

    public void Add(ReadOnlySpan<double> draw, ReadOnlySpan<double> gradient) => _draws.Add(draw);

    public void Clear() => _draws.Restart();

    public void Save(CheckpointWriter writer) => _draws.Save(writer);

    public void Restore(CheckpointReader reader) => _draws.Restore(reader);

    public InverseMetric? Estimate(InverseMetric previous)
    {
        if (Count < 2) return null;
        var v = new double[Dimension];
        _draws.SampleVariance(v);
        DiagonalMetric.Regularize(v, Count);
        return new InverseMetric(v);
    }
}
