using System.Globalization;
using GpuHbm.Diagnostics;
using GpuHbm.Sampling;

namespace GpuHbm.Results;

/// <summary>
/// The sampler's health: divergences, tree-depth saturation and E-BFMI per chain, and the
/// convergence warnings Stan users expect (R-hat &gt; 1.01, bulk or tail ESS &lt; 400).
/// </summary>
public sealed class SamplerReport
{
    /// <summary>Thresholds of the warnings (Vehtari et al. 2021; Betancourt 2016 for E-BFMI).</summary>
    public const double RhatThreshold = 1.01, EssThreshold = 400, EbfmiThreshold = 0.3;

    public int[] DivergencesPerChain { get; }
    public int[] MaxDepthHitsPerChain { get; }
    public double[] EbfmiPerChain { get; }
    public int MaxDepth { get; }
    public int Divergences => DivergencesPerChain.Sum();
    public int MaxDepthHits => MaxDepthHitsPerChain.Sum();
    public IReadOnlyList<string> Warnings { get; }

    public SamplerReport(IReadOnlyList<SamplerStatistics> chains, int maxDepth, PosteriorSummary? summary)
    {
        MaxDepth = maxDepth;
        DivergencesPerChain = chains.Select(s => s.Divergent.Count(d => d)).ToArray();
        MaxDepthHitsPerChain = chains.Select(s => s.TreeDepth.Count(d => d >= maxDepth)).ToArray();
        EbfmiPerChain = chains.Select(s => s.Count >= 2 ? EnergyBfmi.Compute(s.Energy) : double.NaN).ToArray();
        var w = new List<string>();
        int total = chains.Sum(s => s.Count);
        if (Divergences > 0)
            w.Add($"{Divergences} of {total} transitions after warm-up were divergent; the posterior may be biased. Try --adapt-delta 0.95 or a reparameterization.");
        if (MaxDepthHits > 0)
            w.Add($"{MaxDepthHits} of {total} transitions hit the maximum tree depth of {maxDepth}; consider --max-depth {maxDepth + 2}.");
        for (int c = 0; c < EbfmiPerChain.Length; c++)
            if (EbfmiPerChain[c] < EbfmiThreshold)
                w.Add($"chain {c + 1}: E-BFMI {EbfmiPerChain[c].ToString("F3", CultureInfo.InvariantCulture)} is below {EbfmiThreshold}; the momentum resampling explores the energy poorly.");
        if (summary is not null)
        {
            var highRhat = summary.Rows.Where(r => r.Rhat > RhatThreshold || double.IsNaN(r.Rhat)).ToList();
            if (highRhat.Count > 0)
                w.Add($"R-hat above {RhatThreshold} for {highRhat.Count} parameter(s) (worst: {Worst(highRhat, r => r.Rhat, true)}); the chains have not mixed.");
            var lowEss = summary.Rows.Where(r => Math.Min(r.EssBulk, r.EssTail) < EssThreshold || double.IsNaN(r.EssBulk)).ToList();
            if (lowEss.Count > 0)
                w.Add($"bulk or tail ESS below {EssThreshold} for {lowEss.Count} parameter(s) (lowest: {Worst(lowEss, r => Math.Min(r.EssBulk, r.EssTail), false)}); run more draws.");
        }
        Warnings = w;
    }

    private static string Worst(List<SummaryRow> rows, Func<SummaryRow, double> key, bool highest)
    {
        var r = highest ? rows.MaxBy(key)! : rows.MinBy(key)!;
        return $"{r.Variable} {key(r).ToString("G4", CultureInfo.InvariantCulture)}";
    }

    /// <summary>Two lines: divergences, saturation and E-BFMI.</summary>
    /// <remarks>Up to 8 chains list E-BFMI per chain; more (ChEES ensembles) give the minimum and median.</remarks>
    public string ToText()
    {
        static string F(double e) => double.IsNaN(e) ? "NA" : e.ToString("F2", CultureInfo.InvariantCulture);
        string head = $"divergences: {Divergences}; max tree depth ({MaxDepth}) hits: {MaxDepthHits}; ";
        if (EbfmiPerChain.Length <= 8) return head + "E-BFMI per chain: " + string.Join(", ", EbfmiPerChain.Select(F));
        var finite = EbfmiPerChain.Where(double.IsFinite).Order().ToArray();
        return finite.Length == 0
            ? head + "E-BFMI: NA"
            : head + $"E-BFMI over {EbfmiPerChain.Length} chains: min {F(finite[0])}, median {F(finite[finite.Length / 2])}";
    }
}
