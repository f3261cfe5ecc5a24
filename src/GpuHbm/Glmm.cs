using System.Diagnostics;
using GpuHbm.Data;
using GpuHbm.Formulas;
using GpuHbm.Models;
using GpuHbm.Models.Kinship;
using GpuHbm.Results;
using GpuHbm.Sampling;
using GpuHbm.Sampling.Metrics;

namespace GpuHbm;

/// <summary>
/// The library's front door: fit a generalized linear mixed model from an lme4/brms formula.
/// <code>
/// var data = DataTable.ReadCsv("sleepstudy.csv");
/// var fit = Glmm.Fit("Reaction ~ 1 + Days + (1 + Days | Subject)", data, new FitOptions { Seed = 1 });
/// Console.WriteLine(fit.Summary.ToText());
/// fit.Save("out");
/// </code>
/// </summary>
public static class Glmm
{
    /// <summary>
    /// Parses, compiles and samples. Cancelling <paramref name="cancellationToken"/> stops the
    /// chains at their next iteration and returns the draws made so far (Fit.StoppedEarly).
    /// </summary>
    public static Fit Fit(string formula, DataTable data, FitOptions? options = null, CancellationToken cancellationToken = default) =>
        Plan(formula, data, options).Run(cancellationToken);

    /// <summary>
    /// Everything before sampling: checks the options, parses the formula, checks or drops missing
    /// values, compiles the model, fixes the seed and chooses the backend for this model. The
    /// plan says where and how the chains will run before any time is spent on them.
    /// </summary>
    public static FitPlan Plan(string formula, DataTable data, FitOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(formula);
        ArgumentNullException.ThrowIfNull(data);
        options ??= new FitOptions();
        options.Validate();
        var clock = Stopwatch.StartNew();
        var (model, rows, dropped) = Compile(formula, data, options);
        var provenance = FitProvenance.Of(data, options);
        var backend = Compute.BackendSelection.ForModel(Compute.BackendSelection.Select(options.Backend, options.Device), model, options.Backend);
        var metric = options.MetricKind();
        if (metric == Sampling.Metrics.MetricKind.LowRank && backend.IsDevice)
        {
            if (options.Metric is not null)
                throw new GpuHbmException($"--metric low-rank runs on the CPU backend only (the {backend.Name} chain ensemble takes diagonal metrics); use --metric diag or --backend cpu");
            metric = Sampling.Metrics.MetricKind.Diagonal;
        }
        options = options with { Seed = options.Seed ?? (ulong)DateTime.UtcNow.Ticks % 1_000_000_000UL, Metric = metric.Name() };
        clock.Stop();
        return new FitPlan(formula, model, backend, options, data.Source, rows, dropped, clock.Elapsed) { Provenance = provenance };
    }

    /// <summary>
    /// Parses the formula, checks or drops missing values and compiles the model: what a fit and a
    /// saved fit's reload (<see cref="Results.Fit.Load(string, FitLoadOptions?)"/>) share.
    /// </summary>
    internal static (IPosteriorModel Model, int Rows, int Dropped) Compile(string formula, DataTable data, FitOptions options)
    {
        var parsed = FormulaParser.Parse(formula);
        var used = parsed.UsedColumns();
        foreach (var c in used) _ = data[c]; // a missing column is an error naming it
        int dropped = 0;
        if (options.DropMissing) data = MissingData.DropIncomplete(data, used, out dropped);
        else MissingData.EnsureComplete(data, used);

        foreach (var f in options.Factors)
            if (!used.Contains(f))
                throw new GpuHbmModelException($"--factor {f}: the formula does not use a column named '{f}'");
        var spec = new ModelSpec(parsed, Family.Parse(options.Family), options.Priors.Select(PriorSpec.Parse).ToList(), options.Factors,
            options.RelationshipMatrices);
        var model = PosteriorModel.Compile(spec, data, options.KinshipFastPath, options.DrawGeneticEffects);
        return (model, data.RowCount, dropped);
    }
}

/// <summary>
/// A compiled model with its backend and settings, ready to sample (<see cref="Glmm.Plan"/>).
/// </summary>
public sealed class FitPlan
{
    internal FitPlan(string formula, IPosteriorModel model, Compute.BackendChoice backend, FitOptions options,
        string dataSource, int rows, int rowsDropped, TimeSpan compileTime)
    {
        Formula = formula; Model = model; Backend = backend; Options = options;
        DataSource = dataSource; Rows = rows; RowsDropped = rowsDropped; CompileTime = compileTime;
    }

    public string Formula { get; }
    public IPosteriorModel Model { get; }

    /// <summary>Where the chains will run, and why.</summary>
    public Compute.BackendChoice Backend { get; }

    /// <summary>The options, with the seed fixed.</summary>
    public FitOptions Options { get; }

    public string DataSource { get; }
    public int Rows { get; }
    public int RowsDropped { get; }
    public TimeSpan CompileTime { get; }

    /// <summary>The data file's path and checksum (and the relationship matrices'), recorded in fit.json for <see cref="Results.Fit.Load(string, FitLoadOptions?)"/>.</summary>
    public FitProvenance? Provenance { get; init; }

    /// <summary>Samples. Cancelling stops the chains at their next iteration and keeps the draws made so far.</summary>
    public Fit Run(CancellationToken cancellationToken = default) => Run(Options.Progress, cancellationToken);

    /// <summary>Samples, reporting each chain's progress to <paramref name="progress"/>.</summary>
    public Fit Run(IProgress<ChainProgress>? progress, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var o = Options;
        var samplerOptions = new SamplerOptions
        {
            Chains = o.Chains,
            Warmup = o.ResolvedWarmup,
            AutoWarmup = o.AutoWarmup,
            TargetEss = o.TargetEss,
            Superchains = o.NestedRhatSuperchains(),
            Scale = o.IsChees ? Model.UnconstrainedScale : null,
            Initialization = o.Init.ToLowerInvariant() switch
            {
                "prior" => Sampling.Initialization.InitializationMethod.Prior,
                "uniform" => Sampling.Initialization.InitializationMethod.Uniform,
                "auto" when o.InitialValues is not null => Sampling.Initialization.InitializationMethod.Given,
                _ => Sampling.Initialization.InitializationMethod.Laplace,
            },
            Draws = o.Draws,
            InitialPositions = o.InitialValues,
            Chees = o.Chees,
            Seed = o.Seed!.Value,
            AdaptDelta = o.AdaptDelta,
            MaxDepth = o.MaxDepth,
            Metric = o.MetricKind(),
            MaxParallelism = o.MaxParallelism ?? Environment.ProcessorCount,
        };
        var result = Compute.SamplerDispatch.Run(Backend, o.Sampler, Model, samplerOptions, progress, cancellationToken);
        clock.Stop();
        return Results.Fit.FromSampler(Model, result, new FitSettings(
            Formula, o, DataSource, Rows, RowsDropped, CompileTime, CompileTime + clock.Elapsed) { Backend = Backend, Provenance = Provenance });
    }
}
