using System.Diagnostics;
using System.Text;
using GpuHbm.Models;
using GpuHbm.Sampling;

namespace GpuHbm.Results;

/// <summary>
/// Streams a running fit into its folder (<see cref="FitFolder"/>), as CmdStan does: each kept draw is appended to
/// draws.csv and sampler.csv as the sampler makes it; every <see cref="FitOptions.CheckpointInterval"/> the files are
/// flushed to the disk and manifest.json says how many rows of each chain they hold; at iteration boundaries the
/// samplers hand over checkpoints (<see cref="SamplerCheckpoint"/>), written to checkpoint.bin after the draws they
/// cover are on the disk. A run that is killed keeps every row flushed before the kill, and resumes from its last
/// checkpoint.
/// </summary>
internal sealed class FitStreamWriter : ISamplingObserver, IDisposable
{
    private readonly string _directory;
    private readonly IPosteriorModel _model;
    private readonly ulong _seed;
    private readonly int _drawsPerChain, _outputs;
    private readonly long _intervalTicks;
    private readonly object _lock = new();
    private readonly FileStream _drawsFile, _samplerFile;
    private readonly StreamWriter _draws, _sampler;
    private readonly int[] _written;
    private readonly SortedDictionary<int, SamplerCheckpoint> _latest = new();
    private readonly Dictionary<int, long> _lastCheckpoint = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Timer _timer;
    private FitManifest _manifest;
    private bool _closed;

    [ThreadStatic] private static StringBuilder? t_row;
    [ThreadStatic] private static double[]? t_output;

    private FitStreamWriter(string directory, IPosteriorModel model, FitManifest manifest, ulong seed, TimeSpan interval, ResumeData? resume)
    {
        _directory = directory;
        _model = model;
        _seed = seed;
        _manifest = manifest;
        _drawsPerChain = manifest.DrawsPerChain;
        _outputs = model.OutputNames.Count;
        _intervalTicks = Math.Max(1, (long)(interval.TotalSeconds * Stopwatch.Frequency));
        int chains = manifest.Settings.Chains;
        _written = new int[chains];

        string drawsPath = Path.Combine(directory, FitFolder.DrawsFile), samplerPath = Path.Combine(directory, FitFolder.SamplerFile);
        // The header and, for a resumed run, the rows before the checkpoint, written whole before appending starts.
        FitFolder.WriteAtomically(drawsPath, s => WritePrefix(s, w =>
        {
            w.WriteLine(DrawsCsvWriter.DrawsHeader(model.OutputNames));
            if (resume is not null) WriteDrawRows(w, resume.Draws, model.OutputNames.Count);
        }), flush: true);
        FitFolder.WriteAtomically(samplerPath, s => WritePrefix(s, w =>
        {
            w.WriteLine(DrawsCsvWriter.SamplerHeader);
            if (resume is not null) WriteSamplerRows(w, resume.Statistics);
        }), flush: true);
        if (resume is not null)
        {
            for (int c = 0; c < chains; c++) _written[c] = resume.Draws[c].Length / Math.Max(1, _outputs);
            foreach (var cp in resume.Checkpoints) _latest[cp.FirstChain] = cp;
        }
        _drawsFile = new FileStream(drawsPath, FileMode.Append, FileAccess.Write, FileShare.Read, 1 << 16);
        _samplerFile = new FileStream(samplerPath, FileMode.Append, FileAccess.Write, FileShare.Read, 1 << 16);
        _draws = new StreamWriter(_drawsFile, new UTF8Encoding(false), 1 << 16);
        _sampler = new StreamWriter(_samplerFile, new UTF8Encoding(false), 1 << 16);
        WriteManifestLocked();
        _timer = new Timer(_ => Flush(), null, interval, interval);
    }

    /// <summary>Starts streaming into <paramref name="directory"/> (already checked by <see cref="FitFolder.Prepare"/>); the old fit's files are removed first.</summary>
    public static FitStreamWriter Start(string directory, IPosteriorModel model, FitManifest manifest, ulong seed, TimeSpan interval, ResumeData? resume)
    {
        if (resume is null) FitFolder.Clear(directory);
        return new FitStreamWriter(directory, model, manifest, seed, interval, resume);
    }

    /// <summary>The state a resumed run starts from: the checkpoints and the draws each chain had kept at its checkpoint.</summary>
    /// <param name="Checkpoints">One per ensemble that had checkpointed.</param>
    /// <param name="Draws">Per chain, the constrained draws before its checkpoint (kept × parameters).</param>
    /// <param name="Statistics">Per chain, their sampler statistics.</param>
    internal sealed record ResumeData(IReadOnlyList<SamplerCheckpoint> Checkpoints, double[][] Draws, SamplerStatistics[] Statistics);

    public void OnDraw(int chain, int draw, ReadOnlySpan<double> theta, in NutsTransition s)
    {
        var output = t_output is { } o && o.Length == _outputs ? o : t_output = new double[_outputs];
        _model.Constrain(theta, output, _seed, chain, draw);
        var row = t_row ??= new StringBuilder();
        row.Clear();
        int global = chain * _drawsPerChain + draw + 1;
        DrawsCsvWriter.AppendDrawRow(row, chain + 1, draw + 1, global, output);
        row.Append('\n');
        int split = row.Length;
        DrawsCsvWriter.AppendSamplerRow(row, chain + 1, draw + 1, global, s.AcceptStat, s.StepSize, s.TreeDepth, s.LeapfrogSteps, s.Divergent, s.Energy, s.LogDensity);
        row.Append('\n');
        lock (_lock)
        {
            if (_closed) return;
            _draws.Write(row.ToString(0, split));
            _sampler.Write(row.ToString(split, row.Length - split));
            _written[chain]++;
        }
    }

