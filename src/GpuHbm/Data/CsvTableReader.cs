using System.Text;

namespace GpuHbm.Data;

/// <summary>
/// Reads delimited text (RFC 4180: quoted fields with "" escapes and embedded newlines) into a
/// <see cref="DataTable"/>. Written by hand rather than with CsvHelper so that every error can name
/// the physical line and the data row, so that quoted and unquoted <c>NA</c> are both missing, as R's
/// read.csv treats them, and so that the delimiter can be detected from the header.
/// </summary>
/// <remarks>
/// The reader streams line by line and slices unquoted fields straight out of the line, so
/// it is linear in the size of the input: a million rows of ten columns take about a second.
/// Values are trimmed; an empty value or a missing-value marker (<c>NA</c>) becomes null. Blank
/// lines are skipped, as read.csv does. The delimiter is the most frequent of , ; tab | in the
/// header (outside quotes; a comma wins ties); with a semicolon, decimal commas are read as points
/// (read.csv2). Bytes must be UTF-8 unless another encoding is given: the first invalid byte is an
/// error naming its offset and line.
/// </remarks>
internal sealed class CsvTableReader
{
    private readonly TextReader _reader;
    private readonly string _source;
    private readonly CsvReadOptions _options;
    private readonly HashSet<string> _missing;
    private readonly List<string> _fields = new();
    private readonly StringBuilder _quoted = new();
    private char _delimiter;
    private bool _decimalComma;
    private long _decimalCommaValues;
    private int _lineNumber;

    private CsvTableReader(TextReader reader, string source, CsvReadOptions options)
    {
        _reader = reader;
        _source = source;
        _options = options;
        _missing = new HashSet<string>(options.MissingValues ?? [], StringComparer.Ordinal);
    }

