using System.Text.Json;
using GpuHbm.Data;
using GpuHbm.Models.Kinship;
using GpuHbm.Sampling;

namespace GpuHbm.Results;

/// <summary>
/// Where <see cref="Fit.Load(string, FitLoadOptions?)"/> finds the data when they are not where fit.json says.
/// Whatever is given is checked against the checksums recorded at save time.
/// </summary>
public sealed record FitLoadOptions
{
    /// <summary>The data file, when it moved since the fit (CLI: <c>--fit-data FILE</c>).</summary>
    public string? DataPath { get; init; }

    /// <summary>The data as a table: required when the fit was made from a table built in memory.</summary>
    public DataTable? Data { get; init; }

    /// <summary>Relationship matrix files by the name in the formula, when they moved (CLI: <c>--relmat K=PATH</c>).</summary>
    public IReadOnlyDictionary<string, string> RelationshipMatrixPaths { get; init; } = new Dictionary<string, string>();

    /// <summary>Relationship matrices built in memory, by name: required when the fit was made from such a matrix.</summary>
    public IReadOnlyDictionary<string, RelationshipMatrix> RelationshipMatrices { get; init; } = new Dictionary<string, RelationshipMatrix>();
}

/// <summary>
/// Reads a saved fit folder back into a <see cref="Fit"/>: the model is rebuilt from fit.json (formula,
/// family, the user's priors and options) and the data file it records, after checking that file's
/// SHA-256 (and each relationship matrix's) against the one recorded at save time; the draws come from
/// draws.csv, the sampler statistics from sampler.csv, adaptation and timings from fit.json.
/// </summary>
internal static class FitReader
{
    /// <summary>The fit.json layout this version writes and reads.</summary>
    public const int FormatVersion = 1;

