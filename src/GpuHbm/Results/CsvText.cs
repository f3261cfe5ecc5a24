namespace GpuHbm.Results;

/// <summary>RFC 4180 quoting for the CSV files GpuHbm writes.</summary>
internal static class CsvText
{
    /// <summary>Quotes a field when it holds a comma, quote or line break (names like r_g[1,Intercept] do).</summary>
    public static string Quote(string field) =>
        field.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : field;
}
