using System.Globalization;
using System.Text;

namespace GpuHbm.Models.Kinship;

/// <summary>
/// Reads a relationship matrix from a comma-separated file with an id header:
/// <code>
/// id,A,B,C
/// A,1,0.5,0
/// B,0.5,1,0.25
/// C,0,0.25,1
/// </code>
/// The first header cell is empty or "id"; each row starts with its id, and row ids must match
/// the header ids in the same order. Numbers use the invariant culture ('.' decimal point).
/// Symmetry is checked to a relative tolerance of 1e-8 and PSD as <see cref="RelationshipMatrix"/> does.
/// </summary>
public static class RelationshipCsvReader
{
    /// <summary>Reads the file at <paramref name="path"/>; <paramref name="psdTolerance"/> as in <see cref="RelationshipMatrix"/>.</summary>
    public static RelationshipMatrix Read(string path, double psdTolerance = RelationshipMatrix.DefaultPsdTolerance)
    {
        if (!File.Exists(path)) throw new GpuHbmDataException($"the relationship matrix file '{path}' does not exist");
        using var reader = new StreamReader(path);
        return Read(reader, path, psdTolerance);
    }

    /// <summary>Reads from text; <paramref name="source"/> names it in messages.</summary>
    public static RelationshipMatrix Read(TextReader text, string source, double psdTolerance = RelationshipMatrix.DefaultPsdTolerance)
    {
        int line = 0;
        string? first;
        do { first = text.ReadLine(); line++; } while (first is not null && first.Trim().Length == 0);
        if (first is null) throw new GpuHbmDataException($"the relationship matrix file '{source}' is empty");
        string[] header = SplitLine(first);
        string corner = header[0];
        if (corner.Length != 0 && !corner.Equals("id", StringComparison.OrdinalIgnoreCase))
            throw new GpuHbmDataException(
                $"the first header cell of the relationship matrix file '{source}' is '{corner}', but it must be empty or 'id' (the header lists the ids)");
        var ids = header.Skip(1).ToArray();
        int n = ids.Length;
        if (n == 0) throw new GpuHbmDataException($"the header of the relationship matrix file '{source}' lists no ids");
        var values = new double[(long)n * n];
        int row = 0;
        for (string? raw = text.ReadLine(); raw is not null; raw = text.ReadLine())
        {
            line++;
            if (raw.Trim().Length == 0) continue;
            var rec = SplitLine(raw);
            if (row >= n)
                throw new GpuHbmDataException($"the relationship matrix file '{source}' has more rows than the {n} ids of its header (line {line})");
            if (rec.Length != n + 1)
                throw new GpuHbmDataException($"line {line} of the relationship matrix file '{source}' has {rec.Length} cells but the header has {n + 1}");
            if (!string.Equals(rec[0], ids[row], StringComparison.Ordinal))
                throw new GpuHbmDataException(
                    $"line {line} of the relationship matrix file '{source}' is for id '{rec[0]}' but the header's id {row + 1} is '{ids[row]}'; rows must follow the header order");
            for (int j = 0; j < n; j++)
            {
                if (!double.TryParse(rec[j + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
                    throw new GpuHbmDataException(
                        $"line {line} of the relationship matrix file '{source}' (id '{rec[0]}') has '{rec[j + 1]}' in column '{ids[j]}', which is not a number");
                values[(long)row * n + j] = v;
            }
            row++;
        }
        if (row != n)
            throw new GpuHbmDataException($"the relationship matrix file '{source}' has {row} rows but its header lists {n} ids");
        return new RelationshipMatrix(ids, values, source, psdTolerance: psdTolerance);
    }

    /// <summary>Splits one CSV line at commas outside double quotes ("" is a literal quote); cells are trimmed.</summary>
    internal static string[] SplitLine(string line)
    {
        var cells = new List<string>();
        var cell = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char ch = line[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < line.Length && line[i + 1] == '"') { cell.Append('"'); i++; }
                else if (ch == '"') quoted = false;
                else cell.Append(ch);
            }
            else if (ch == '"') quoted = true;
            else if (ch == ',') { cells.Add(cell.ToString().Trim()); cell.Clear(); }
            else cell.Append(ch);
        }
        cells.Add(cell.ToString().Trim());
        return cells.ToArray();
    }

    /// <summary>Writes <paramref name="k"/> in the format <see cref="Read(string, double)"/> reads (round-trip precision).</summary>
    public static void Write(string path, RelationshipMatrix k)
    {
        using var w = new StreamWriter(path);
        w.Write("id");
        foreach (var id in k.Ids) { w.Write(','); w.Write(id); }
        w.WriteLine();
        for (int i = 0; i < k.Count; i++)
        {
            w.Write(k.Ids[i]);
            for (int j = 0; j < k.Count; j++) { w.Write(','); w.Write(k[i, j].ToString("R", CultureInfo.InvariantCulture)); }
            w.WriteLine();
        }
    }
}
