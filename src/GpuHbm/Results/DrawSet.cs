namespace GpuHbm.Results;

/// <summary>
/// Posterior draws on the constrained (reported) scale: for each chain, a row-major block of
/// draws × parameters. Chains may hold different numbers of draws when a run was stopped
/// early: diagnostics then use the chains that hold draws (<see cref="SummarizedChains"/>),
/// each truncated to <see cref="CommonDrawCount"/>, the length all of those reached.
/// </summary>
public sealed class DrawSet
{
    private readonly double[][] _values;
    private readonly int[] _counts;

    /// <summary>Reported parameter names (b_Intercept, sd_g__Intercept, r_g[1,Intercept], ...).</summary>
    public IReadOnlyList<string> Names { get; }

    public int ChainCount => _values.Length;
    public int ParameterCount => Names.Count;

    /// <summary>Draws kept in <paramref name="chain"/>.</summary>
    public int DrawCount(int chain) => _counts[chain];

    /// <summary>The chains that hold at least one draw (all of them unless a run was stopped early).</summary>
    public IReadOnlyList<int> SummarizedChains => Enumerable.Range(0, _counts.Length).Where(c => _counts[c] > 0).ToArray();

    /// <summary>The smallest draw count over the chains that hold draws: what diagnostics use.</summary>
    public int CommonDrawCount => _counts.Where(n => n > 0).DefaultIfEmpty(0).Min();

    /// <summary>Total draws over all chains.</summary>
    public int TotalDrawCount => _counts.Sum();

    /// <param name="names">Parameter names.</param>
    /// <param name="values">Per chain, draws × parameters row-major; length a multiple of names.Count.</param>
    public DrawSet(IReadOnlyList<string> names, double[][] values)
    {
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(values);
        Names = names;
        _values = values;
        _counts = new int[values.Length];
        for (int c = 0; c < values.Length; c++)
        {
            if (names.Count == 0 || values[c].Length % names.Count != 0)
                throw new ArgumentException($"chain {c + 1}: {values[c].Length} values is not a whole number of draws of {names.Count} parameters");
            _counts[c] = values[c].Length / names.Count;
        }
    }

    /// <summary>The array holding chain <paramref name="chain"/>'s draws (draws × parameters, row-major), for readers that keep a reference.</summary>
    internal double[] ChainValues(int chain) => _values[chain];

    /// <summary>One draw of one chain (all parameters).</summary>
    public ReadOnlySpan<double> Draw(int chain, int draw) => _values[chain].AsSpan(draw * ParameterCount, ParameterCount);

    /// <summary>
    /// The draws of one parameter as [chain][iteration] over <see cref="SummarizedChains"/>,
    /// truncated to <see cref="CommonDrawCount"/> so that convergence diagnostics see
    /// equal-length chains.
    /// </summary>
    public double[][] Chains(int parameter)
    {
        int n = CommonDrawCount, p = ParameterCount;
        var chains = SummarizedChains;
        var result = new double[chains.Count][];
        for (int k = 0; k < chains.Count; k++)
        {
            var row = new double[n];
            var src = _values[chains[k]];
            for (int i = 0; i < n; i++) row[i] = src[i * p + parameter];
            result[k] = row;
        }
        return result;
    }

    /// <summary>The draws of the named parameter as [chain][iteration].</summary>
    public double[][] Chains(string name)
    {
        int index = IndexOf(name);
        return Chains(index);
    }

    /// <summary>Index of a parameter by name, or an error listing similar names.</summary>
    public int IndexOf(string name)
    {
        for (int i = 0; i < Names.Count; i++) if (Names[i] == name) return i;
        var similar = Names.Where(n => n.Contains(name, StringComparison.OrdinalIgnoreCase)).Take(5).ToList();
        throw new GpuHbmException($"no parameter named '{name}'" + (similar.Count > 0 ? $"; did you mean {string.Join(", ", similar)}?" : ""));
    }
}
