using GpuHbm.Compute;
using GpuHbm.Kernels;

namespace GpuHbm.Sampling;

/// <summary>
/// Receives what a sampler produces while it runs (e.g. to stream draws to disk, as CmdStan does): every kept
/// draw as it is made, and, at iteration boundaries when <see cref="CheckpointDue"/> says so, the state of an
/// ensemble from which the run can be continued bit for bit (<see cref="SamplerOptions.Resume"/>).
/// </summary>
/// <remarks>
/// Calls come from the chains' own threads (NUTS on the CPU runs one chain per worker); for one ensemble they come
/// in iteration order, and every draw an ensemble kept before a checkpoint is reported before that checkpoint.
/// </remarks>
public interface ISamplingObserver
{
    /// <summary>Chain <paramref name="chain"/> (run-wide number) kept its draw number <paramref name="draw"/> (0-based among its kept draws).</summary>
    /// <param name="chain">Run-wide chain number.</param>
    /// <param name="draw">0-based index among the chain's kept draws (resumed runs continue the count).</param>
    /// <param name="theta">The draw on the unconstrained scale (length D).</param>
    /// <param name="statistics">The transition's sampler statistics.</param>
    void OnDraw(int chain, int draw, ReadOnlySpan<double> theta, in NutsTransition statistics);

    /// <summary>Whether the ensemble whose first chain is <paramref name="firstChain"/> should hand over a checkpoint now (called every iteration; cheap).</summary>
    bool CheckpointDue(int firstChain);

    /// <summary>An ensemble's state at an iteration boundary (also at the end of a run that was stopped).</summary>
    void OnCheckpoint(SamplerCheckpoint checkpoint);
}

/// <summary>
/// The state of one ensemble of chains between two iterations: enough to continue the run and produce the same
/// draws as a run that was never interrupted. Random numbers are Philox keyed by (seed, chain, iteration,
/// purpose), so the state is the chains' positions, gradients and log densities, the adaptation (step sizes,
/// metric and the adaptation's running sums) and counters; <see cref="State"/> holds the sampler's own encoding.
/// </summary>
/// <param name="Sampler">"nuts" or "chees".</param>
/// <param name="FirstChain">Run-wide number of the ensemble's first chain.</param>
/// <param name="Chains">Chains in the ensemble.</param>
/// <param name="Dimension">Length of θ.</param>
/// <param name="WarmupDone">Warm-up iterations completed.</param>
/// <param name="SamplingDone">Sampling iterations completed (before thinning).</param>
/// <param name="Kept">Draws kept per chain so far.</param>
/// <param name="State">The sampler's encoding of everything else (<see cref="CheckpointWriter"/>).</param>
public sealed record SamplerCheckpoint(string Sampler, int FirstChain, int Chains, int Dimension, int WarmupDone, int SamplingDone, int Kept, byte[] State)
{
    /// <summary>Iterations completed (warm-up and sampling).</summary>
    public int Iteration => WarmupDone + SamplingDone;

    /// <summary>Serializes the checkpoint (header and state).</summary>
    public void WriteTo(BinaryWriter w)
    {
        w.Write(Sampler);
        w.Write(FirstChain); w.Write(Chains); w.Write(Dimension);
        w.Write(WarmupDone); w.Write(SamplingDone); w.Write(Kept);
        w.Write(State.Length);
        w.Write(State);
    }

    /// <summary>Reads what <see cref="WriteTo"/> wrote.</summary>
    public static SamplerCheckpoint ReadFrom(BinaryReader r)
    {
        string sampler = r.ReadString();
        int first = r.ReadInt32(), chains = r.ReadInt32(), dim = r.ReadInt32();
        int warm = r.ReadInt32(), samp = r.ReadInt32(), kept = r.ReadInt32();
        int length = r.ReadInt32();
        var state = r.ReadBytes(length);
        if (state.Length != length) throw new EndOfStreamException("checkpoint state is truncated");
        return new SamplerCheckpoint(sampler, first, chains, dim, warm, samp, kept, state);
    }

    /// <summary>Finds the checkpoint of the ensemble that starts at <paramref name="firstChain"/> with <paramref name="chains"/> chains, or null.</summary>
    internal static SamplerCheckpoint? Find(IReadOnlyList<SamplerCheckpoint>? checkpoints, string sampler, int firstChain, int chains, int dimension)
    {
        if (checkpoints is null) return null;
        foreach (var c in checkpoints)
        {
            if (c.FirstChain != firstChain) continue;
            if (c.Sampler != sampler || c.Chains != chains || c.Dimension != dimension)
                throw new GpuHbmSamplingException(
                    $"the checkpoint of chain {firstChain + 1} was written by {c.Sampler} with {c.Chains} chain(s) per ensemble and dimension {c.Dimension}; " +
                    $"this run is {sampler} with {chains} and dimension {dimension}: resume with the sampler and backend of the original run");
            return c;
        }
        return null;
    }
}