    public bool CheckpointDue(int firstChain)
    {
        long now = _clock.ElapsedTicks;
        lock (_lastCheckpoint)
        {
            if (!_lastCheckpoint.TryGetValue(firstChain, out long last)) _lastCheckpoint[firstChain] = last = 0;
            return now - last >= _intervalTicks;
        }
    }

    public void OnCheckpoint(SamplerCheckpoint checkpoint)
    {
        lock (_lastCheckpoint) _lastCheckpoint[checkpoint.FirstChain] = _clock.ElapsedTicks;
        lock (_lock)
        {
            if (_closed) return;
            // The draws the checkpoint covers reach the disk before the checkpoint does.
            FlushLocked();
            _latest[checkpoint.FirstChain] = checkpoint;
            FitFolder.WriteAtomically(Path.Combine(_directory, FitFolder.CheckpointFile), s => CheckpointFile.Write(s, _latest.Values), flush: true);
            WriteManifestLocked();
        }
    }

    /// <summary>Flushes the draws to the disk and updates the manifest (every interval, from a timer).</summary>
    public void Flush()
    {
        lock (_lock)
        {
            if (_closed) return;
            try
            {
                FlushLocked();
                WriteManifestLocked();
            }
            catch (GpuHbmException) { }
            catch (IOException) { }
        }
    }

    /// <summary>Stops streaming: flushes and closes draws.csv and sampler.csv (the checkpoint stays).</summary>
    public void Close()
    {
        lock (_lock)
        {
            if (_closed) return;
            FlushLocked();
            _closed = true;
        }
        _timer.Dispose();
        _draws.Dispose();
        _sampler.Dispose();
    }

    /// <summary>Records how the run ended; a finished fit needs no checkpoint.</summary>
    public void Finish(string status, string? message)
    {
        Close();
        lock (_lock)
        {
            _manifest = _manifest with { Status = status, Message = message };
            WriteManifestLocked();
        }
        if (status == FitManifest.Finished) File.Delete(Path.Combine(_directory, FitFolder.CheckpointFile));
    }

    public void Dispose() => Close();

    private void FlushLocked()
    {
        _draws.Flush();
        _sampler.Flush();
        _drawsFile.Flush(flushToDisk: true);
        _samplerFile.Flush(flushToDisk: true);
    }

    private void WriteManifestLocked()
    {
        var chains = new ChainManifest[_written.Length];
        for (int c = 0; c < chains.Length; c++)
        {
            var cp = _latest.Values.LastOrDefault(k => k.FirstChain <= c && c < k.FirstChain + k.Chains);
            chains[c] = new ChainManifest(c + 1, _written[c], cp?.WarmupDone ?? 0, cp?.SamplingDone ?? 0, cp?.Kept ?? 0);
        }
        _manifest = _manifest with { Chains = chains };
        FitFolder.WriteManifest(_directory, _manifest);
    }

    private static void WritePrefix(Stream stream, Action<TextWriter> write)
    {
        using var w = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true) { NewLine = "\n" };
        write(w);
    }

    private void WriteDrawRows(TextWriter w, double[][] draws, int outputs)
    {
        var sb = new StringBuilder();
        for (int c = 0; c < draws.Length; c++)
            for (int i = 0; i < draws[c].Length / outputs; i++)
            {
                sb.Clear();
                DrawsCsvWriter.AppendDrawRow(sb, c + 1, i + 1, c * _drawsPerChain + i + 1, draws[c].AsSpan(i * outputs, outputs));
                w.WriteLine(sb);
            }
    }

    private void WriteSamplerRows(TextWriter w, SamplerStatistics[] statistics)
    {
        var sb = new StringBuilder();
        for (int c = 0; c < statistics.Length; c++)
        {
            var s = statistics[c];
            for (int i = 0; i < s.Count; i++)
            {
                sb.Clear();
                DrawsCsvWriter.AppendSamplerRow(sb, c + 1, i + 1, c * _drawsPerChain + i + 1, s.AcceptStat[i], s.StepSize[i], s.TreeDepth[i], s.LeapfrogSteps[i],
                    s.Divergent[i], s.Energy[i], s.LogDensity[i]);
                w.WriteLine(sb);
            }
        }
    }
}

/// <summary>checkpoint.bin: a magic word, a version, and the latest <see cref="SamplerCheckpoint"/> of every ensemble.</summary>
internal static class CheckpointFile
{
    private const string Magic = "GPUHBM-CHECKPOINT";
    private const int Version = 1;

    public static void Write(Stream stream, IEnumerable<SamplerCheckpoint> checkpoints)
    {
        using var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        var list = checkpoints.ToList();
        w.Write(Magic);
        w.Write(Version);
        w.Write(list.Count);
        foreach (var c in list) c.WriteTo(w);
    }

    /// <summary>The checkpoints in <paramref name="path"/>; an empty list when there is no file.</summary>
    public static IReadOnlyList<SamplerCheckpoint> Read(string path)
    {
        if (!File.Exists(path)) return [];
        try
        {
            using var r = new BinaryReader(File.OpenRead(path), Encoding.UTF8);
            if (r.ReadString() != Magic) throw new InvalidDataException("not a gpuhbm checkpoint");
            int version = r.ReadInt32();
            if (version != Version) throw new InvalidDataException($"checkpoint format {version}; this gpuhbm reads {Version}");
            int n = r.ReadInt32();
            var list = new List<SamplerCheckpoint>(n);
            for (int i = 0; i < n; i++) list.Add(SamplerCheckpoint.ReadFrom(r));
            return list;
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or IOException)
        {
            throw new GpuHbmException($"the checkpoint '{path}' cannot be read ({e.Message})");
        }
    }
}
