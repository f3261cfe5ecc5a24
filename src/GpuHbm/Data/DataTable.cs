namespace GpuHbm.Data;

/// <summary>
/// A rectangular table of named columns, kept as the text that was read (null = missing)
/// so that each use decides whether a column is numeric or categorical.
/// </summary>
public sealed class DataTable
{
    private readonly Dictionary<string, DataColumn> _byName;

    /// <summary>Columns in file order.</summary>
    public IReadOnlyList<DataColumn> Columns { get; }

    /// <summary>Number of data rows (header excluded).</summary>
    public int RowCount { get; }

    /// <summary>Where the data came from (a path, or a description), for messages.</summary>
    public string Source { get; }

    /// <summary>The full path of the file the table was read from (<see cref="ReadCsv(string)"/>), or null for a table built in memory.</summary>
    public string? FilePath { get; internal set; }

    public DataTable(IReadOnlyList<DataColumn> columns, string source = "data")
    {
        ArgumentNullException.ThrowIfNull(columns);
        Columns = columns;
        Source = source;
        RowCount = columns.Count == 0 ? 0 : columns[0].Length;
        _byName = new Dictionary<string, DataColumn>(StringComparer.Ordinal);
        foreach (var c in columns)
        {
            if (c.Length != RowCount)
                throw new GpuHbmDataException($"column '{c.Name}' has {c.Length} values but the table has {RowCount} rows");
            if (!_byName.TryAdd(c.Name, c))
                throw new GpuHbmDataException($"column '{c.Name}' appears twice in {source}");
        }
    }

    /// <summary>Builds a table from (name, values) pairs; numbers are formatted invariantly.</summary>
    public static DataTable FromColumns(params (string Name, object[] Values)[] columns) =>
        new(columns.Select(c => new DataColumn(c.Name, c.Values.Select(v => v switch
        {
            null => null,
            double d => double.IsNaN(d) ? null : d.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
            IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
            _ => v.ToString(),
        }).ToArray())).ToList());

    /// <summary>How the file was read (delimiter, decimal mark, encoding); null for a table not read from text.</summary>
    public CsvFormat? Format { get; init; }

    /// <summary>
    /// Reads a CSV file: header row required, the delimiter detected from the header (comma,
    /// semicolon, tab or '|'; decimal commas with semicolons), quoted values allowed, values trimmed,
    /// empty and <c>NA</c> (quoted or not) missing, strict UTF-8 (BOM tolerated). Errors name the file,
    /// line and data row (row 1 = first line after the header), or the byte offset of a non-UTF-8 byte.
    /// </summary>
    public static DataTable ReadCsv(string path) => CsvTableReader.Read(path);

    /// <summary>As <see cref="ReadCsv(string)"/> with explicit delimiter, decimal mark, missing-value markers or encoding.</summary>
    public static DataTable ReadCsv(string path, CsvReadOptions? options) => CsvTableReader.Read(path, options);

    /// <summary>As <see cref="ReadCsv(string)"/>, from text; <paramref name="source"/> names it in messages.</summary>
    public static DataTable ReadCsv(TextReader reader, string source = "data", CsvReadOptions? options = null) => CsvTableReader.Read(reader, source, options);

    public bool HasColumn(string name) => _byName.ContainsKey(name);

    /// <summary>The column, or an error naming it and the columns that exist (and the delimiter, when the header looks mis-split).</summary>
    public DataColumn this[string name] => _byName.TryGetValue(name, out var c)
        ? c
        : throw new GpuHbmDataException($"column '{name}' is not in {Source}; its columns are: {string.Join(", ", Columns.Select(x => x.Name))}" + DelimiterHint(name));

    private string DelimiterHint(string name)
    {
        if (Columns.Count != 1) return "";
        string only = Columns[0].Name;
        var seen = only.Where(ch => !char.IsLetterOrDigit(ch) && ch is not ('_' or '.')).Distinct().ToArray();
        if (!only.Contains(name, StringComparison.Ordinal) && seen.Length == 0) return "";
        string what = Format is { } f ? $"split at {CsvReadOptions.Describe(f.Delimiter)}s" : "split";
        string chars = seen.Length == 0 ? "" : $" (it holds {string.Join(" ", seen.Select(ch => ch == ' ' ? "spaces" : ch == '\t' ? "tabs" : $"'{ch}'"))})";
        return $". The header was read as one column{chars}: the file is probably not {what}; pass --delimiter with the character that separates its columns, e.g. --delimiter ';' or --delimiter space";
    }

    /// <summary>A new table with only the rows whose index is in <paramref name="keep"/> (ascending).</summary>
    public DataTable SelectRows(IReadOnlyList<int> keep) =>
        new(Columns.Select(c => new DataColumn(c.Name, keep.Select(i => c.Raw[i]).ToArray())).ToList(), Source) { Format = Format, FilePath = FilePath };
}

/// <summary>One column: the raw text of each row (null when missing: empty or NA).</summary>
/// <remarks>
/// Typing: a column is numeric when at least half of its non-missing values are numbers
/// (<see cref="IsNumeric"/>). A numeric column used as a number that holds a value which is not one
/// is an error naming the column, the row and the value — never a silent switch to a factor. A column
/// is categorical when most of its values are not numbers, or when the model is told so (--factor).
/// </remarks>
public sealed class DataColumn
{
    private double[]? _numeric;
    private (int Numbers, int Present, int FirstOther)? _census;

    public string Name { get; }
    public string?[] Raw { get; }
    public int Length => Raw.Length;

    public DataColumn(string name, string?[] raw)
    {
        Name = name;
        Raw = raw;
    }

