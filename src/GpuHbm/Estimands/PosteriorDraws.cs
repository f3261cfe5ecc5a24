using GpuHbm.Results;

namespace GpuHbm.Estimands;

/// <summary>
/// Derived quantities evaluated draw by draw: the same chains and the same draws per chain as the
/// summary table (<see cref="DrawSet.SummarizedChains"/>, each cut to <see cref="DrawSet.CommonDrawCount"/>),
/// so their R-hat and ESS are comparable with the parameters'.
/// </summary>
internal sealed class PosteriorDraws
{
    private readonly DrawSet _draws;
    private readonly int[] _chains;

    public PosteriorDraws(DrawSet draws)
    {
        _draws = draws;
        _chains = draws.SummarizedChains.ToArray();
        PerChain = draws.CommonDrawCount;
        if (PerChain < 4)
            throw new GpuHbmException($"too few draws for posterior summaries ({PerChain} per chain; at least 4 are needed)");
    }

    /// <summary>Chains used.</summary>
    public int ChainCount => _chains.Length;

    /// <summary>Draws per chain used.</summary>
    public int PerChain { get; }

    /// <summary>Draws used in all: <see cref="ChainCount"/> × <see cref="PerChain"/>.</summary>
    public int Count => _chains.Length * PerChain;

    /// <summary>Draw s (0 ≤ s &lt; <see cref="Count"/>, chain-major) as all parameters.</summary>
    public ReadOnlySpan<double> Draw(int s) => _draws.Draw(_chains[s / PerChain], s % PerChain);

    private Dictionary<string, int>? _index;

    /// <summary>Index of a parameter by name (an error naming similar ones when absent).</summary>
    public int IndexOf(string name) => Find(name) is var i and >= 0 ? i : _draws.IndexOf(name);

    /// <summary>Index of a parameter, or −1.</summary>
    public int Find(string name)
    {
        _index ??= _draws.Names.Select((n, i) => (n, i)).GroupBy(p => p.n).ToDictionary(g => g.Key, g => g.First().i, StringComparer.Ordinal);
        return _index.TryGetValue(name, out int i) ? i : -1;
    }

    /// <summary>Posterior mean of every parameter over the draws used.</summary>
    public double[] Means()
    {
        var m = new double[_draws.ParameterCount];
        for (int s = 0; s < Count; s++)
        {
            var d = Draw(s);
            for (int p = 0; p < m.Length; p++) m[p] += d[p];
        }
        for (int p = 0; p < m.Length; p++) m[p] /= Count;
        return m;
    }

    /// <summary>The values of one parameter over the draws used, chain-major.</summary>
    public double[] Column(int parameter)
    {
        var v = new double[Count];
        for (int s = 0; s < v.Length; s++) v[s] = Draw(s)[parameter];
        return v;
    }

    /// <summary>A chain-major vector of <see cref="Count"/> values as [chain][iteration].</summary>
    public double[][] AsChains(double[] values)
    {
        if (values.Length != Count) throw new ArgumentException($"expected {Count} values, got {values.Length}");
        var r = new double[_chains.Length][];
        for (int c = 0; c < r.Length; c++) r[c] = values.AsSpan(c * PerChain, PerChain).ToArray();
        return r;
    }

    /// <summary>Summary of a chain-major vector of draws of one quantity.</summary>
    public QuantitySummary Summarize(string name, double[] values, double level) => QuantitySummary.Of(name, AsChains(values), level);
}
