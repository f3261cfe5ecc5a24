using System.Text;

namespace GpuHbm.Data;

/// <summary>
/// Reads comma-separated text (RFC 4180: quoted fields with "" escapes and embedded newlines)
/// into a <see cref="DataTable"/>. Written by hand rather than with CsvHelper so that every
/// error can name the physical line and the data row, and so that quoted and unquoted
/// <c>NA</c> are both missing, as R's read.csv treats them.
/// </summary>
/// <remarks>
/// The reader streams line by line and slices unquoted fields straight out of the line, so
/// it is linear in the size of the input: a million rows of ten columns take about a second.
/// Values are trimmed; an empty value or <c>NA</c> becomes null (missing). Blank lines are
/// skipped, as read.csv does.
/// </remarks>
internal sealed class CsvTableReader
{
    private readonly TextReader _reader;
    private readonly string _source;
    private readonly List<string> _fields = new();
    private readonly StringBuilder _quoted = new();
    private int _lineNumber;

    private CsvTableReader(TextReader reader, string source)
    {
        _reader = reader;
        _source = source;
    }

    public static DataTable Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path))
            throw new GpuHbmDataException($"data file '{path}' is a directory, not a CSV file");
        if (!File.Exists(path))
            throw new GpuHbmDataException($"data file '{path}' does not exist");
        // A large buffer matters for million-row files; the StreamReader drops a UTF-8 BOM.
        using var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
        var table = Read(reader, path);
        table.FilePath = Path.GetFullPath(path);
        return table;
    }

    public static DataTable Read(TextReader reader, string source)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(source);
        return new CsvTableReader(reader, source).ReadTable();
    }

    private DataTable ReadTable()
    {
        if (!ReadRecord(out _))
            throw new GpuHbmDataException($"data file '{_source}' is empty: it needs a header row naming the columns");
        var names = _fields.ToArray();
        CheckHeader(names);

        var columns = new List<string?>[names.Length];
        for (int c = 0; c < columns.Length; c++) columns[c] = new List<string?>();
        int row = 0;
        while (ReadRecord(out int line))
        {
            row++;
            if (_fields.Count != names.Length)
                throw new GpuHbmDataException(
                    $"line {line} of '{_source}' (row {row}) has {_fields.Count} field{(_fields.Count == 1 ? "" : "s")} but the header has {names.Length} column{(names.Length == 1 ? "" : "s")}");
            for (int c = 0; c < names.Length; c++) columns[c].Add(AsValue(_fields[c]));
        }
        var result = new DataColumn[names.Length];
        for (int c = 0; c < names.Length; c++) result[c] = new DataColumn(names[c], columns[c].ToArray());
        return new DataTable(result, _source);
    }

    private void CheckHeader(string[] names)
    {
        var firstSeen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int c = 0; c < names.Length; c++)
        {
            if (names[c].Length == 0)
                throw new GpuHbmDataException($"column {c + 1} of the header of '{_source}' has no name");
            if (!firstSeen.TryAdd(names[c], c))
                throw new GpuHbmDataException(
                    $"column name '{names[c]}' appears twice in the header of '{_source}' (columns {firstSeen[names[c]] + 1} and {c + 1})");
        }
    }

    // Empty and NA are missing whether or not they were quoted, as in read.csv(na.strings = "NA").
    private static string? AsValue(string field) => field.Length == 0 || field == "NA" ? null : field;

    /// <summary>
    /// Reads the next non-blank record into _fields (trimmed). <paramref name="line"/> is the
    /// 1-based physical line it starts on. False at the end of input.
    /// </summary>
    private bool ReadRecord(out int line)
    {
        string? text;
        do
        {
            text = _reader.ReadLine();
            if (text is null) { line = _lineNumber; return false; }
            _lineNumber++;
            if (_lineNumber == 1 && text.Length > 0 && text[0] == '\uFEFF') text = text[1..]; // a BOM a TextReader did not remove
        } while (string.IsNullOrWhiteSpace(text));

        line = _lineNumber;
        _fields.Clear();
        int pos = 0;
        while (true)
        {
            int start = pos;
            while (pos < text.Length && (text[pos] == ' ' || text[pos] == '\t')) pos++;
            if (pos < text.Length && text[pos] == '"')
            {
                pos = ReadQuoted(ref text, pos);
            }
            else
            {
                int comma = text.IndexOf(',', pos);
                int end = comma < 0 ? text.Length : comma;
                _fields.Add(text.AsSpan(start, end - start).Trim().ToString());
                pos = end;
            }
            if (pos >= text.Length) return true;
            pos++; // the comma; a comma at the very end starts one more, empty field
            if (pos == text.Length) { _fields.Add(""); return true; }
        }
    }

    /// <summary>
    /// Reads a quoted field that opens at <paramref name="open"/>, continuing onto following
    /// lines while the quote is open. Returns the index just after the field (at a comma or
    /// the end of the line); <paramref name="text"/> becomes the line the field ends on.
    /// </summary>
    private int ReadQuoted(ref string text, int open)
    {
        _quoted.Clear();
        int openLine = _lineNumber;
        int pos = open + 1;
        while (true)
        {
            int quote = text.IndexOf('"', pos);
            if (quote < 0)
            {
                _quoted.Append(text, pos, text.Length - pos).Append('\n');
                var next = _reader.ReadLine()
                    ?? throw new GpuHbmDataException($"line {openLine} of '{_source}' opens a quoted value that is never closed");
                _lineNumber++;
                text = next;
                pos = 0;
                continue;
            }
            _quoted.Append(text, pos, quote - pos);
            if (quote + 1 < text.Length && text[quote + 1] == '"')
            {
                _quoted.Append('"'); // "" inside quotes is one literal quote
                pos = quote + 2;
                continue;
            }
            pos = quote + 1;
            break;
        }
        while (pos < text.Length && (text[pos] == ' ' || text[pos] == '\t')) pos++;
        if (pos < text.Length && text[pos] != ',')
            throw new GpuHbmDataException(
                $"line {_lineNumber} of '{_source}' has '{text[pos]}' after a closing quote, where a comma or the end of the line was expected");
        _fields.Add(_quoted.ToString().Trim());
        return pos;
    }
}
