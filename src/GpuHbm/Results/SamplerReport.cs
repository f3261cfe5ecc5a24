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

    /// <param name="chains">Per-chain sampler statistics of the kept draws.</param>
    /// <param name="maxDepth">The maximum tree depth of the run.</param>
    /// <param name="summary">The posterior summary (null when there were too few draws).</param>
    /// <param name="warmup">Warm-up iterations of the run, when known: the advice for divergences depends on it (NUTS; null for ChEES, whose warm-up is judged by <paramref name="ensemble"/>).</param>
    /// <param name="adaptDelta">The run's target acceptance, when known.</param>
    /// <param name="ensemble">ChEES: the ensemble's initialisation and warm-up verdict.</param>
    public SamplerReport(IReadOnlyList<SamplerStatistics> chains, int maxDepth, PosteriorSummary? summary, int? warmup = null, double? adaptDelta = null,
        Sampling.Chees.EnsembleRunReport? ensemble = null)
    {
        MaxDepth = maxDepth;
        DivergencesPerChain = chains.Select(s => s.Divergent.Count(d => d)).ToArray();
        MaxDepthHitsPerChain = chains.Select(s => s.TreeDepth.Count(d => d >= maxDepth)).ToArray();
        EbfmiPerChain = chains.Select(s => s.Count >= 2 ? EnergyBfmi.Compute(s.Energy) : double.NaN).ToArray();
        EbfmiPooled = EnergyBfmi.Pooled(chains.Select(s => s.Energy).ToArray());
        var w = new List<string>();
        int total = chains.Sum(s => s.Count);
        // With little or no warm-up the step size and metric were never adapted: that, not adapt-delta, is the cause.
        string? unadapted = warmup switch
        {
            0 => "with --warmup 0 the step size (1) and the metric (identity) were never adapted; run a warm-up (e.g. --warmup 1000, the default)",
            < 150 => $"the warm-up of {warmup} iterations is too short to adapt the step size and metric; raise --warmup (e.g. to 1000, the default) first",
            _ => null,
        };
        var stuck = Enumerable.Range(0, chains.Count).Where(c => chains[c].Count >= 2 && chains[c].LogDensity.All(v => v.Equals(chains[c].LogDensity[0]))).ToList();
        if (stuck.Count > 0)
            w.Add($"chain{(stuck.Count > 1 ? "s" : "")} {string.Join(", ", stuck.Select(c => c + 1))} did not move: every kept draw is the same point; " +
                  (unadapted ?? "the sampler could not leave its starting point (a step size far too large, or a density that is not finite around it); check the model and priors, or raise --adapt-delta"));
        if (Divergences > 0)
        {
            string advice = unadapted
                ?? (adaptDelta is >= 0.99 ? "--adapt-delta is already high; reparameterize the model (e.g. tighter priors on sd, or fewer group-level terms)"
                    : $"try --adapt-delta {(adaptDelta is >= 0.95 ? "0.99" : "0.95")} or a reparameterization");
            w.Add($"{Divergences} of {total} transitions after warm-up were divergent; the posterior may be biased. {Capitalize(advice)}.");
        }
        if (MaxDepthHits > 0)
            w.Add($"{MaxDepthHits} of {total} transitions hit the maximum tree depth of {maxDepth}; " + (unadapted ?? $"consider --max-depth {maxDepth + 2}") + ".");
        if (chains.Count <= EnsembleChains)
        {
            for (int c = 0; c < EbfmiPerChain.Length; c++)
            {
                if (EbfmiPerChain[c] < EbfmiThreshold)
                    w.Add($"chain {c + 1}: E-BFMI {EbfmiPerChain[c].ToString("F3", CultureInfo.InvariantCulture)} is below {EbfmiThreshold}; the momentum resampling explores the energy poorly.");
                else if (double.IsNaN(EbfmiPerChain[c]) && chains[c].Count >= 2 && !stuck.Contains(c))
                    w.Add($"chain {c + 1}: E-BFMI could not be computed (its energy did not vary).");
            }
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
            var rows = summary.Rows;
            if (!summary.HasNestedRhat)
            {
                var highRhat = rows.Where(r => r.Rhat > RhatThreshold).ToList();
                if (highRhat.Count > 0)
                    problems.Add($"R-hat above {RhatThreshold} for {highRhat.Count} parameter(s) (worst: {Worst(highRhat, r => r.Rhat, true)}); the chains have not mixed.");
            }
            else
            {
                // Many short chains: R-hat is inflated by about √(1 + τ/n) even after convergence (Margossian et al. 2024,
                // §2), so nested R-hat over superchains carries the 1.01 rule.
                var highNested = rows.Where(r => r.NestedRhat > RhatThreshold || double.IsNaN(r.NestedRhat) && !double.IsNaN(r.Rhat)).ToList();
                if (highNested.Count > 0)
                    problems.Add($"nested R-hat above {RhatThreshold} for {highNested.Count} parameter(s) (worst: {Worst(highNested, r => r.NestedRhat, true)}); the superchains disagree: the chains have not converged.");
            }
            var nanRhat = rows.Where(r => double.IsNaN(r.Rhat)).ToList();
            if (nanRhat.Count > 0)
                problems.Add($"R-hat could not be computed for {nanRhat.Count} parameter(s) (e.g. {nanRhat[0].Variable}): their draws are constant within a chain" +
                      (stuck.Count > 0 ? " (a chain did not move)" : "") + "; treat the fit as not converged.");
        }
        w.AddRange(problems);
        ConvergenceProblems = problems;
        if (summary is not null)
        {
            var rows = summary.Rows;
            static double MinEss(SummaryRow r) => Math.Min(r.EssBulk, r.EssTail);
            var nanEss = rows.Where(r => double.IsNaN(r.EssBulk) || double.IsNaN(r.EssTail)).ToList();
            var lowEss = rows.Where(r => !double.IsNaN(r.EssBulk) && !double.IsNaN(r.EssTail) && MinEss(r) < EssThreshold).ToList();
            if (lowEss.Count > 0)
                w.Add($"bulk or tail ESS below {EssThreshold} for {lowEss.Count} parameter(s) (lowest: {Worst(lowEss, MinEss, false)}); " +
                      (unadapted ?? "run more draws") + ".");
            if (nanEss.Count > 0)
                w.Add($"bulk or tail ESS could not be computed for {nanEss.Count} parameter(s) (e.g. {nanEss[0].Variable}): their draws do not vary enough; " +
                      "their estimates are unreliable" + (unadapted is null ? "" : $" ({unadapted})") + ".");
        }
        Warnings = w;
    }

    private static string Worst(List<SummaryRow> rows, Func<SummaryRow, double> key, bool highest)
    {
        var r = highest ? rows.MaxBy(key)! : rows.MinBy(key)!;
        return $"{r.Variable} {key(r).ToString("G4", CultureInfo.InvariantCulture)}";
    }

    private static string Capitalize(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];

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
