using GpuHbm.Models;
using GpuHbm.Sampling;

namespace GpuHbm.Results;

/// <summary>
/// A finished (or early-stopped) fit: the compiled model, the draws on the reported scale,
/// sampler statistics and adaptation, the posterior summary and the sampler report.
/// </summary>
public sealed class Fit
{
    private PosteriorSummary? _summary;
    private SamplerReport? _report;

    /// <summary>The model sampled: the general density (<see cref="CompiledModel"/>) or the FaST-LMM fast path.</summary>
    public IPosteriorModel Model { get; }
    public DrawSet Draws { get; }
    public IReadOnlyList<SamplerStatistics> Statistics { get; }
    public IReadOnlyList<AdaptationResult> Adaptation { get; }
    public FitSettings Settings { get; }

    /// <summary>Per chain: warm-up and sampling wall time.</summary>
    public IReadOnlyList<(TimeSpan Warmup, TimeSpan Sampling)> ChainTimes { get; }

    /// <summary>Gradient evaluations over all chains, warm-up and initialisation included.</summary>
    public long GradientEvaluations { get; }

    /// <summary>Gradient evaluations over all chains before sampling (initialisation and warm-up).</summary>
    public long WarmupGradientEvaluations { get; internal init; }

    /// <summary>True when the run was cancelled or failed; the draws made until then are kept.</summary>
    public bool StoppedEarly { get; }

    /// <summary>Why sampling stopped early when it was not a cancellation (a device failure), else null.</summary>
    public string? Failure { get; internal init; }

    /// <summary>The folder this fit was loaded from (<see cref="Load"/>), or null for a fit made in this process.</summary>
    public string? Directory { get; internal init; }

    /// <summary>ChEES: how the ensemble was started, warmed up (convergence checks) and stopped; null for NUTS.</summary>
    public Sampling.Chees.EnsembleRunReport? Ensemble { get; internal init; }

    /// <summary>
    /// False when the run is known not to have converged: a ChEES warm-up that did not meet its convergence rule, or
    /// nested R-hat (ChEES) or R-hat (NUTS) above 1.01 in the summary. The report warns and fit.json records it.
    /// </summary>
    public bool Converged => Report.ConvergenceProblems.Count == 0;

    /// <summary>The folder the fit was streamed and saved to (<see cref="FitOptions.OutputDirectory"/>), or null.</summary>
    public string? SavedTo { get; internal set; }

    /// <summary>The files written to <see cref="SavedTo"/> at the end of the run.</summary>
    public IReadOnlyList<string> SavedFiles { get; internal set; } = [];

    /// <summary>The seed actually used.</summary>
    public ulong Seed => Settings.Options.Seed ?? 0;

    internal Fit(IPosteriorModel model, DrawSet draws, IReadOnlyList<SamplerStatistics> statistics, IReadOnlyList<AdaptationResult> adaptation,
        FitSettings settings, IReadOnlyList<(TimeSpan, TimeSpan)> chainTimes, long gradientEvaluations, bool stoppedEarly)
    {
        Model = model; Draws = draws; Statistics = statistics; Adaptation = adaptation; Settings = settings;
        ChainTimes = chainTimes; GradientEvaluations = gradientEvaluations; StoppedEarly = stoppedEarly;
    }

    /// <summary>Mean, sd, quantiles, R-hat and ESS of every parameter (computed on first use).</summary>
    public PosteriorSummary Summary => _summary ??= PosteriorSummary.Compute(Draws, Settings.Options.NestedRhatSuperchains());

    /// <summary>Divergences, tree depth, E-BFMI and convergence warnings.</summary>
    public SamplerReport Report => _report ??= new SamplerReport(Statistics, Settings.Options.MaxDepth, Draws.CommonDrawCount >= 4 ? Summary : null,
        Ensemble is null ? Settings.Options.ResolvedWarmup : null, Settings.Options.AdaptDelta, Ensemble);

    /// <summary>The draws of one parameter as [chain][iteration].</summary>
    public double[][] this[string parameter] => Draws.Chains(parameter);

    /// <summary>Writes summary.csv, draws.csv, sampler.csv and fit.json into <paramref name="directory"/>.</summary>
    /// <returns>The names of the files written (summary.csv is left out when there are too few draws).</returns>
    public IReadOnlyList<string> Save(string directory) => FitWriter.Write(this, directory);

    /// <summary>
    /// Reads a saved fit folder back: the model is rebuilt from fit.json and the data file it records
    /// (whose SHA-256 must equal the one recorded at save time: a changed or missing file is an error
    /// that says so; relationship matrix files likewise), the draws from draws.csv and the sampler
    /// statistics from sampler.csv. <paramref name="options"/> says where moved files are now, or gives
    /// the table when the fit was made from data built in memory.
    /// </summary>
    public static Fit Load(string directory, FitLoadOptions? options = null) => FitReader.Load(directory, options);

    /// <param name="model">The model sampled.</param>
    /// <param name="result">The sampler's output.</param>
    /// <param name="settings">What was asked for.</param>
    /// <param name="earlier">For a resumed run: per chain, the constrained draws and statistics kept before the checkpoint.</param>
    internal static Fit FromSampler(IPosteriorModel model, SamplerResult result, FitSettings settings,
        (double[][] Draws, SamplerStatistics[] Statistics)? earlier = null)
    {
        int outputs = model.OutputNames.Count, dim = model.Dimension;
        int chains = result.ChainCount;
        var values = new double[chains][];
        var times = new (TimeSpan, TimeSpan)[chains];
        ulong seed = settings.Options.Seed ?? 0;
        Parallel.For(0, chains, c =>
        {
            var chain = result.Chains[c];
            int n = chain.DrawCount;
            var theta = chain.Draws;
            var before = earlier?.Draws[c] ?? [];
            int first = chain.FirstKept;
            if (before.Length != first * outputs)
                throw new InvalidOperationException($"chain {c + 1}: {before.Length / Math.Max(1, outputs)} earlier draws for a result that starts at draw {first}");
            var constrained = new double[(first + n) * outputs];
            before.CopyTo(constrained, 0);
            for (int i = 0; i < n; i++)
                model.Constrain(theta.AsSpan(i * dim, dim), constrained.AsSpan((first + i) * outputs, outputs), seed, c, first + i);
            values[c] = constrained;
            times[c] = (chain.WarmupTime, chain.SamplingTime);
        });
        return new Fit(model, new DrawSet(model.OutputNames, values),
            result.Chains.Select(c => earlier is { } e ? SamplerStatistics.Concat(e.Statistics[c.Chain], c.Statistics) : c.Statistics).ToArray(),
            result.Chains.Select(c => c.Adaptation).ToArray(),
            settings, times, result.Chains.Sum(c => c.GradientEvaluations) + (result.Ensemble?.Initialization.GradientEvaluations ?? 0), result.Cancelled)
        {
            Failure = result.Failure?.Message, Ensemble = result.Ensemble,
            WarmupGradientEvaluations = result.Chains.Sum(c => c.WarmupGradientEvaluations) + (result.Ensemble?.Initialization.GradientEvaluations ?? 0),
        };
    }
}
