using GpuHbm.Models;

namespace GpuHbm.Tests.Sampling;

/// <summary>Independent normals N(0, σᵢ²): log π = −½ Σ (xᵢ/σᵢ)², ∇ = −xᵢ/σᵢ².</summary>
internal sealed class IidNormalDensity(double[] scales) : IBatchedDensity
{
    public double[] Scales { get; } = scales;
    public int Dimension => Scales.Length;
    private int _evaluations;
    public int Evaluations => Volatile.Read(ref _evaluations);

    public static IidNormalDensity Standard(int d) => new(Enumerable.Repeat(1.0, d).ToArray());

    /// <summary>Scales spread log-uniformly over [0.1, 10] (a 100-fold range, 10⁴ in variance).</summary>
    public static IidNormalDensity Spread(int d) =>
        new(Enumerable.Range(0, d).Select(i => Math.Pow(10, -1 + 2.0 * i / Math.Max(1, d - 1))).ToArray());

    public void Evaluate(ReadOnlySpan<double> positions, Span<double> logDensity, Span<double> gradient, int chains)
    {
        Interlocked.Add(ref _evaluations, chains);
        int d = Dimension;
        for (int c = 0; c < chains; c++)
        {
            double lp = 0;
            for (int i = 0; i < d; i++)
            {
                double x = positions[c * d + i], s2 = Scales[i] * Scales[i];
                lp -= 0.5 * x * x / s2;
                gradient[c * d + i] = -x / s2;
            }
            logDensity[c] = double.IsFinite(lp) ? lp : double.NegativeInfinity;
        }
    }
}

/// <summary>A 2-D normal with unit variances and correlation ρ.</summary>
internal sealed class CorrelatedNormal2D(double rho) : IBatchedDensity
{
    public double Rho { get; } = rho;
    public int Dimension => 2;

    public void Evaluate(ReadOnlySpan<double> positions, Span<double> logDensity, Span<double> gradient, int chains)
    {
        double k = 1.0 / (1 - Rho * Rho);
        for (int c = 0; c < chains; c++)
        {
            double x = positions[2 * c], y = positions[2 * c + 1];
            // Precision = k [[1, −ρ], [−ρ, 1]].
            double lp = -0.5 * k * (x * x - 2 * Rho * x * y + y * y);
            gradient[2 * c] = -k * (x - Rho * y);
            gradient[2 * c + 1] = -k * (y - Rho * x);
            logDensity[c] = double.IsFinite(lp) ? lp : double.NegativeInfinity;
        }
    }
}

/// <summary>A density that is nowhere finite (initialization must fail).</summary>
internal sealed class NowhereFiniteDensity(int dimension) : IBatchedDensity
{
    public int Dimension { get; } = dimension;

    public void Evaluate(ReadOnlySpan<double> positions, Span<double> logDensity, Span<double> gradient, int chains)
    {
        logDensity[..chains].Fill(double.NegativeInfinity);
        gradient[..(chains * Dimension)].Fill(double.NaN);
    }
}

/// <summary>Monte Carlo checks from pooled chains, with standard errors by batch means.</summary>
internal static class McCheck
{
    /// <summary>Mean of f over all chains' draws and its batch-means MCSE (batches of 50 within each chain).</summary>
    public static (double Mean, double Se) MeanAndSe(GpuHbm.Sampling.SamplerResult r, Func<ReadOnlySpan<double>, double> f, int batch = 50)
    {
        var batchMeans = new List<double>();
        double sum = 0;
        long n = 0;
        foreach (var chain in r.Chains)
        {
            for (int start = 0; start + batch <= chain.DrawCount; start += batch)
            {
                double s = 0;
                for (int i = start; i < start + batch; i++) s += f(chain.Draw(i));
                batchMeans.Add(s / batch);
                sum += s;
                n += batch;
            }
        }
        double mean = sum / n;
        double v = batchMeans.Sum(b => (b - mean) * (b - mean)) / (batchMeans.Count - 1);
        return (mean, Math.Sqrt(v / batchMeans.Count));
    }
}
