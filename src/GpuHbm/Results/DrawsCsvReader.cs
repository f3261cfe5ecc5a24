using System.Globalization;
using GpuHbm.Sampling;

namespace GpuHbm.Results;

/// <summary>
/// Reads back the files <see cref="DrawsCsvWriter"/> writes: draws.csv into a <see cref="DrawSet"/> and
/// sampler.csv into per-chain <see cref="SamplerStatistics"/>. Rows are grouped by <c>.chain</c> and must
/// run through <c>.iteration</c> 1, 2, ... within each chain (rows of different chains may interleave,
/// as in a file streamed while chains run). The files of a run that is still going or was killed read too:
/// only the bytes present when reading starts are read, and a last line without its line break (cut off
/// by the kill) is left out. Values read back bit for bit. Errors name the file and line.
/// </summary>
public static class DrawsCsvReader
{
    /// <summary>The draws of <paramref name="chains"/> chains; chains without rows are empty.</summary>
    public static DrawSet ReadDraws(string path, int chains)
    {
        var (names, rows) = Read(path, chains);
        return new DrawSet(names, rows.Select(r => r.SelectMany(v => v).ToArray()).ToArray());
    }

    /// <summary>The draws of chains 1 … the highest .chain in the file (a fit folder without a manifest).</summary>
    public static DrawSet ReadDraws(string path) => ReadDraws(path, ChainCount(path));

    /// <summary>The sampler statistics of <paramref name="chains"/> chains (Stan's column names).</summary>
    public static IReadOnlyList<SamplerStatistics> ReadSamplerStatistics(string path, int chains)
    {
        var (names, rows) = Read(path, chains);
        string[] expected = ["accept_stat__", "stepsize__", "treedepth__", "n_leapfrog__", "divergent__", "energy__", "lp__"];
        var index = expected.Select(e =>
        {
            int i = Array.IndexOf(names, e);
            if (i < 0) throw new GpuHbmDataException($"'{path}' has no column '{e}' (its columns: {string.Join(", ", names)})");
            return i;
        }).ToArray();
        var result = new SamplerStatistics[chains];
        for (int c = 0; c < chains; c++)
        {
            var s = new SamplerStatistics(rows[c].Count);
            for (int i = 0; i < rows[c].Count; i++)
            {
                var v = rows[c][i];
                s.Set(i, new NutsTransition(v[index[0]], v[index[1]], (int)v[index[2]], (int)v[index[3]], v[index[4]] != 0, v[index[5]], v[index[6]]));
            }
            result[c] = s;
        }
        return result;
    }

    /// <summary>The highest .chain number among the file's complete rows (0 when it has none).</summary>
    private static int ChainCount(string path)
    {
        int max = 0;
        foreach (var line in CompleteLines(path).Skip(1))
        {
            int comma = line.IndexOf(',');
            if (comma > 0 && int.TryParse(line.AsSpan(0, comma), NumberStyles.Integer, CultureInfo.InvariantCulture, out int chain)) max = Math.Max(max, chain);
        }
        return max;
    }

