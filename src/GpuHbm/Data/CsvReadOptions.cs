using System.Text;

namespace GpuHbm.Data;

/// <summary>
/// How <see cref="DataTable.ReadCsv(string, CsvReadOptions?)"/> reads a delimited text file. The defaults
/// read what R's read.csv and read.csv2 read: the delimiter is detected from the header (comma,
/// semicolon, tab or '|'), a semicolon file takes decimal commas (1,5), empty and <c>NA</c> are missing,
/// and the bytes must be UTF-8.
/// </summary>
public sealed record CsvReadOptions
{
    /// <summary>The field delimiter; null detects it from the header line (CLI: <c>--delimiter</c>).</summary>
    public char? Delimiter { get; init; }

    /// <summary>
    /// The decimal mark of numbers: '.' or ','; null means ',' for a semicolon-separated file (R's read.csv2)
    /// and '.' otherwise (CLI: <c>--decimal</c>). With ',' a value such as <c>-1,25e3</c> is read as -1.25e3.
    /// </summary>
    public char? DecimalSeparator { get; init; }

    /// <summary>Values that mean "missing" besides the empty value (R's na.strings; CLI: <c>--na</c>, repeatable).</summary>
    public IReadOnlyList<string> MissingValues { get; init; } = ["NA"];

    /// <summary>
    /// The text encoding; null reads strict UTF-8 (a byte that is not UTF-8 is an error naming its offset).
    /// <see cref="Encoding.Latin1"/> reads ISO-8859-1 (CLI: <c>--encoding latin1</c>).
    /// </summary>
    public Encoding? Encoding { get; init; }

    /// <summary>The delimiters detection chooses between.</summary>
    public static readonly char[] DetectedDelimiters = [',', ';', '\t', '|'];

    /// <summary>Parses a CLI delimiter: one character, or the words comma, semicolon, tab, pipe, space.</summary>
    public static char ParseDelimiter(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.ToLowerInvariant() switch
        {
            "comma" => ',',
            "semicolon" => ';',
            "tab" or "\\t" => '\t',
            "pipe" => '|',
            "space" => ' ',
            _ when text.Length == 1 && text[0] != '"' && text[0] != '\n' && text[0] != '\r' => text[0],
            _ => throw new GpuHbmDataException($"--delimiter '{text}': give one character (e.g. ';') or one of comma, semicolon, tab, pipe, space"),
        };
    }

    /// <summary>Parses a CLI encoding name: utf-8 or latin1 (ISO-8859-1).</summary>
    public static Encoding ParseEncoding(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.ToLowerInvariant().Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal) switch
        {
            "utf8" => Strict,
            "latin1" or "iso88591" or "l1" => Encoding.Latin1,
            _ => throw new GpuHbmDataException($"--encoding '{text}': use utf-8 or latin1"),
        };
    }

    /// <summary>UTF-8 that throws on invalid bytes instead of replacing them.</summary>
    internal static readonly Encoding Strict = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Short name for messages and fit.json.</summary>
    internal static string Describe(char delimiter) => delimiter switch
    {
        ',' => "comma",
        ';' => "semicolon",
        '\t' => "tab",
        '|' => "'|'",
        ' ' => "space",
        _ => $"'{delimiter}'",
    };
}

/// <summary>What the reader found: the delimiter (and whether it was detected), decimal commas, the encoding.</summary>
/// <param name="Delimiter">The field delimiter used.</param>
/// <param name="DelimiterDetected">True when it was detected from the header rather than given.</param>
/// <param name="DecimalComma">True when numbers were read with a decimal comma.</param>
/// <param name="DecimalCommaValues">How many values had a decimal comma turned into a point.</param>
/// <param name="Encoding">The encoding's web name (utf-8, iso-8859-1).</param>
/// <param name="MissingValues">The markers read as missing besides the empty value.</param>
public sealed record CsvFormat(char Delimiter, bool DelimiterDetected, bool DecimalComma, long DecimalCommaValues, string Encoding,
    IReadOnlyList<string> MissingValues)
{
    /// <summary>One line for the CLI, e.g. "semicolon-separated (detected), decimal comma in 340 values".</summary>
    public string Describe()
    {
        string text = $"{CsvReadOptions.Describe(Delimiter)}-separated" + (DelimiterDetected && Delimiter != ',' ? " (detected)" : "");
        if (DecimalComma && DecimalCommaValues > 0) text += $", decimal comma in {DecimalCommaValues} values";
        if (Encoding != "utf-8") text += $", {Encoding}";
        return text;
    }

    /// <summary>Options that read the same file the same way again (the delimiter, decimal mark, missing-value markers and encoding found).</summary>
    public CsvReadOptions ReadOptions() => new()
    {
        Delimiter = Delimiter,
        DecimalSeparator = DecimalComma ? ',' : '.',
        MissingValues = MissingValues,
        Encoding = CsvReadOptions.ParseEncoding(Encoding),
    };
}
