using System.Text.Json;
using System.Text.Json.Serialization;

namespace GpuHbm.Results;

/// <summary>
/// The folder a fit is written to (<c>--output DIR</c>, <see cref="FitOptions.OutputDirectory"/>): its file names, the
/// checks before a run writes into it, and its manifest.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>manifest.json</c>: written first, updated whenever the draws are flushed; status running, finished,
/// stopped or failed; the settings needed to resume; how far each chain got (<see cref="FitManifest"/>).</item>
/// <item><c>draws.csv</c>, <c>sampler.csv</c>: grow during sampling (rows of different chains interleaved, each chain
/// in order), flushed to disk every <see cref="FitOptions.CheckpointInterval"/>; rewritten in chain order when the
/// run ends.</item>
/// <item><c>checkpoint.bin</c>: the samplers' state at the latest checkpoint (<c>gpuhbm fit --resume DIR</c>); removed
/// when the fit finishes.</item>
/// <item><c>summary.csv</c>, <c>fit.json</c>: when the run ends (finished or stopped).</item>
/// </list>
/// </remarks>
public static class FitFolder
{
    public const string ManifestFile = "manifest.json", CheckpointFile = "checkpoint.bin", DrawsFile = "draws.csv",
        SamplerFile = "sampler.csv", SummaryFile = "summary.csv", FitJsonFile = "fit.json";

    /// <summary>Every file a fit folder can hold; <c>--overwrite</c> removes them all (and their *.partial temporaries).</summary>
    public static readonly IReadOnlyList<string> Files = [ManifestFile, CheckpointFile, DrawsFile, SamplerFile, SummaryFile, FitJsonFile];

    internal static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>True when <paramref name="directory"/> holds a fit (any of <see cref="Files"/>).</summary>
    public static bool HoldsFit(string directory) =>
        Directory.Exists(directory) && Files.Any(f => File.Exists(Path.Combine(directory, f)));