    public static Fit Load(string directory, FitLoadOptions? options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        options ??= new FitLoadOptions();
        if (!Directory.Exists(directory)) throw new GpuHbmDataException($"the fit folder '{directory}' does not exist");
        string jsonPath = Path.Combine(directory, "fit.json");
        if (!File.Exists(jsonPath))
            throw new GpuHbmDataException($"'{directory}' is not a saved fit: it has no fit.json (write one with gpuhbm fit --output DIR or Fit.Save)");
        JsonDocument doc;
        try { doc = JsonDocument.Parse(File.ReadAllText(jsonPath)); }
        catch (JsonException e) { throw new GpuHbmDataException($"'{jsonPath}' is not valid JSON: {e.Message}"); }
        using (doc)
        {
            var root = doc.RootElement;
            int version = root.TryGetProperty("format_version", out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : 0;
            if (version != FormatVersion || !root.TryGetProperty("fit_options", out var fo))
                throw new GpuHbmDataException(version == 0
                    ? $"'{jsonPath}' was written by a GpuHbm that did not record the data file's checksum, so the fit cannot be reloaded safely; fit the model again with this version"
                    : $"'{jsonPath}' has format version {version}, but this GpuHbm reads version {FormatVersion}");

            string formula = root.GetProperty("formula").GetString()!;
            var sampler = root.GetProperty("sampler");
            var recordedData = root.GetProperty("data");
            var relmats = LoadRelationshipMatrices(fo.GetProperty("relationship_matrices"), options, jsonPath);
            var fitOptions = new FitOptions
            {
                Family = fo.GetProperty("family").GetString()!,
                Priors = Strings(fo.GetProperty("priors")),
                Factors = Strings(fo.GetProperty("factors")),
                DropMissing = fo.GetProperty("drop_missing").GetBoolean(),
                KinshipFastPath = fo.GetProperty("kinship_fast_path").GetBoolean(),
                DrawGeneticEffects = fo.GetProperty("draw_genetic_effects").GetBoolean(),
                RelationshipMatrices = relmats,
                Chains = sampler.GetProperty("chains").GetInt32(),
                // An automatic warm-up is recorded with its cap as "warmup" (fit.json before issue 8 has no warmup_mode).
                Warmup = sampler.TryGetProperty("warmup_mode", out var wm) && wm.GetString() == "auto" ? null : sampler.GetProperty("warmup").GetInt32(),
                MaxWarmup = sampler.TryGetProperty("max_warmup", out var mw) && mw.ValueKind == JsonValueKind.Number ? mw.GetInt32() : 1000,
                TargetEss = sampler.TryGetProperty("target_ess", out var te) && te.ValueKind == JsonValueKind.Number ? te.GetInt32() : null,
                Draws = sampler.GetProperty("draws").GetInt32(),
                Seed = sampler.GetProperty("seed").GetUInt64(),
                AdaptDelta = sampler.GetProperty("adapt_delta").GetDouble(),
                MaxDepth = sampler.GetProperty("max_depth").GetInt32(),
                Sampler = sampler.GetProperty("algorithm").GetString()!,
                Backend = sampler.GetProperty("backend_requested").GetString() ?? "auto",
                Superchains = sampler.TryGetProperty("nested_rhat_superchains", out var sc) && sc.ValueKind == JsonValueKind.Number ? sc.GetInt32() : null,
                // Fits saved before automatic centring existed (or became the default) record none.
                AutomaticCentring = sampler.TryGetProperty("automatic_centring", out var centring) && centring.ValueKind == JsonValueKind.True,
            };

            var data = LoadData(recordedData, options, jsonPath);
            var (model, used, dropped) = Glmm.Compile(formula, data, fitOptions);
            int rows = used.RowCount;
            int recordedRows = recordedData.GetProperty("rows_used").GetInt32();
            if (rows != recordedRows)
                throw new GpuHbmDataException($"the model rebuilt from '{jsonPath}' has {rows} rows, but the fit used {recordedRows}");

            int chains = fitOptions.Chains;
            var draws = DrawsCsvReader.ReadDraws(Path.Combine(directory, "draws.csv"), chains);
            if (!draws.Names.SequenceEqual(model.OutputNames))
            {
                int i = 0;
                while (i < Math.Min(draws.Names.Count, model.OutputNames.Count) && draws.Names[i] == model.OutputNames[i]) i++;
                string where = i < Math.Min(draws.Names.Count, model.OutputNames.Count)
                    ? $"column {i + 4} is '{draws.Names[i]}' but the model's parameter {i + 1} is '{model.OutputNames[i]}'"
                    : $"draws.csv has {draws.Names.Count} parameters and the model {model.OutputNames.Count}";
                throw new GpuHbmDataException($"draws.csv in '{directory}' does not belong to the model rebuilt from fit.json: {where}");
            }
            string samplerPath = Path.Combine(directory, "sampler.csv");
            var statistics = File.Exists(samplerPath)
                ? DrawsCsvReader.ReadSamplerStatistics(samplerPath, chains)
                : Enumerable.Range(0, chains).Select(_ => new SamplerStatistics(0)).ToArray();

            var adaptation = root.GetProperty("adaptation").EnumerateArray()
                .Select(a => new AdaptationResult(a.GetProperty("step_size").GetDouble(),
                    a.GetProperty("inverse_metric").EnumerateArray().Select(x => x.GetDouble()).ToArray(),
                    MetricRank: a.TryGetProperty("metric_rank", out var rank) ? rank.GetInt32() : 0)
                {
                    Centring = a.TryGetProperty("centring", out var c) && c.ValueKind == JsonValueKind.Array
                        ? c.EnumerateArray().Select(x => x.GetDouble()).ToArray() : null,
                    AutomaticCentring = a.TryGetProperty("automatic_centring", out var ac) && ac.ValueKind == JsonValueKind.True,
                    InterceptTermOffset = a.TryGetProperty("intercept_term_offset", out var io) && io.ValueKind == JsonValueKind.Number ? io.GetInt32() : null,
                }).ToArray();
            var timings = root.GetProperty("timings");
            var chainTimes = timings.GetProperty("chains").EnumerateArray()
                .Select(t => (TimeSpan.FromSeconds(t.GetProperty("warmup_seconds").GetDouble()), TimeSpan.FromSeconds(t.GetProperty("sampling_seconds").GetDouble())))
                .ToArray();
            var settings = new FitSettings(formula, fitOptions, recordedData.GetProperty("source").GetString() ?? data.Source, rows, dropped,
                TimeSpan.FromSeconds(timings.GetProperty("compile_seconds").GetDouble()), TimeSpan.FromSeconds(timings.GetProperty("total_seconds").GetDouble()))
            {
                Provenance = FitProvenance.Of(data, fitOptions),
                Data = used,
            };
            return new Fit(model, draws, statistics, adaptation, settings, chainTimes,
                timings.GetProperty("gradient_evaluations").GetInt64(), root.GetProperty("stopped_early").GetBoolean())
            {
                Failure = root.TryGetProperty("failure", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString() : null,
                WarmupGradientEvaluations = timings.TryGetProperty("warmup_gradient_evaluations", out var wg) && wg.ValueKind == JsonValueKind.Number ? wg.GetInt64() : 0,
                Ensemble = root.TryGetProperty("ensemble", out var en) && en.ValueKind == JsonValueKind.Object ? ReadEnsemble(en) : null,
                Directory = Path.GetFullPath(directory),
            };
        }
    }

    /// <summary>fit.json's "ensemble" (ChEES: initialisation, warm-up checks and verdict, sampling), as FitWriter wrote it.</summary>
    private static Sampling.Chees.EnsembleRunReport ReadEnsemble(JsonElement e)
    {
        static double D(JsonElement o, string name) => o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : double.NaN;
        var init = e.GetProperty("initialization");
        var warm = e.GetProperty("warmup");
        var sampling = e.GetProperty("sampling");
        return new Sampling.Chees.EnsembleRunReport
        {
            Initialization = new Sampling.Initialization.InitializationReport
            {
                Method = init.GetProperty("method").GetString() ?? "",
                Starts = init.GetProperty("starts").GetInt32(),
                GradientEvaluations = init.GetProperty("gradient_evaluations").GetInt64(),
                OptimizerIterations = init.GetProperty("optimizer_iterations").EnumerateArray().Select(x => x.GetInt32()).ToArray(),
                OptimizersConverged = init.GetProperty("optimizers_converged").GetInt32(),
                LogDensityAtOptimum = init.GetProperty("log_density_at_optimum").EnumerateArray()
                    .Select(x => x.ValueKind == JsonValueKind.Number ? x.GetDouble() : double.NaN).ToArray(),
                Time = TimeSpan.FromSeconds(init.GetProperty("seconds").GetDouble()),
            },
            Superchains = warm.GetProperty("superchains").GetInt32(),
            AutoWarmup = warm.GetProperty("mode").GetString() == "auto",
            WarmupLimit = warm.GetProperty("limit").GetInt32(),
            WarmupIterations = warm.GetProperty("iterations").GetInt32(),
            WarmupConverged = warm.GetProperty("converged").GetBoolean(),
            NotConvergedReason = warm.TryGetProperty("not_converged_reason", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null,
            NestedRhatThreshold = warm.GetProperty("nested_rhat_threshold").GetDouble(),
            WarmupGradientEvaluations = warm.GetProperty("gradient_evaluations").GetInt64(),
            Checks = warm.GetProperty("checks").EnumerateArray().Select(c => new Sampling.Chees.WarmupCheck(
                c.GetProperty("iteration").GetInt32(), D(c, "nested_rhat"),
                c.GetProperty("worst").GetString() is { } w && w.StartsWith("theta[", StringComparison.Ordinal) ? int.Parse(w[6..^1], System.Globalization.CultureInfo.InvariantCulture) : -1,
                Math.Log(D(c, "metric_change_factor")), D(c, "harmonic_mean_acceptance"), D(c, "step_size"), D(c, "trajectory_length"),
                c.GetProperty("gradient_evaluations").GetInt64())).ToArray(),
            TargetEss = sampling.TryGetProperty("target_ess", out var t) && t.ValueKind == JsonValueKind.Number ? t.GetInt32() : null,
            EssAtStop = D(sampling, "ess_at_stop"),
            TargetEssReached = sampling.GetProperty("target_ess_reached").GetBoolean(),
            SamplingHarmonicMeanAcceptance = D(sampling, "harmonic_mean_acceptance"),
            StepSize = D(sampling, "step_size"),
            TrajectoryLength = D(sampling, "trajectory_length"),
        };
    }

    private static string[] Strings(JsonElement array) => array.EnumerateArray().Select(e => e.GetString()!).ToArray();

    /// <summary>The data table: from the options or the recorded path, its checksum checked.</summary>
    private static DataTable LoadData(JsonElement recorded, FitLoadOptions options, string jsonPath)
    {
        string? path = recorded.TryGetProperty("path", out var p) ? p.GetString() : null;
        string? sha = recorded.TryGetProperty("sha256", out var s) ? s.GetString() : null;
        string? contentSha = recorded.TryGetProperty("content_sha256", out var c) ? c.GetString() : null;
        if (options.Data is { } table)
        {
            if (contentSha is not null)
            {
                string now = DataFingerprint.ContentSha256(table);
                if (now != contentSha)
                    throw new GpuHbmDataException($"the table given is not the one the fit in '{jsonPath}' was made from (content SHA-256 {Short(now)}, recorded {Short(contentSha)})");
                return table;
            }
            if (table.FilePath is null)
                throw new GpuHbmDataException($"the fit in '{jsonPath}' was made from the file '{path}', so its checksum can only be checked against a file: pass the path (FitLoadOptions.DataPath)");
            CheckFile(table.FilePath, sha!, "data file", jsonPath);
            return table;
        }
        if (contentSha is not null)
            throw new GpuHbmDataException($"the fit in '{jsonPath}' was made from a table built in memory ({recorded.GetProperty("source").GetString()}), not a file; pass that table: Fit.Load(dir, new FitLoadOptions {{ Data = table }})");
        string file = options.DataPath ?? path!;
        if (!File.Exists(file))
            throw new GpuHbmDataException(options.DataPath is null
                ? $"the data file '{file}' that the fit in '{jsonPath}' was made from does not exist (moved or deleted?); give its new place with --fit-data FILE (FitLoadOptions.DataPath)"
                : $"the data file '{file}' does not exist");
        CheckFile(file, sha!, "data file", jsonPath);
        return DataTable.ReadCsv(file, recorded.TryGetProperty("csv", out var csv) && csv.ValueKind == JsonValueKind.Object ? CsvOptions(csv) : null);
    }

    /// <summary>The options the data file was read with (fit.json's data.csv), so that it is read the same way again.</summary>
    private static CsvReadOptions CsvOptions(JsonElement csv)
    {
        var delimiter = csv.GetProperty("delimiter").GetString()!;
        return new CsvFormat(delimiter[0], false, csv.GetProperty("decimal_comma").GetBoolean(), 0, csv.GetProperty("encoding").GetString()!,
            Strings(csv.GetProperty("missing_values"))).ReadOptions();
    }

    private static void CheckFile(string file, string recordedSha, string what, string jsonPath)
    {
        string now = DataFingerprint.FileSha256(file);
        if (now != recordedSha)
            throw new GpuHbmDataException(
                $"the {what} '{file}' has changed since the fit in '{jsonPath}' was made (SHA-256 now {Short(now)}, recorded {Short(recordedSha)}); " +
                "the draws belong to the data as they were: restore that file or fit the model again");
    }

    private static string Short(string sha) => sha.Length > 12 ? sha[..12] + "..." : sha;

    private static Dictionary<string, RelationshipMatrix> LoadRelationshipMatrices(JsonElement recorded, FitLoadOptions options, string jsonPath)
    {
        var result = new Dictionary<string, RelationshipMatrix>(StringComparer.Ordinal);
        foreach (var m in recorded.EnumerateArray())
        {
            string name = m.GetProperty("name").GetString()!;
            string? contentSha = m.TryGetProperty("content_sha256", out var c) ? c.GetString() : null;
            if (contentSha is not null)
            {
                if (!options.RelationshipMatrices.TryGetValue(name, out var given))
                    throw new GpuHbmDataException($"the fit in '{jsonPath}' used a relationship matrix '{name}' built in memory; pass it (FitLoadOptions.RelationshipMatrices[\"{name}\"])");
                if (FitProvenance.ContentSha256(given) != contentSha)
                    throw new GpuHbmDataException($"the relationship matrix '{name}' given is not the one the fit in '{jsonPath}' was made with (its content checksum differs)");
                result[name] = given;
                continue;
            }
            string recordedPath = m.GetProperty("path").GetString()!;
            bool moved = options.RelationshipMatrixPaths.TryGetValue(name, out var newPath);
            string path = moved ? newPath! : recordedPath;
            var files = m.GetProperty("files").EnumerateArray().Select(f => (Path: f.GetProperty("path").GetString()!, Sha: f.GetProperty("sha256").GetString()!)).ToArray();
            var now = RelationshipMatrixReader.SourceFiles(path);
            if (moved && now.Count != files.Length)
                throw new GpuHbmDataException($"--relmat {name}={path}: the fit was made with {files.Length} file(s) ({string.Join(", ", files.Select(f => Path.GetFileName(f.Path)))}), but this path names {now.Count}");
            for (int i = 0; i < files.Length; i++)
            {
                // The same files (.csv; .grm.id/.grm.bin; .bed/.bim/.fam) in the same order under the path now given.
                var (recordedFile, sha) = files[i];
                string file = moved ? now[i] : recordedFile;
                if (!File.Exists(file))
                    throw new GpuHbmDataException(
                        $"the relationship matrix file '{file}' ({name}) that the fit in '{jsonPath}' was made with does not exist (moved or deleted?); give its new place with --relmat {name}=PATH");
                CheckFile(file, sha, $"relationship matrix file ({name})", jsonPath);
            }
            result[name] = RelationshipMatrixReader.Read(path);
        }
        return result;
    }
}
