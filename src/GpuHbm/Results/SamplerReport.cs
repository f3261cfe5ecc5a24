using System.Globalization;
using GpuHbm.Diagnostics;
using GpuHbm.Sampling;

namespace GpuHbm.Results;

/// <summary>
/// The sampler's health: divergences, tree-depth saturation and E-BFMI per chain, and the
/// convergence warnings Stan users expect (R-hat &gt; 1.01, bulk or tail ESS &lt; 400); for many short chains grouped
/// into superchains (ChEES) nested R-hat &gt; 1.01 replaces the R-hat rule, and a warm-up that did not meet its
/// convergence rule is reported.
/// </summary>
public sealed class SamplerReport
{
    /// <summary>Thresholds of the warnings (Vehtari et al. 2021; Betancourt 2016 for E-BFMI).</summary>
    public const double RhatThreshold = 1.01, EssThreshold = 400, EbfmiThreshold = 0.3;

    public int[] DivergencesPerChain { get; }
    public int[] MaxDepthHitsPerChain { get; }
    public double[] EbfmiPerChain { get; }

    /// <summary>E-BFMI with the sums pooled over chains (<see cref="EnergyBfmi.Pooled"/>): the ensemble's value when chains share their adaptation.</summary>
    public double EbfmiPooled { get; }

    /// <summary>More chains than this are an ensemble: E-BFMI is judged pooled, and listed as min and median.</summary>
    public const int EnsembleChains = 8;
    public int MaxDepth { get; }
    public int Divergences => DivergencesPerChain.Sum();
    public int MaxDepthHits => MaxDepthHitsPerChain.Sum();
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>The warnings that say the draws may not represent the posterior (a run with any is not "converged").</summary>
    public IReadOnlyList<string> ConvergenceProblems { get; }

    public SamplerReport(IReadOnlyList<SamplerStatistics> chains, int maxDepth, PosteriorSummary? summary,
        Sampling.Chees.EnsembleRunReport? ensemble = null)
    {
        MaxDepth = maxDepth;
        DivergencesPerChain = chains.Select(s => s.Divergent.Count(d => d)).ToArray();
        MaxDepthHitsPerChain = chains.Select(s => s.TreeDepth.Count(d => d >= maxDepth)).ToArray();
        EbfmiPerChain = chains.Select(s => s.Count >= 2 ? EnergyBfmi.Compute(s.Energy) : double.NaN).ToArray();
        EbfmiPooled = EnergyBfmi.Pooled(chains.Select(s => s.Energy).ToArray());
        var w = new List<string>();
        int total = chains.Sum(s => s.Count);
        if (Divergences > 0)
            w.Add($"{Divergences} of {total} transitions after warm-up were divergent; the posterior may be biased. Try --adapt-delta 0.95 or a reparameterization.");
        if (MaxDepthHits > 0)
            w.Add($"{MaxDepthHits} of {total} transitions hit the maximum tree depth of {maxDepth}; consider --max-depth {maxDepth + 2}.");
        if (chains.Count <= EnsembleChains)
        {
            for (int c = 0; c < EbfmiPerChain.Length; c++)
                if (EbfmiPerChain[c] < EbfmiThreshold)
                    w.Add($"chain {c + 1}: E-BFMI {EbfmiPerChain[c].ToString("F3", CultureInfo.InvariantCulture)} is below {EbfmiThreshold}; the momentum resampling explores the energy poorly.");
        }
        else if (EbfmiPooled < EbfmiThreshold)
            w.Add($"E-BFMI pooled over the {chains.Count} chains is {EbfmiPooled.ToString("F3", CultureInfo.InvariantCulture)}, below {EbfmiThreshold}; the momentum resampling explores the energy poorly.");
        var problems = new List<string>();
        if (ensemble is { WarmupConverged: false } && ensemble.WarmupIterations > 0)
            problems.Add(ensemble.AutoWarmup
                ? $"the warm-up did not converge within its cap of {ensemble.WarmupLimit} iterations ({ensemble.NotConvergedReason}); the draws may not represent the posterior. Try a larger --max-warmup, more chains or other initial values."
                : $"the warm-up of {ensemble.WarmupIterations} iterations did not meet the convergence rule ({ensemble.NotConvergedReason}); the draws may not represent the posterior. Try --warmup auto or a longer warm-up.");
        if (summary is not null)
        {
            if (!summary.HasNestedRhat)
            {
                var highRhat = summary.Rows.Where(r => r.Rhat > RhatThreshold || double.IsNaN(r.Rhat)).ToList();
                if (highRhat.Count > 0)
                    problems.Add($"R-hat above {RhatThreshold} for {highRhat.Count} parameter(s) (worst: {Worst(highRhat, r => r.Rhat, true)}); the chains have not mixed.");
            }
            else
            {
                // Many short chains: R-hat is inflated by about √(1 + τ/n) even after convergence (Margossian et al. 2024,
                // §2), so nested R-hat over superchains carries the 1.01 rule.
                var highNested = summary.Rows.Where(r => r.NestedRhat > RhatThreshold || double.IsNaN(r.NestedRhat)).ToList();
                if (highNested.Count > 0)
                    problems.Add($"nested R-hat above {RhatThreshold} for {highNested.Count} parameter(s) (worst: {Worst(highNested, r => r.NestedRhat, true)}); the superchains disagree: the chains have not converged.");
            }
        }
        w.AddRange(problems);
        ConvergenceProblems = problems;
        if (summary is not null)
        {
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
        if (EbfmiPerChain.Length <= EnsembleChains) return head + "E-BFMI per chain: " + string.Join(", ", EbfmiPerChain.Select(F));
        var finite = EbfmiPerChain.Where(double.IsFinite).Order().ToArray();
        return finite.Length == 0
            ? head + "E-BFMI: NA"
            : head + $"E-BFMI over {EbfmiPerChain.Length} chains: pooled {F(EbfmiPooled)}, min {F(finite[0])}, median {F(finite[finite.Length / 2])}";
    }
}