    public static DataTable Read(string path, CsvReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        options ??= new CsvReadOptions();
        if (Directory.Exists(path))
            throw new GpuHbmDataException($"data file '{path}' is a directory, not a CSV file");
        if (!File.Exists(path))
            throw new GpuHbmDataException($"data file '{path}' does not exist");
        var encoding = options.Encoding ?? CsvReadOptions.Strict;
        try
        {
            // A large buffer matters for million-row files; the StreamReader drops a byte-order mark.
            using var reader = new StreamReader(path, encoding, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
            var table = Read(reader, path, options);
            table.FilePath = Path.GetFullPath(path);
            return table;
        }
        catch (DecoderFallbackException)
        {
            throw new GpuHbmDataException(Utf8Check.Describe(path));
        }
    }

    public static DataTable Read(TextReader reader, string source, CsvReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(source);
        return new CsvTableReader(reader, source, options ?? new CsvReadOptions()).ReadTable();
    }

    private DataTable ReadTable()
    {
        string? header = NextNonBlankLine();
        if (header is null)
            throw new GpuHbmDataException($"data file '{_source}' is empty: it needs a header row naming the columns");
        bool detected = _options.Delimiter is null;
        _delimiter = _options.Delimiter ?? DetectDelimiter(header);
        _decimalComma = (_options.DecimalSeparator ?? (_delimiter == ';' ? ',' : '.')) == ',';
        if (_decimalComma && _delimiter == ',')
            throw new GpuHbmDataException("a decimal comma needs a delimiter other than the comma (e.g. --delimiter ';')");
        ParseRecord(header);
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
                    $"line {line} of '{_source}' (row {row}) has {_fields.Count} field{(_fields.Count == 1 ? "" : "s")} but the header has {names.Length} column{(names.Length == 1 ? "" : "s")}"
                    + FieldCountHint(names.Length));
            for (int c = 0; c < names.Length; c++) columns[c].Add(AsValue(_fields[c]));
        }
        var result = new DataColumn[names.Length];
        for (int c = 0; c < names.Length; c++) result[c] = new DataColumn(names[c], columns[c].ToArray());
        var encoding = _options.Encoding ?? CsvReadOptions.Strict;
        return new DataTable(result, _source)
        {
            Format = new CsvFormat(_delimiter, detected, _decimalComma, _decimalCommaValues, encoding.WebName, _missing.ToArray()),
        };
    }

    /// <summary>The most frequent candidate delimiter outside quotes in the header; a comma when none occurs or on ties.</summary>
    private static char DetectDelimiter(string header)
    {
        var candidates = CsvReadOptions.DetectedDelimiters;
        var counts = new int[candidates.Length];
        bool quoted = false;
        foreach (char ch in header)
        {
            if (ch == '"') { quoted = !quoted; continue; }
            if (quoted) continue;
            int k = Array.IndexOf(candidates, ch);
            if (k >= 0) counts[k]++;
        }
        int best = 0;
        for (int k = 1; k < candidates.Length; k++)
            if (counts[k] > counts[best]) best = k;
        return candidates[best];
    }

    private string FieldCountHint(int expected)
    {
        if (_delimiter == ',' && _fields.Count > expected && _fields.Any(f => f.Length > 0 && char.IsAsciiDigit(f[0])))
            return "; if its numbers have decimal commas (1,5), the file is probably semicolon-separated: pass --delimiter ';'";
        return "";
    }

    /// <summary>Null for missing (empty or a missing-value marker); decimal commas become points.</summary>
    private string? AsValue(string field)
    {
        if (field.Length == 0 || _missing.Contains(field)) return null;
        if (_decimalComma && field.Contains(',') && IsDecimalCommaNumber(field))
        {
            _decimalCommaValues++;
            return field.Replace(',', '.');
        }
        return field;
    }

    /// <summary>[+-] digits , digits [e[+-]digits] with exactly one comma and at least one digit.</summary>
    internal static bool IsDecimalCommaNumber(ReadOnlySpan<char> s)
    {
        int i = 0;
        if (i < s.Length && (s[i] == '+' || s[i] == '-')) i++;
        int digits = 0;
        while (i < s.Length && char.IsAsciiDigit(s[i])) { i++; digits++; }
        if (i >= s.Length || s[i] != ',') return false;
        i++;
        while (i < s.Length && char.IsAsciiDigit(s[i])) { i++; digits++; }
        if (digits == 0) return false;
        if (i < s.Length && (s[i] == 'e' || s[i] == 'E'))
        {
            i++;
            if (i < s.Length && (s[i] == '+' || s[i] == '-')) i++;
            int exponent = 0;
            while (i < s.Length && char.IsAsciiDigit(s[i])) { i++; exponent++; }
            if (exponent == 0) return false;
        }
        return i == s.Length;
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

    /// <summary>
    /// Reads the next non-blank record into _fields (trimmed). <paramref name="line"/> is the
    /// 1-based physical line it starts on. False at the end of input.
    /// </summary>
    private bool ReadRecord(out int line)
    {
        string? text = NextNonBlankLine();
        line = _lineNumber;
        if (text is null) return false;
        ParseRecord(text);
        return true;
    }

    /// <summary>The next line that is not blank (a BOM on the first line removed), or null at the end.</summary>
    private string? NextNonBlankLine()
    {
        string? text;
        do
        {
            text = _reader.ReadLine();
            if (text is null) return null;
            _lineNumber++;
            if (_lineNumber == 1 && text.Length > 0 && text[0] == '\uFEFF') text = text[1..]; // a BOM a TextReader did not remove
        } while (string.IsNullOrWhiteSpace(text));
        return text;
    }

    /// <summary>Splits the record starting on <paramref name="text"/> into _fields (trimmed), reading on while a quote is open.</summary>
    private void ParseRecord(string text)
    {
        _fields.Clear();
        char delimiter = _delimiter;
        bool spaceDelimited = delimiter is ' ' or '\t';
        int pos = 0;
        while (true)
        {
            int start = pos;
            if (!spaceDelimited)
                while (pos < text.Length && (text[pos] == ' ' || text[pos] == '\t')) pos++;
            if (pos < text.Length && text[pos] == '"')
            {
                pos = ReadQuoted(ref text, pos);
            }
            else
            {
                int comma = text.IndexOf(delimiter, pos);
                int end = comma < 0 ? text.Length : comma;
                _fields.Add(text.AsSpan(start, end - start).Trim().ToString());
                pos = end;
            }
            if (pos >= text.Length) return;
            pos++; // the delimiter; a delimiter at the very end starts one more, empty field
            if (pos == text.Length) { _fields.Add(""); return; }
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
        while (pos < text.Length && text[pos] != _delimiter && (text[pos] == ' ' || text[pos] == '\t')) pos++;
        if (pos < text.Length && text[pos] != _delimiter)
            throw new GpuHbmDataException(
                $"line {_lineNumber} of '{_source}' has '{text[pos]}' after a closing quote, where the delimiter ({CsvReadOptions.Describe(_delimiter)}) or the end of the line was expected");
        _fields.Add(_quoted.ToString().Trim());
        return pos;
    }
}
