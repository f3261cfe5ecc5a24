using System.Diagnostics;
using System.Reflection;
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
    /// Everything before sampling: checks the options, creates and probes the output folder (if any), parses the
    /// formula, checks or drops missing values, compiles the model, fixes the seed, chooses the backend for this model
    /// and checks that the chains and their draws fit in memory (and on the disk). The plan says where and how the
    /// chains will run before any time is spent on them.
    /// </summary>
    public static FitPlan Plan(string formula, DataTable data, FitOptions? options = null) => PlanCore(formula, data, options, resuming: false);

    private static FitPlan PlanCore(string formula, DataTable data, FitOptions? options, bool resuming)
    {
        ArgumentNullException.ThrowIfNull(formula);
        ArgumentNullException.ThrowIfNull(data);
        options ??= new FitOptions();
        options.Validate();
        if (options.OutputDirectory is { } output && !resuming) FitFolder.Prepare(output, options.Overwrite);
        var clock = Stopwatch.StartNew();
        var (model, used, dropped) = Compile(formula, data, options);
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
        ResourceCheck.Memory(model, options, backend);
        if (options.OutputDirectory is { } dir) FitFolder.CheckDiskSpace(dir, options.Chains, options.Draws, model.OutputNames.Count);
        clock.Stop();
        return new FitPlan(formula, model, backend, options, data.Source, used.RowCount, dropped, clock.Elapsed)
        {
            Provenance = provenance,
            Data = used,
            DataRecord = (data.Source, data.Format, options.OutputDirectory is null ? "" : DataFingerprint.ContentSha256(data)),
        };
    }

    /// <summary>
    /// Parses the formula, checks or drops missing values and compiles the model: what a fit and a
    /// saved fit's reload (<see cref="Results.Fit.Load(string, FitLoadOptions?)"/>) share.
    /// </summary>
    /// <returns>The model, the rows it was fitted to (after any dropped) and how many were dropped.</returns>
    internal static (IPosteriorModel Model, DataTable Used, int Dropped) Compile(string formula, DataTable data, FitOptions options)
    {
        var parsed = FormulaParser.Parse(formula);
        var used = parsed.UsedColumns();
        foreach (var c in used) _ = data[c]; // a missing column is an error naming it
        foreach (var f in options.Factors)
            if (!used.Contains(f))
                throw new GpuHbmModelException($"--factor {f}: the formula does not use a column named '{f}'");
        CheckRelationshipMatrices(parsed, options);
        var priors = ParsePriors(options.Priors);
        int dropped = 0;
        if (options.DropMissing) data = MissingData.DropIncomplete(data, used, out dropped);
        else MissingData.EnsureComplete(data, used);

        var spec = new ModelSpec(parsed, Family.Parse(options.Family), priors, options.Factors, options.RelationshipMatrices);
        var model = PosteriorModel.Compile(spec, data, options.KinshipFastPath, options.DrawGeneticEffects);
        return (model, data, dropped);
    }

    /// <summary>
    /// Continues a fit whose folder (<see cref="FitOptions.OutputDirectory"/>, <c>--output</c>) was left unfinished: killed,
    /// stopped with Ctrl-C, or failed. The model is rebuilt from the settings in the folder's manifest (the data are
    /// read again from the recorded file unless <paramref name="data"/> is given, and must be unchanged), each chain
    /// continues from its last checkpoint (positions, gradients, step size, metric and adaptation state, iteration
    /// counters; random numbers are keyed by iteration), and the draws come out as an uninterrupted run's with the
    /// same seed would (bit for bit on the CPU backend).
    /// </summary>
    /// <param name="directory">The fit folder.</param>
    /// <param name="data">The data, when the run was not given a file (else read from the recorded path).</param>
    /// <param name="relationshipMatrices">Relationship matrices, when they were not given as files.</param>
    /// <param name="maxParallelism">Chains run at once (it does not change the draws).</param>
    public static FitPlan Resume(string directory, DataTable? data = null,
        IReadOnlyDictionary<string, RelationshipMatrix>? relationshipMatrices = null, int? maxParallelism = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (!Directory.Exists(directory)) throw new GpuHbmException($"--resume '{directory}': no such folder");
        var manifest = FitFolder.ReadManifest(directory);
        if (manifest.FormatVersion > new FitManifest().FormatVersion)
            throw new GpuHbmException($"'{directory}' was written by a newer gpuhbm (fit folder format {manifest.FormatVersion}); update gpuhbm to resume it");
        if (manifest.Status == FitManifest.Finished)
            throw new GpuHbmException($"the fit in '{directory}' is finished; there is nothing to resume (`gpuhbm summarize {directory}` shows it)");
        if (FitFolderStatus.IsAlive(manifest))
            throw new GpuHbmException($"the fit in '{directory}' is still being written by process {manifest.ProcessId}; stop it before resuming");
        var s = manifest.Settings;
        if (data is null)
        {
            if (s.DataPath is null || !File.Exists(s.DataPath))
                throw new GpuHbmException($"the data of the fit in '{directory}' ({s.DataSource}) is not at {s.DataPath ?? "a recorded path"}; pass it to Glmm.Resume");
            data = DataTable.ReadCsv(s.DataPath, new CsvReadOptions
            {
                Delimiter = s.CsvDelimiter is { Length: 1 } d ? d[0] : null,
                DecimalSeparator = s.CsvDecimalComma ? ',' : '.',
                MissingValues = s.CsvMissingValues,
                Encoding = CsvReadOptions.ParseEncoding(s.CsvEncoding),
            });
        }
        if (DataFingerprint.ContentSha256(data) != s.DataFingerprint)
            throw new GpuHbmException($"the data in {data.Source} differ from the data the fit in '{directory}' was started with; a resumed run must see the same data");
        if (relationshipMatrices is null)
        {
            var read = new Dictionary<string, RelationshipMatrix>(StringComparer.Ordinal);
            foreach (var (name, path) in s.RelationshipMatrixFiles) read[name] = RelationshipMatrixReader.Read(path, s.RelationshipMatrixPsdTolerance);
            relationshipMatrices = read;
        }
        var options = new FitOptions
        {
            Family = s.Family, Priors = s.Priors, Factors = s.Factors, Chains = s.Chains, Warmup = s.Warmup, Draws = s.Draws, Seed = s.Seed,
            MaxWarmup = s.MaxWarmup, TargetEss = s.TargetEss, Init = s.Init, InitialValues = s.InitialValues,
            AdaptDelta = s.AdaptDelta, MaxDepth = s.MaxDepth, DropMissing = s.DropMissing, MaxParallelism = maxParallelism,
            Backend = s.BackendUsed, Device = s.Device, Sampler = s.Sampler, Superchains = s.Superchains, Metric = s.Metric,
            AutomaticCentring = s.AutomaticCentring,
            RelationshipMatrices = relationshipMatrices, RelationshipMatrixFiles = s.RelationshipMatrixFiles,
            RelationshipMatrixPsdTolerance = s.RelationshipMatrixPsdTolerance,
            KinshipFastPath = s.KinshipFastPath, DrawGeneticEffects = s.DrawGeneticEffects, OutputDirectory = directory,
        };
        var plan = PlanCore(s.Formula, data, options, resuming: true);
        var model = plan.Model;
        if (model.Dimension != manifest.Dimension || model.OutputNames.Count != manifest.ParameterCount)
            throw new GpuHbmException($"the model rebuilt from '{directory}' has {model.Dimension} unconstrained parameters and {model.OutputNames.Count} reported ones, " +
                $"the run had {manifest.Dimension} and {manifest.ParameterCount}; it cannot be resumed");
        var checkpoints = CheckpointFile.Read(Path.Combine(directory, FitFolder.CheckpointFile));
        var kept = new int[s.Chains];
        foreach (var cp in checkpoints)
            for (int c = cp.FirstChain; c < cp.FirstChain + cp.Chains && c < kept.Length; c++) kept[c] = cp.Kept;
        var (drawsFile, statistics) = FitFolder.ReadDraws(directory, s.Chains);
        if (!drawsFile.Names.SequenceEqual(model.OutputNames))
            throw new GpuHbmException($"the columns of draws.csv in '{directory}' are not the parameters of the rebuilt model; it cannot be resumed");
        var earlier = new double[s.Chains][];
        for (int c = 0; c < s.Chains; c++)
        {
            if (drawsFile.DrawCount(c) < kept[c])
                throw new GpuHbmException($"draws.csv and sampler.csv in '{directory}' hold {drawsFile.DrawCount(c)} draws of chain {c + 1}, but its checkpoint counts {kept[c]}; it cannot be resumed");
            // Rows written after the checkpoint are made again by the resumed run.
            earlier[c] = drawsFile.ChainValues(c)[..(kept[c] * model.OutputNames.Count)];
            statistics[c].Truncate(kept[c]);
        }
        plan.ResumeFrom = (manifest, new FitStreamWriter.ResumeData(checkpoints, earlier, statistics.ToArray()));
        return plan;
    }

    /// <summary>Every --relmat must be used by a gr(..., cov = K) term (a typo in K would otherwise go unnoticed).</summary>
    private static void CheckRelationshipMatrices(Formula formula, FitOptions options)
    {
        var used = formula.RandomTerms.Select(t => t.CovarianceMatrix).Where(k => k is not null).ToHashSet(StringComparer.Ordinal);
        foreach (var name in options.RelationshipMatrices.Keys)
            if (!used.Contains(name))
                throw new GpuHbmModelException(
                    $"--relmat {name} is not used by the formula: it has no term (1 | gr(id, cov = {name}))" +
                    (used.Count > 0 ? $"; its relationship matrices are named {string.Join(", ", used)}" : "") + "; remove --relmat or fix the name");
    }

    /// <summary>Parses the priors; the same class, group and coefficient twice is an error (brms: "Duplicated prior specifications are not allowed").</summary>
    private static List<PriorSpec> ParsePriors(IReadOnlyList<string> texts)
    {
        var priors = new List<PriorSpec>();
        for (int i = 0; i < texts.Count; i++)
        {
            var p = PriorSpec.Parse(texts[i]);
            for (int j = 0; j < priors.Count; j++)
                if (priors[j].Class == p.Class && priors[j].Group == p.Group && priors[j].Coef == p.Coef)
                    throw new GpuHbmModelException(
                        $"--prior gives the same parameter class twice: '{texts[j]}' and '{texts[i]}'; keep one (brms refuses duplicated priors too)");
            priors.Add(p);
        }
        return priors;
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

    /// <summary>The table as given (before dropping rows): its source, CSV format and fingerprint, for the manifest.</summary>
    internal (string Source, CsvFormat? Format, string Fingerprint) DataRecord { get; init; }

    /// <summary>Set by <see cref="Glmm.Resume"/>: the interrupted run's manifest and what it had kept.</summary>
    internal (FitManifest Manifest, FitStreamWriter.ResumeData Data)? ResumeFrom { get; set; }

    public int Rows { get; }
    public int RowsDropped { get; }
    public TimeSpan CompileTime { get; }

    /// <summary>The data file's path and checksum (and the relationship matrices'), recorded in fit.json for <see cref="Results.Fit.Load(string, FitLoadOptions?)"/>.</summary>
    public FitProvenance? Provenance { get; init; }

    /// <summary>The rows the model is fitted to (after any dropped for missing values).</summary>
    public DataTable? Data { get; init; }

    /// <summary>Samples. Cancelling stops the chains at their next iteration and keeps the draws made so far.</summary>
    public Fit Run(CancellationToken cancellationToken = default) => Run(Options.Progress, cancellationToken);

    /// <summary>
    /// Samples, reporting each chain's progress to <paramref name="progress"/>. With <see cref="FitOptions.OutputDirectory"/>
    /// the draws stream into the folder as they are made and the summary and fit.json are written at the end.
    /// </summary>
    public Fit Run(IProgress<ChainProgress>? progress, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var o = Options;
        var resume = ResumeFrom;
        FitStreamWriter? stream = o.OutputDirectory is { } dir
            ? FitStreamWriter.Start(dir, Model, Manifest(resume?.Manifest), o.Seed!.Value, o.CheckpointInterval, resume?.Data)
            : null;
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
            AutomaticCentring = o.AutomaticCentring,
            MaxParallelism = o.MaxParallelism ?? Environment.ProcessorCount,
            Observer = stream,
            Resume = resume?.Data.Checkpoints,
        };
        SamplerResult result;
        try
        {
            result = SamplerDispatch.Run(Backend, o.Sampler, Model, samplerOptions, progress, cancellationToken);
        }
        catch (Exception e)
        {
            // The draws and the last checkpoint stay; the manifest says why the run ended.
            stream?.Finish(FitManifest.Failed, e.Message);
            throw;
        }
        clock.Stop();
        var fit = Results.Fit.FromSampler(Model, result, new FitSettings(
            Formula, o, DataSource, Rows, RowsDropped, CompileTime, CompileTime + clock.Elapsed) { Backend = Backend, Provenance = Provenance, Data = Data },
            resume is { Data: var d } ? (d.Draws, d.Statistics) : null);
        if (stream is not null)
        {
            stream.Close();
            fit.SavedFiles = FitWriter.Write(fit, o.OutputDirectory!, streamed: true);
            fit.SavedTo = o.OutputDirectory;
            stream.Finish(fit.Failure is not null ? FitManifest.Failed : fit.StoppedEarly ? FitManifest.Stopped : FitManifest.Finished, fit.Failure);
        }
        return fit;
    }

    /// <summary>The manifest a run starts with (a resumed run keeps the original's start time and counts the resumption).</summary>
    private FitManifest Manifest(FitManifest? resumed)
    {
        var o = Options;
        var (source, format, fingerprint) = DataRecord;
        var settings = new FitRunSettings
        {
            Formula = Formula,
            DataSource = source,
            DataPath = File.Exists(source) ? Path.GetFullPath(source) : null,
            DataFingerprint = fingerprint,
            CsvDelimiter = format?.Delimiter.ToString(),
            CsvDecimalComma = format?.DecimalComma ?? false,
            CsvMissingValues = format?.MissingValues ?? ["NA"],
            CsvEncoding = format?.Encoding ?? "utf-8",
            Family = o.Family, Priors = o.Priors, Factors = o.Factors, Chains = o.Chains, Warmup = o.Warmup, Draws = o.Draws, Seed = o.Seed!.Value,
            MaxWarmup = o.MaxWarmup, TargetEss = o.TargetEss, Init = o.Init, InitialValues = o.InitialValues,
            AdaptDelta = o.AdaptDelta, MaxDepth = o.MaxDepth, DropMissing = o.DropMissing, Backend = o.Backend, BackendUsed = Backend.Name,
            Device = o.Device, Sampler = o.Sampler.ToLowerInvariant(), Superchains = o.Superchains, Metric = o.Metric,
            AutomaticCentring = o.AutomaticCentring,
            RelationshipMatrixFiles = o.RelationshipMatrixFiles.ToDictionary(k => k.Key, k => Path.GetFullPath(k.Value)),
            RelationshipMatrixPsdTolerance = o.RelationshipMatrixPsdTolerance,
            KinshipFastPath = o.KinshipFastPath, DrawGeneticEffects = o.DrawGeneticEffects,
        };
        return new FitManifest
        {
            Status = FitManifest.Running,
            ProcessId = Environment.ProcessId,
            MachineName = Environment.MachineName,
            StartedUtc = resumed?.StartedUtc ?? DateTime.UtcNow,
            Resumed = resumed is null ? 0 : resumed.Resumed + 1,
            GpuhbmVersion = typeof(Glmm).Assembly.GetCustomAttribute<System.Reflection.AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown",
            Settings = settings,
            Dimension = Model.Dimension,
            ParameterCount = Model.OutputNames.Count,
            DrawsPerChain = o.Draws,
        };
    }
}
