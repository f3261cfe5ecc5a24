using System.Globalization;
using System.Text;
using GpuHbm.Sampling;

namespace GpuHbm.Results;

/// <summary>
/// Reads draws.csv and sampler.csv as <see cref="DrawsCsvWriter"/> writes them, including the files of a run that
/// is still going or was killed: rows of different chains may be interleaved, and a last line cut off by the kill
/// (no line break at its end) is ignored. Values read back bit for bit.
/// </summary>
public static class DrawsCsvReader
{
    /// <summary>The columns after .chain, .iteration, .draw and, per chain (1-based), its rows by .iteration.</summary>
    public sealed record Content(IReadOnlyList<string> Names, IReadOnlyDictionary<int, SortedList<int, double[]>> Chains)
    {
        /// <summary>Rows 1 … n of chain <paramref name="chain"/> where n is the longest gap-free run from iteration 1.</summary>
        public int ContiguousRows(int chain)
        {
            if (!Chains.TryGetValue(chain, out var rows)) return 0;
            int n = 0;
            while (rows.ContainsKey(n + 1)) n++;
            return n;
        }

        /// <summary>The first <paramref name="count"/> rows of a chain, row-major (count × Names.Count).</summary>
        public double[] Rows(int chain, int count)
        {
            var result = new double[count * Names.Count];
            if (count == 0) return result;
            var rows = Chains[chain];
            for (int i = 0; i < count; i++) rows[i + 1].CopyTo(result, i * Names.Count);
            return result;
        }
    }

    /// <summary>Reads a draws.csv or sampler.csv file.</summary>
    public static Content Read(string path)
    {
        if (!File.Exists(path)) throw new GpuHbmException($"'{path}' does not exist");
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16);
        // A running fit appends to the file: read only the bytes there now, and trust the last line only if it is complete.
        long length = file.Length;
        bool endsWithNewline = length > 0 && EndsWithNewline(file, length);
        file.Position = 0;
        using var reader = new StreamReader(new PrefixStream(file, length), new UTF8Encoding(false), false, 1 << 16);
        var header = reader.ReadLine() ?? throw new GpuHbmException($"'{path}' is empty");
        var fields = SplitHeader(header);
        if (fields.Count < 3 || fields[0] != ".chain" || fields[1] != ".iteration" || fields[2] != ".draw")
            throw new GpuHbmException($"'{path}' does not start with the columns .chain,.iteration,.draw");
        var names = fields.Skip(3).ToArray();
        var chains = new Dictionary<int, SortedList<int, double[]>>();
        int lineNumber = 1;
        string? line = reader.ReadLine();
        while (line is not null)
        {
            lineNumber++;
            string? next = reader.ReadLine();
            bool last = next is null;
            if (last && !endsWithNewline) break; // cut off by a kill while being written
            if (line.Length > 0) ParseRow(line, names.Length, path, lineNumber, chains);
            line = next;
        }
        return new Content(names, chains);
    }

    /// <summary>Every chain's gap-free rows as a <see cref="DrawSet"/> over chains 1 … the highest chain number seen (or <paramref name="chains"/>).</summary>
    public static DrawSet ReadDraws(string path, int? chains = null)
    {
        var content = Read(path);
        int count = Math.Max(chains ?? 0, content.Chains.Count == 0 ? 0 : content.Chains.Keys.Max());
        var values = new double[count][];
        for (int c = 0; c < count; c++) values[c] = content.Rows(c + 1, content.ContiguousRows(c + 1));
        return new DrawSet(content.Names, values);
    }

    /// <summary>sampler.csv's rows per chain (the first <paramref name="counts"/>[c] rows of chain c + 1).</summary>
    public static SamplerStatistics[] ReadSamplerStatistics(string path, IReadOnlyList<int> counts)
    {
        var content = Read(path);
        var expected = DrawsCsvWriter.SamplerHeader.Split(',').Skip(3).ToArray();
        if (!content.Names.SequenceEqual(expected))
            throw new GpuHbmException($"'{path}' does not have sampler.csv's columns ({string.Join(",", expected)})");
        var result = new SamplerStatistics[counts.Count];
        for (int c = 0; c < counts.Count; c++)
        {
            if (content.ContiguousRows(c + 1) < counts[c])
                throw new GpuHbmException($"'{path}' holds {content.ContiguousRows(c + 1)} rows of chain {c + 1}, fewer than the {counts[c]} expected");
            var s = new SamplerStatistics(counts[c]);
            var rows = content.Chains.GetValueOrDefault(c + 1);
            for (int i = 0; i < counts[c]; i++)
            {
                var v = rows![i + 1];
                s.Set(i, new NutsTransition(v[0], v[1], (int)v[2], (int)v[3], v[4] != 0, v[5], v[6]));
            }
            result[c] = s;
        }
        return result;
    }

    private static bool EndsWithNewline(Stream stream, long length)
    {
        stream.Position = length - 1;
        return stream.ReadByte() == '\n';
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

    private static void ParseRow(string line, int values, string path, int lineNumber, Dictionary<int, SortedList<int, double[]>> chains)
    {
        var span = line.AsSpan();
        var row = new double[values];
        int chain = 0, iteration = 0, field = 0;
        while (true)
        {
            int comma = span.IndexOf(',');
            var text = comma < 0 ? span : span[..comma];
            if (field == 0 && !int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out chain)
                || field == 1 && !int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out iteration)
                || field >= 3 && (field - 3 >= values || !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out row[field - 3])))
                throw new GpuHbmException($"line {lineNumber} of '{path}' is not a row of numbers with {values + 3} columns");
            field++;
            if (comma < 0) break;
            span = span[(comma + 1)..];
        }
        if (field != values + 3 || chain < 1 || iteration < 1)
            throw new GpuHbmException($"line {lineNumber} of '{path}' has {field} columns where {values + 3} were expected");
        if (!chains.TryGetValue(chain, out var rows)) chains[chain] = rows = new SortedList<int, double[]>();
        rows[iteration] = row;
    }

    /// <summary>Splits a header line, honouring quoted names (r_g[1,Intercept] is quoted).</summary>
    private static List<string> SplitHeader(string line)
    {
        var fields = new List<string>();
        var sb = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char ch = line[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < line.Length && line[i + 1] == '"') { sb.Append('"'); i++; }
                else if (ch == '"') quoted = false;
                else sb.Append(ch);
            }
            else if (ch == '"') quoted = true;
            else if (ch == ',') { fields.Add(sb.ToString()); sb.Clear(); }
            else sb.Append(ch);
        }
        fields.Add(sb.ToString());
        return fields;
    }
}