    /// <summary>Numbers, non-missing values, and the row index of the first value that is not a number (−1 if none).</summary>
    private (int Numbers, int Present, int FirstOther) Census => _census ??= Count();

    private (int, int, int) Count()
    {
        int numbers = 0, present = 0, firstOther = -1;
        for (int i = 0; i < Raw.Length; i++)
        {
            var v = Raw[i];
            if (v is null) continue;
            present++;
            if (TryParse(v, out _)) numbers++;
            else if (firstOther < 0) firstOther = i;
        }
        return (numbers, present, firstOther);
    }

    /// <summary>
    /// True when the column is mostly numbers: at least half of its non-missing values parse as numbers
    /// (and there is at least one). Such a column used as a number must hold only numbers (<see cref="Numeric"/>).
    /// </summary>
    public bool IsNumeric => Census is var (numbers, present, _) && numbers > 0 && 2L * numbers >= present;

    /// <summary>True when every non-missing value is a number.</summary>
    public bool IsAllNumeric => Census.FirstOther < 0;

    /// <summary>How many non-missing values are numbers, out of how many non-missing values.</summary>
    public (int Numbers, int Present) NumberCount => (Census.Numbers, Census.Present);

    /// <summary>Index of the first missing value, or -1.</summary>
    public int FirstMissingRow() => Array.FindIndex(Raw, v => v is null);

    /// <summary>
    /// The values as numbers (NaN where missing). A value that is not a number is an error naming the
    /// column, the row (1-based data row) and the value, and what to do about it.
    /// </summary>
    public double[] Numeric()
    {
        if (_numeric is not null) return _numeric;
        var result = new double[Raw.Length];
        for (int i = 0; i < Raw.Length; i++)
        {
            var v = Raw[i];
            if (v is null) { result[i] = double.NaN; continue; }
            if (!TryParse(v, out result[i]))
                throw new GpuHbmDataException(NotANumber(i));
        }
        return _numeric = result;
    }

    private string NotANumber(int row)
    {
        var (numbers, present, _) = Census;
        int others = present - numbers;
        string census = numbers == 0
            ? "none of its values are numbers"
            : $"{numbers} of its {present} values are numbers" + (others > 1 ? $"; {others - 1} other value{(others > 2 ? "s are" : " is")} not" : "");
        string advice = numbers == 0
            ? "it cannot be used as a number here"
            : $"correct the value, or make it missing (empty or NA, or name it with --na '{Raw[row]}') and drop such rows with --drop-missing; " +
              $"if '{Name}' is categorical, pass --factor {Name}";
        return $"column '{Name}' must be numeric here, but row {row + 1} holds '{Raw[row]}' ({census}); {advice}";
    }

    /// <summary>
    /// Factor coding: levels sorted numerically when every value is a number (so county
    /// codes 1..85 stay in numeric order, as R's factor() of a numeric vector), otherwise by
    /// ordinal string order (as R's factor() of a character vector in the C locale).
    /// </summary>
    public Factor ToFactor()
    {
        int missing = FirstMissingRow();
        if (missing >= 0)
            throw new GpuHbmDataException($"column '{Name}' has a missing value at row {missing + 1}");
        var distinct = Raw.Distinct(StringComparer.Ordinal).Select(v => v!).ToList();
        if (IsAllNumeric)
            distinct.Sort((a, b) => { TryParse(a, out var x); TryParse(b, out var y); int c = x.CompareTo(y); return c != 0 ? c : string.CompareOrdinal(a, b); });
        else
            distinct.Sort(string.CompareOrdinal);
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < distinct.Count; i++) index[distinct[i]] = i;
        var codes = Raw.Select(v => index[v!]).ToArray();
        return new Factor(Name, distinct.ToArray(), codes);
    }

    /// <summary>
    /// Factor coding with given levels (those of a fitted model), for new data: each value is matched to
    /// a level by its text, or by its number when every level and the value are numbers (so "2.0" is
    /// level "2"). A value that is no level is an error naming the column, the row and the known levels.
    /// </summary>
    public Factor ToFactorWithLevels(IReadOnlyList<string> levels)
    {
        ArgumentNullException.ThrowIfNull(levels);
        int missing = FirstMissingRow();
        if (missing >= 0)
            throw new GpuHbmDataException($"column '{Name}' has a missing value at row {missing + 1}");
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int l = 0; l < levels.Count; l++) index[levels[l]] = l;
        var byNumber = new Dictionary<double, int>();
        bool numericLevels = levels.All(l => TryParse(l, out _));
        if (numericLevels)
            for (int l = 0; l < levels.Count; l++) { TryParse(levels[l], out double x); byNumber.TryAdd(x, l); }
        var codes = new int[Raw.Length];
        for (int i = 0; i < Raw.Length; i++)
        {
            string v = Raw[i]!;
            if (index.TryGetValue(v, out int code) || (numericLevels && TryParse(v, out double x) && byNumber.TryGetValue(x, out code)))
            {
                codes[i] = code;
                continue;
            }
            const int shown = 20;
            string known = string.Join(", ", levels.Take(shown)) + (levels.Count > shown ? $", ... ({levels.Count} in all)" : "");
            throw new GpuHbmDataException($"column '{Name}' holds '{v}' at row {i + 1}, which is not one of the levels the model was fitted with ({known})");
        }
        return new Factor(Name, levels.ToArray(), codes);
    }

    internal static bool TryParse(string s, out double value) =>
        double.TryParse(s, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out value);
}

/// <summary>A categorical column: Levels in order, and a 0-based level code per row.</summary>
public sealed record Factor(string Name, string[] Levels, int[] Codes)
{
    public int LevelCount => Levels.Length;
}