    /// <summary>
    /// Before a run: creates the folder and proves that it can be written (a probe file is written and removed), and
    /// refuses a folder that already holds a fit unless <paramref name="overwrite"/>. Nothing of an old fit is removed
    /// here (that happens when sampling starts, <see cref="Clear"/>), so a run that fails its checks loses nothing.
    /// </summary>
    public static void Prepare(string directory, bool overwrite)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (File.Exists(directory))
            throw new GpuHbmException($"--output '{directory}' is a file; give a folder for the fit's files");
        if (HoldsFit(directory) && !overwrite)
        {
            var status = TryReadManifest(directory)?.Status;
            string what = status switch
            {
                "running" or "stopped" or "failed" => $" (an unfinished fit, status {status}: `gpuhbm fit --resume {directory}` continues it)",
                _ => "",
            };
            throw new GpuHbmException(
                $"--output '{directory}' already holds a fit{what}; pass --overwrite to replace it (all of its files), or choose another folder");
        }
        if (overwrite && Directory.Exists(directory))
        {
            var foreign = Directory.EnumerateFileSystemEntries(directory).Select(Path.GetFileName)
                .Where(n => n is not null && !IsFitFile(n)).Take(5).ToList();
            if (HoldsFit(directory) && foreign.Count > 0)
                throw new GpuHbmException(
                    $"--overwrite replaces the fit in '{directory}' whole, but the folder also holds files that gpuhbm fit did not write ({string.Join(", ", foreign)}); " +
                    "move them, or choose another --output");
        }
        try
        {
            Directory.CreateDirectory(directory);
            string probe = Path.Combine(directory, $".gpuhbm-write-test-{Environment.ProcessId}");
            File.WriteAllText(probe, "gpuhbm checks that it can write here before sampling\n");
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new GpuHbmException($"cannot write to the output folder '{directory}' ({e.Message}); choose a folder you can write to");
        }
    }

    /// <summary>Removes every fit file (and *.partial temporary) from <paramref name="directory"/>.</summary>
    public static void Clear(string directory)
    {
        if (!Directory.Exists(directory)) return;
        foreach (var path in Directory.EnumerateFiles(directory))
            if (IsFitFile(Path.GetFileName(path))) File.Delete(path);
    }

    private static bool IsFitFile(string name) =>
        Files.Contains(name) || name.EndsWith(".partial", StringComparison.Ordinal) && Files.Contains(name[..^".partial".Length]);

    /// <summary>
    /// Refuses a run whose draws.csv and sampler.csv would not fit on the disk: about
    /// chains × draws × (parameters × 22 + 130) bytes, against the free space of the folder's drive.
    /// </summary>
    public static void CheckDiskSpace(string directory, int chains, int drawsPerChain, int parameters)
    {
        double bytes = (double)chains * drawsPerChain * (parameters * 22.0 + 130);
        long free;
        try
        {
            free = new DriveInfo(Path.GetFullPath(directory)).AvailableFreeSpace;
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException) { return; }
        if (bytes > free)
            throw new GpuHbmResourceException(
                $"draws.csv and sampler.csv would take about {MachineMemory.Format(bytes)} ({chains} chains × {drawsPerChain} draws × {parameters} parameters), " +
                $"but the disk holding '{directory}' has {MachineMemory.Format(free)} free; lower --draws, or write to another disk");
    }

    /// <summary>
    /// The draws and sampler statistics in a fit folder, finished or not: per chain the rows both draws.csv and
    /// sampler.csv hold (they are flushed together but may be read a moment apart while a run goes on), over
    /// <paramref name="chains"/> chains (default: the manifest's count, else the highest chain in draws.csv).
    /// </summary>
    public static (DrawSet Draws, IReadOnlyList<Sampling.SamplerStatistics> Statistics) ReadDraws(string directory, int? chains = null)
    {
        string drawsPath = Path.Combine(directory, DrawsFile);
        if (!File.Exists(drawsPath))
            throw new GpuHbmException($"'{directory}' has no {DrawsFile}: it is not a fit folder, or sampling had not begun");
        chains ??= TryReadManifest(directory)?.Settings.Chains;
        var draws = chains is { } n ? DrawsCsvReader.ReadDraws(drawsPath, n) : DrawsCsvReader.ReadDraws(drawsPath);
        var statistics = DrawsCsvReader.ReadSamplerStatistics(Path.Combine(directory, SamplerFile), draws.ChainCount).ToArray();
        var values = new double[draws.ChainCount][];
        for (int c = 0; c < values.Length; c++)
        {
            int count = Math.Min(draws.DrawCount(c), statistics[c].Count);
            statistics[c].Truncate(count);
            values[c] = draws.DrawCount(c) == count ? draws.ChainValues(c) : draws.ChainValues(c)[..(count * draws.ParameterCount)];
        }
        return (new DrawSet(draws.Names, values), statistics);
    }

    /// <summary>The manifest, or null when the folder has none or it cannot be read.</summary>
    public static FitManifest? TryReadManifest(string directory)
    {
        try { return ReadManifest(directory); }
        catch (GpuHbmException) { return null; }
    }

    /// <summary>Reads manifest.json; an error names the folder when it is missing or unreadable.</summary>
    public static FitManifest ReadManifest(string directory)
    {
        string path = Path.Combine(directory, ManifestFile);
        if (!File.Exists(path))
            throw new GpuHbmException($"'{directory}' has no {ManifestFile}: it is not a folder written by gpuhbm fit --output");
        try
        {
            return JsonSerializer.Deserialize<FitManifest>(File.ReadAllText(path), Json)
                ?? throw new GpuHbmException($"{path} is empty");
        }
        catch (JsonException e)
        {
            throw new GpuHbmException($"{path} cannot be read: {e.Message}");
        }
    }

    /// <summary>Writes manifest.json atomically (temporary file, then rename).</summary>
    public static void WriteManifest(string directory, FitManifest manifest) =>
        WriteAtomically(Path.Combine(directory, ManifestFile), s => JsonSerializer.Serialize(s, manifest with { UpdatedUtc = DateTime.UtcNow }, Json), flush: true);

    /// <summary>
    /// Writes a file under a temporary name and moves it into place, so an interrupted write never leaves a
    /// truncated file; with <paramref name="flush"/> the bytes reach the disk before the rename.
    /// </summary>
    internal static void WriteAtomically(string path, Action<Stream> write, bool flush = false)
    {
        string temp = path + ".partial";
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: flush);
            }
            File.Move(temp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new GpuHbmException($"cannot write '{path}': {e.Message}");
        }
    }
}

/// <summary>manifest.json of a fit folder (snake_case in the file).</summary>
public sealed record FitManifest
{
    public const string Running = "running", Finished = "finished", Stopped = "stopped", Failed = "failed";

    /// <summary>"gpuhbm-fit".</summary>
    public string Format { get; init; } = "gpuhbm-fit";

    /// <summary>Version of this layout; readers refuse a newer one.</summary>
    public int FormatVersion { get; init; } = 1;

    /// <summary>running, finished, stopped (Ctrl-C, resumable), failed (an error after sampling began; resumable from the last checkpoint).</summary>
    public string Status { get; init; } = Running;

    /// <summary>Why the run stopped or failed.</summary>
    public string? Message { get; init; }

