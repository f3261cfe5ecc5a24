namespace GpuHbm.Sampling;

/// <summary>
/// Welford's streaming mean and variance per coordinate (Welford 1962; Stan's welford_var_estimator):
/// n ← n + 1; δ = x − m; m ← m + δ/n; M2 ← M2 + (x − m)∘δ; variance = M2/(n − 1).
/// </summary>
public sealed class WelfordVariance
{
    private readonly double[] _mean, _m2;

    public WelfordVariance(int dimension)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        _mean = new double[dimension];
        _m2 = new double[dimension];
    }

    public int Dimension => _mean.Length;

    /// <summary>Number of vectors added since the last restart.</summary>
    public long Count { get; private set; }

    public ReadOnlySpan<double> Mean => _mean;

    public void Restart()
    {
        Count = 0;
        Array.Clear(_mean);
        Array.Clear(_m2);
    }

    public void Add(ReadOnlySpan<double> x)
    {
        if (x.Length != _mean.Length) throw new ArgumentException("Vector length must equal the dimension.", nameof(x));
        Count++;
        double n = Count;
        for (int i = 0; i < x.Length; i++)
        {
            double delta = x[i] - _mean[i];
            _mean[i] += delta / n;
            _m2[i] += (x[i] - _mean[i]) * delta;
        }
    }

    /// <summary>Writes n, the mean and M2 (for a checkpoint).</summary>
    public void Save(CheckpointWriter w)
    {
        w.Write(Count); w.Write(_mean); w.Write(_m2);
    }

    /// <summary>Restores what <see cref="Save"/> wrote.</summary>
    public void Restore(CheckpointReader r)
    {
        Count = r.ReadInt64(); r.ReadDoubles(_mean); r.ReadDoubles(_m2);
    }

    /// <summary>Writes the unbiased sample variance M2/(n − 1); leaves <paramref name="variance"/> unchanged when n &lt; 2 (as Stan).</summary>
    public void SampleVariance(Span<double> variance)
    {
        if (Count < 2) return;
        double denominator = Count - 1.0;
        for (int i = 0; i < _m2.Length; i++) variance[i] = _m2[i] / denominator;
    }
}