    /// <summary>Column names after .chain, .iteration, .draw; per chain, the rows' values in iteration order.</summary>
    private static (string[] Names, List<double[]>[] Rows) Read(string path, int chains)
    {
        using var lines = CompleteLines(path).GetEnumerator();
        if (!lines.MoveNext()) throw new GpuHbmDataException($"'{path}' is empty: it needs a header row");
        var all = SplitHeader(lines.Current);
        if (all.Count < 3 || all[0] != ".chain" || all[1] != ".iteration" || all[2] != ".draw")
            throw new GpuHbmDataException($"'{path}' does not start with the columns .chain, .iteration, .draw");
        var names = all.Skip(3).ToArray();
        int width = all.Count;
        var rows = new List<double[]>[chains];
        for (int c = 0; c < chains; c++) rows[c] = new List<double[]>();
        var values = new double[width];
        int lineNumber = 1;
        while (lines.MoveNext())
        {
            string line = lines.Current;
            lineNumber++;
            if (line.Length == 0) continue;
            var span = line.AsSpan();
            int field = 0;
            while (true)
            {
                int comma = span.IndexOf(',');
                var cell = comma < 0 ? span : span[..comma];
                if (field >= width)
                    throw new GpuHbmDataException($"line {lineNumber} of '{path}' has more than the {width} fields of its header");
                values[field++] = ParseNumber(cell, path, lineNumber);
                if (comma < 0) break;
                span = span[(comma + 1)..];
            }
            if (field != width)
                throw new GpuHbmDataException($"line {lineNumber} of '{path}' has {field} fields but its header has {width}");
            int chain = (int)values[0] - 1, iteration = (int)values[1];
            if (chain < 0 || chain >= chains)
                throw new GpuHbmDataException($"line {lineNumber} of '{path}' is for chain {chain + 1}, but the fit has {chains} chains");
            if (iteration != rows[chain].Count + 1)
                throw new GpuHbmDataException($"line {lineNumber} of '{path}' is iteration {iteration} of chain {chain + 1}, expected {rows[chain].Count + 1}");
            rows[chain].Add(values[3..]);
        }
        return (names, rows);
    }

    /// <summary>
    /// The file's lines as they are now: bytes appended while reading are not read, and a last line without its
    /// line break is left out (a writer killed mid-line leaves one; its last number may be cut short).
    /// </summary>
    private static IEnumerable<string> CompleteLines(string path)
    {
        if (!File.Exists(path)) throw new GpuHbmDataException($"'{path}' does not exist");
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16);
        long length = file.Length;
        bool complete = length == 0 || EndsWithNewline(file, length);
        file.Position = 0;
        using var reader = new StreamReader(new PrefixStream(file, length), System.Text.Encoding.UTF8, true, 1 << 16);
        string? line = reader.ReadLine();
        while (line is not null)
        {
            string? next = reader.ReadLine();
            if (next is null && !complete) yield break;
            yield return line;
            line = next;
        }
    }

    private static bool EndsWithNewline(Stream stream, long length)
    {
        stream.Position = length - 1;
        return stream.ReadByte() == '\n';
    }

    private static double ParseNumber(ReadOnlySpan<char> cell, string path, int line)
    {
        cell = cell.Trim();
        if (double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out double v)) return v;
        if (cell.SequenceEqual("NA") || cell.SequenceEqual("NaN")) return double.NaN;
        if (cell.SequenceEqual("Inf") || cell.SequenceEqual("inf")) return double.PositiveInfinity;
        if (cell.SequenceEqual("-Inf") || cell.SequenceEqual("-inf")) return double.NegativeInfinity;
        throw new GpuHbmDataException($"line {line} of '{path}' holds '{cell}', which is not a number");
    }

    /// <summary>Splits a header line with RFC 4180 quoting (names such as "r_g[1,Intercept]" are quoted).</summary>
    internal static List<string> SplitHeader(string line)
    {
        var fields = new List<string>();
        var sb = new System.Text.StringBuilder();
        int i = 0;
        while (true)
        {
            sb.Clear();
            if (i < line.Length && line[i] == '"')
            {
                i++;
                while (i < line.Length)
                {
                    if (line[i] == '"')
                    {
                        if (i + 1 < line.Length && line[i + 1] == '"') { sb.Append('"'); i += 2; continue; }
                        i++;
                        break;
                    }
                    sb.Append(line[i++]);
                }
                while (i < line.Length && line[i] != ',') i++;
            }
            else
            {
                int comma = line.IndexOf(',', i);
                int end = comma < 0 ? line.Length : comma;
                sb.Append(line, i, end - i);
                i = end;
            }
            fields.Add(sb.ToString());
            if (i >= line.Length) return fields;
            i++;
        }
    }

    /// <summary>The first <c>length</c> bytes of a stream that may still be growing.</summary>
    private sealed class PrefixStream(Stream inner, long length) : Stream
    {
        private long _remaining = length;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = inner.Read(buffer, offset, (int)Math.Min(count, _remaining));
            _remaining -= n;
            return n;
        }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