    /// <summary>The process writing the folder, and its machine (a folder whose process is gone is unfinished).</summary>
    public int ProcessId { get; init; }
    public string MachineName { get; init; } = "";

    public DateTime StartedUtc { get; init; }
    public DateTime UpdatedUtc { get; init; }

    /// <summary>Times the run was resumed.</summary>
    public int Resumed { get; init; }

    public string GpuhbmVersion { get; init; } = "";

    /// <summary>What was asked for: enough to run it again or continue it.</summary>
    public FitRunSettings Settings { get; init; } = new();

    /// <summary>Length of the sampler's unconstrained vector θ and the number of reported parameters (columns of draws.csv after the first three).</summary>
    public int Dimension { get; init; }
    public int ParameterCount { get; init; }

    /// <summary>Kept draws each chain will have when the run finishes.</summary>
    public int DrawsPerChain { get; init; }

    /// <summary>Per chain: how far it got.</summary>
    public IReadOnlyList<ChainManifest> Chains { get; init; } = [];
}

/// <summary>How far one chain got.</summary>
/// <param name="Chain">1-based chain number (the .chain column).</param>
/// <param name="DrawsWritten">Rows of this chain flushed to draws.csv (and sampler.csv).</param>
/// <param name="CheckpointWarmup">Warm-up iterations done at the chain's latest checkpoint (a resumed run continues there).</param>
/// <param name="CheckpointSampling">Sampling iterations done at that checkpoint.</param>
/// <param name="CheckpointDraws">Draws kept at that checkpoint.</param>
public sealed record ChainManifest(int Chain, int DrawsWritten, int CheckpointWarmup, int CheckpointSampling, int CheckpointDraws);

/// <summary>The settings of a run as recorded in its manifest: the formula, the data and every option that shapes the draws.</summary>
public sealed record FitRunSettings
{
    public string Formula { get; init; } = "";

    /// <summary>The data as given (a path, or a description for a table not read from a file) and its full path.</summary>
    public string DataSource { get; init; } = "";
    public string? DataPath { get; init; }

    /// <summary>SHA-256 over the table's column names and values (<see cref="Data.DataFingerprint.ContentSha256"/>): a resumed run refuses other data.</summary>
    public string DataFingerprint { get; init; } = "";

    /// <summary>How the CSV was read: delimiter, decimal comma, missing-value markers, encoding.</summary>
    public string? CsvDelimiter { get; init; }
    public bool CsvDecimalComma { get; init; }
    public IReadOnlyList<string> CsvMissingValues { get; init; } = ["NA"];
    public string CsvEncoding { get; init; } = "utf-8";

    public string Family { get; init; } = "gaussian";
    public IReadOnlyList<string> Priors { get; init; } = [];
    public IReadOnlyList<string> Factors { get; init; } = [];
    public int Chains { get; init; }

    /// <summary>Warm-up iterations; null for ChEES's automatic warm-up (capped by <see cref="MaxWarmup"/>).</summary>
    public int? Warmup { get; init; }
    public int MaxWarmup { get; init; } = 1000;
    public int Draws { get; init; }

    /// <summary>ChEES: the bulk ESS at which sampling stops, or null.</summary>
    public int? TargetEss { get; init; }

    /// <summary>ChEES: how the starting points were chosen (auto, laplace, prior, uniform), and the given ones (library), if any.</summary>
    public string Init { get; init; } = "auto";
    public IReadOnlyList<double[]>? InitialValues { get; init; }
    public ulong Seed { get; init; }
    public double AdaptDelta { get; init; }
    public int MaxDepth { get; init; }
    public bool DropMissing { get; init; }
    public string Backend { get; init; } = "auto";

    /// <summary>The backend the run resolved to (cpu, opencl, cuda); a resumed run must use it.</summary>
    public string BackendUsed { get; init; } = "cpu";
    public int? Device { get; init; }
    public string Sampler { get; init; } = "nuts";
    public int? Superchains { get; init; }

    /// <summary>The NUTS metric adaptation (stan-diag, diag, low-rank) the run used.</summary>
    public string? Metric { get; init; }

    /// <summary>Automatic centring (<see cref="FitOptions.AutomaticCentring"/>); false in manifests written before it existed.</summary>
    public bool AutomaticCentring { get; init; }

    /// <summary>Relationship matrices: name → file, as given with --relmat.</summary>
    public IReadOnlyDictionary<string, string> RelationshipMatrixFiles { get; init; } = new Dictionary<string, string>();
    public double? RelationshipMatrixPsdTolerance { get; init; }
    public bool KinshipFastPath { get; init; } = true;
    public bool DrawGeneticEffects { get; init; }
}
