using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace GpuHbm.Results;

/// <summary>
/// Writes a fit to a folder: summary.csv, draws.csv, sampler.csv and fit.json (formula, family,
/// priors, seed, versions, adaptation, timings, diagnostics). Files are written to a temporary
/// name and moved into place, so an interrupted write never leaves a truncated file. The folder's
/// layout is described at <see cref="FitFolder"/>.
/// </summary>
public static class FitWriter
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>Writes the fit, replacing any fit files already in the folder (none of an older fit is left beside it).</summary>
    /// <returns>The names of the files written.</returns>
    public static IReadOnlyList<string> Write(Fit fit, string directory) => Write(fit, directory, streamed: false);

    /// <param name="fit">The fit.</param>
    /// <param name="directory">The folder.</param>
    /// <param name="streamed">True when the run streamed into the folder: its manifest and checkpoint stay.</param>
    internal static IReadOnlyList<string> Write(Fit fit, string directory, bool streamed)
    {
        ArgumentNullException.ThrowIfNull(fit);
        try { Directory.CreateDirectory(directory); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        { throw new GpuHbmException($"cannot create the output folder '{directory}': {e.Message}"); }
        if (!streamed) FitFolder.Clear(directory);

        WriteAtomically(Path.Combine(directory, "draws.csv"), w => DrawsCsvWriter.WriteDraws(fit.Draws, w));
        WriteAtomically(Path.Combine(directory, "sampler.csv"), w => DrawsCsvWriter.WriteSamplerStatistics(fit.Statistics, w));
        var written = new List<string> { "draws.csv", "sampler.csv" };
        if (fit.Draws.CommonDrawCount >= 4)
        {
            WriteAtomically(Path.Combine(directory, "summary.csv"), w => fit.Summary.WriteCsv(w));
            written.Insert(0, "summary.csv");
        }
        WriteAtomically(Path.Combine(directory, "fit.json"), w => w.Write(JsonSerializer.Serialize(Report(fit), Json)));
        written.Add("fit.json");
        return written;
    }

    private static object Report(Fit fit)
    {
        var s = fit.Settings;
        var o = s.Options;
        var report = fit.Report;
        return new
        {
            GpuhbmVersion = typeof(FitWriter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown",
            Runtime = RuntimeInformation.FrameworkDescription,
            Os = RuntimeInformation.OSDescription,
            Machine = new { Cores = Environment.ProcessorCount },
            CreatedUtc = DateTime.UtcNow.ToString("O"),
            FormatVersion = FitReader.FormatVersion,
            Data = new
            {
                Source = s.DataSource, RowsUsed = s.RowsUsed, RowsDropped = s.RowsDropped,
                Path = s.Provenance?.DataPath, Sha256 = s.Provenance?.DataSha256, ContentSha256 = s.Provenance?.DataContentSha256,
                Csv = s.Provenance?.DataFormat is { } f
                    ? new { Delimiter = f.Delimiter.ToString(), f.DecimalComma, f.MissingValues, f.Encoding }
                    : null,
            },
            Formula = s.Formula,
            FitOptions = new
            {
                o.Family, o.Priors, o.Factors, o.DropMissing, o.KinshipFastPath, o.DrawGeneticEffects,
                RelationshipMatrices = s.Provenance?.RelationshipMatrices.Select(m => new
                {
                    m.Name, m.Path, Files = m.Files.Select(f => new { f.Path, f.Sha256 }).ToArray(), m.ContentSha256,
                }).ToArray() ?? [],
            },
            Family = fit.Model.Spec.Family.Name,
            Priors = fit.Model.Priors.Select(p => p.ToString()).ToArray(),
            Parameters = fit.Draws.Names,
            Model = new
            {
                Method = fit.Model.Method,
                RelationshipMatrices = fit.Model.RandomTerms.Where(t => t.Relationship is not null).Select(t => new
                {
                    Name = t.RelationshipName,
                    Group = t.GroupName,
                    t.Relationship!.Source,
                    IndividualsUsed = t.Relationship.Count,
                    IndividualsDropped = t.Alignment?.DroppedCount ?? 0,
                }).ToArray(),
                Heritability = HeritabilitySummary(fit),
            },
            Notes = fit.Model.Notes,
            Sampler = new
            {
                Algorithm = o.Sampler.ToLowerInvariant(),
                Backend = s.Backend?.Name ?? "cpu",
                BackendRequested = o.Backend,
                Device = s.Backend is { } b ? new
                {
                    b.Device.Index, b.Device.Name, b.Device.Vendor, b.Device.DeviceType, b.Device.Version,
                    MemoryBytes = b.Device.GlobalMemoryBytes, b.Device.SupportsFp64,
                } : null,
                BackendReason = s.Backend?.Reason,
                o.Chains, Warmup = o.ResolvedWarmup, WarmupMode = o.AutoWarmup ? "auto" : "fixed", MaxWarmup = o.AutoWarmup ? o.MaxWarmup : (int?)null,
                o.Draws, o.TargetEss, Seed = o.Seed, o.AdaptDelta, o.MaxDepth, Metric = o.Metric,
                o.AutomaticCentring,
                Init = fit.Ensemble?.Initialization.Method,
                NestedRhatSuperchains = o.NestedRhatSuperchains(),
            },
            Converged = fit.Converged,
            ConvergenceProblems = report.ConvergenceProblems,
            Ensemble = EnsembleSection(fit.Ensemble),
            DrawsPerChain = Enumerable.Range(0, fit.Draws.ChainCount).Select(fit.Draws.DrawCount).ToArray(),
            StoppedEarly = fit.StoppedEarly,
            Failure = fit.Failure,
            Adaptation = fit.Adaptation.Select((a, c) => new { Chain = c + 1, a.StepSize, a.InverseMetric, a.MetricRank, a.AutomaticCentring, a.CentredEffects, a.MeanCentring, a.InterceptTermOffset, a.Centring }).ToArray(),
            Centring = CentringReport.Describe(fit).Select(t => new { t.Term, t.Effects, t.Centred, t.CentredPerChain, t.MeanWeightPerChain, t.InterceptChains, t.Reason }).ToArray(),
            Timings = new
            {
                CompileSeconds = s.CompileTime.TotalSeconds,
                SetupSeconds = fit.Model.SetupTime.TotalSeconds,
                EigendecompositionSeconds = (fit.Model as Models.Kinship.FastLmmModel)?.EigendecompositionTime.TotalSeconds,
                EigendecompositionSolver = (fit.Model as Models.Kinship.FastLmmModel)?.EigenSolver,
                TotalSeconds = s.TotalTime.TotalSeconds,
                Chains = fit.ChainTimes.Select((t, c) => new { Chain = c + 1, WarmupSeconds = t.Warmup.TotalSeconds, SamplingSeconds = t.Sampling.TotalSeconds }).ToArray(),
                GradientEvaluations = fit.GradientEvaluations,
                WarmupGradientEvaluations = fit.WarmupGradientEvaluations,
            },
            Diagnostics = new
            {
                report.Divergences,
                report.DivergencesPerChain,
                MaxDepthHits = report.MaxDepthHits,
                Ebfmi = report.EbfmiPerChain.Select(e => double.IsFinite(e) ? e : (double?)null).ToArray(),
                report.Warnings,
            },
        };
    }

    /// <summary>ChEES: initialisation (method, cost), warm-up (iterations, converged, every check) and the target-ESS stop.</summary>
    private static object? EnsembleSection(Sampling.Chees.EnsembleRunReport? e) => e is null ? null : new
    {
        Initialization = new
        {
            e.Initialization.Method, e.Initialization.Starts, e.Initialization.GradientEvaluations,
            e.Initialization.OptimizerIterations, e.Initialization.OptimizersConverged,
            LogDensityAtOptimum = e.Initialization.LogDensityAtOptimum.Select(v => double.IsFinite(v) ? v : (double?)null).ToArray(),
            Seconds = e.Initialization.Time.TotalSeconds,
        },
        Warmup = new
        {
            Mode = e.AutoWarmup ? "auto" : "fixed",
            Limit = e.WarmupLimit,
            Iterations = e.WarmupIterations,
            Converged = e.WarmupConverged,
            e.NotConvergedReason,
            e.NestedRhatThreshold,
            e.Superchains,
            GradientEvaluations = e.WarmupGradientEvaluations,
            Checks = e.Checks.Select(c => new
            {
                c.Iteration, NestedRhat = Finite(c.NestedRhat), Worst = c.WorstCoordinate < 0 ? "lp__" : $"theta[{c.WorstCoordinate}]",
                MetricChangeFactor = Finite(Math.Exp(c.MetricChange)), HarmonicMeanAcceptance = Finite(c.HarmonicMeanAcceptance),
                c.StepSize, c.TrajectoryLength, c.GradientEvaluations,
            }).ToArray(),
        },
        Sampling = new
        {
            e.StepSize, e.TrajectoryLength, HarmonicMeanAcceptance = Finite(e.SamplingHarmonicMeanAcceptance),
            e.TargetEss, EssAtStop = Finite(e.EssAtStop), e.TargetEssReached,
        },
    };

    private static double? Finite(double v) => double.IsFinite(v) ? v : null;

    /// <summary>h2 rows: posterior mean and 90 % interval (5 % and 95 % quantiles).</summary>
    private static object[] HeritabilitySummary(Fit fit)
    {
        if (fit.Draws.CommonDrawCount < 4) return [];
        return fit.Summary.Rows.Where(r => r.Variable == "h2" || r.Variable.StartsWith("h2_", StringComparison.Ordinal))
            .Select(r => (object)new { Parameter = r.Variable, r.Mean, Q5 = r.Q5, Q95 = r.Q95 }).ToArray();
    }

    private static void WriteAtomically(string path, Action<TextWriter> write) =>
        FitFolder.WriteAtomically(path, stream =>
        {
            using var w = new StreamWriter(stream, new System.Text.UTF8Encoding(false), 1 << 16, leaveOpen: true);
            write(w);
        }, flush: true);
}