/// <summary>Binary encoding of sampler state for <see cref="SamplerCheckpoint.State"/>: doubles bit for bit.</summary>
public sealed class CheckpointWriter : IDisposable
{
    private readonly MemoryStream _stream = new();
    private readonly BinaryWriter _w;

    public CheckpointWriter() => _w = new BinaryWriter(_stream);

    public void Write(int v) => _w.Write(v);
    public void Write(long v) => _w.Write(v);
    public void Write(double v) => _w.Write(v);
    public void Write(bool v) => _w.Write(v);
    public void Write(string v) => _w.Write(v);

    public void Write(ReadOnlySpan<double> values)
    {
        _w.Write(values.Length);
        foreach (double v in values) _w.Write(v);
    }

    public void Write(ReadOnlySpan<int> values)
    {
        _w.Write(values.Length);
        foreach (int v in values) _w.Write(v);
    }

    public void Write(ReadOnlySpan<long> values)
    {
        _w.Write(values.Length);
        foreach (long v in values) _w.Write(v);
    }

    /// <summary>The diagonal and the low-rank part of an inverse metric, bit for bit.</summary>
    public void Write(InverseMetric metric)
    {
        Write(metric.Diagonal);
        Write(metric.Vectors);
        Write(metric.Values);
    }

    /// <summary>Rows <paramref name="slot"/> of every chain of <paramref name="ensemble"/>, read back to the host.</summary>
    public void WriteSlot(IChainEnsemble ensemble, EnsembleSlot slot)
    {
        var row = new double[ensemble.Dimension];
        for (int c = 0; c < ensemble.Chains; c++)
        {
            ensemble.ReadRow(slot, c, row);
            Write(row);
        }
    }

    public byte[] ToArray()
    {
        _w.Flush();
        return _stream.ToArray();
    }

    public void Dispose() => _w.Dispose();
}

/// <summary>Reads what <see cref="CheckpointWriter"/> wrote, in the same order.</summary>
public sealed class CheckpointReader : IDisposable
{
    private readonly BinaryReader _r;

    public CheckpointReader(byte[] state) => _r = new BinaryReader(new MemoryStream(state, writable: false));

    public int ReadInt32() => _r.ReadInt32();
    public long ReadInt64() => _r.ReadInt64();
    public double ReadDouble() => _r.ReadDouble();
    public bool ReadBoolean() => _r.ReadBoolean();
    public string ReadString() => _r.ReadString();

    /// <summary>True when everything has been read.</summary>
    public bool AtEnd => _r.BaseStream.Position == _r.BaseStream.Length;

    public double[] ReadDoubles()
    {
        var v = new double[_r.ReadInt32()];
        for (int i = 0; i < v.Length; i++) v[i] = _r.ReadDouble();
        return v;
    }

    /// <summary>Reads into an existing array, which must have the stored length.</summary>
    public void ReadDoubles(Span<double> into)
    {
        int n = _r.ReadInt32();
        if (n != into.Length) throw new InvalidDataException($"checkpoint holds {n} values where {into.Length} were expected");
        for (int i = 0; i < n; i++) into[i] = _r.ReadDouble();
    }

    public int[] ReadInt32s()
    {
        var v = new int[_r.ReadInt32()];
        for (int i = 0; i < v.Length; i++) v[i] = _r.ReadInt32();
        return v;
    }

    public long[] ReadInt64s()
    {
        var v = new long[_r.ReadInt32()];
        for (int i = 0; i < v.Length; i++) v[i] = _r.ReadInt64();
        return v;
    }

    /// <summary>Reads what <see cref="CheckpointWriter.Write(InverseMetric)"/> wrote.</summary>
    public InverseMetric ReadInverseMetric()
    {
        var diagonal = ReadDoubles();
        var vectors = ReadDoubles();
        var values = ReadDoubles();
        return new InverseMetric(diagonal, vectors, values);
    }

    /// <summary>Writes the stored rows back into <paramref name="slot"/> of every chain.</summary>
    public void ReadSlot(IChainEnsemble ensemble, EnsembleSlot slot)
    {
        var row = new double[ensemble.Dimension];
        for (int c = 0; c < ensemble.Chains; c++)
        {
            ReadDoubles(row);
            ensemble.WriteRow(slot, c, row);
        }
    }

    /// <summary>Throws unless everything was read (a format mismatch between writer and reader).</summary>
    public void EnsureEnd()
    {
        if (_r.BaseStream.Position != _r.BaseStream.Length)
            throw new InvalidDataException("the checkpoint holds more state than this version of the sampler reads");
    }

    public void Dispose() => _r.Dispose();
}
