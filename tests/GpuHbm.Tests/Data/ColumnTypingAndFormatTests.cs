using System.Globalization;
using System.Text;
using GpuHbm.Data;
using Xunit;

namespace GpuHbm.Tests.Data;

/// <summary>
/// Column typing that cannot go silently wrong, delimiter and decimal-comma detection, missing-value markers and
/// strict UTF-8 (issue 9, items 2 and 3).
/// </summary>
public class ColumnTypingAndFormatTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gpuhbm-typing-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static DataTable Read(string text, CsvReadOptions? options = null) => DataTable.ReadCsv(new StringReader(text), "test.csv", options);

    private static DataColumn Column(params string?[] values) => new("x", values);

    [Fact]
    public void A_column_of_numbers_with_one_stray_value_is_numeric_and_the_value_is_an_error_naming_row_and_value()
    {
        var x = Column("1", "2.5", "oops", "4", null, "6");
        Assert.True(x.IsNumeric);
        Assert.False(x.IsAllNumeric);
        Assert.Equal((4, 5), x.NumberCount);
        var e = Assert.Throws<GpuHbmDataException>(() => x.Numeric());
        Assert.Contains("'x'", e.Message);
        Assert.Contains("row 3", e.Message);
        Assert.Contains("'oops'", e.Message);
        Assert.Contains("4 of its 5 values are numbers", e.Message);
    }

    [Fact]
    public void A_column_of_mostly_text_is_categorical_and_half_and_half_stays_numeric()
    {
        Assert.False(Column("a", "b", "3", "c").IsNumeric);
        Assert.True(Column("a", "2", "3", "c").IsNumeric);   // half: numeric, so a typo never makes a factor
        Assert.False(Column(null, null).IsNumeric);
        Assert.True(Column("1e3", "-2", "+0.5", "Infinity").IsAllNumeric);
    }

    [Fact]
    public void A_model_with_one_bad_cell_in_a_predictor_fails_naming_it_instead_of_making_a_factor()
    {
        var rows = Enumerable.Range(1, 60).Select(i => (y: Math.Sin(i), x: i == 37 ? "abc" : (i / 10.0).ToString("R", CultureInfo.InvariantCulture)));
        var table = Read("y,x\n" + string.Concat(rows.Select(r => $"{r.y.ToString("R", CultureInfo.InvariantCulture)},{r.x}\n")));
        var e = Assert.Throws<GpuHbmDataException>(() => Glmm.Plan("y ~ x", table));
        Assert.Contains("'x'", e.Message);
        Assert.Contains("row 37", e.Message);
        Assert.Contains("'abc'", e.Message);

        // Named as a factor, the same column is categorical (the user said so).
        var plan = Glmm.Plan("y ~ x", table, new FitOptions { Factors = ["x"], Chains = 1 });
        Assert.Equal(60, plan.Model.OutputNames.Count(n => n.StartsWith("b_", StringComparison.Ordinal)));
    }

    [Fact]
    public void Semicolon_files_are_detected_and_decimal_commas_read_as_points()
    {
        var t = Read("y;x;g\n1,5;2;a\n-0,25;3,0e2;b\n7;,5;c\n");
        Assert.Equal(new[] { "y", "x", "g" }, t.Columns.Select(c => c.Name));
        Assert.Equal(new[] { 1.5, -0.25, 7 }, t["y"].Numeric());
        Assert.Equal(new[] { 2, 300, 0.5 }, t["x"].Numeric());
        Assert.Equal(';', t.Format!.Delimiter);
        Assert.True(t.Format.DelimiterDetected);
        Assert.True(t.Format.DecimalComma);
        Assert.Equal(4, t.Format.DecimalCommaValues);
    }

    [Fact]
    public void Semicolon_files_with_decimal_points_read_as_they_are()
    {
        var t = Read("y;x\n1.5;2\n3;4.25\n");
        Assert.Equal(new[] { 1.5, 3 }, t["y"].Numeric());
        Assert.Equal(0, t.Format!.DecimalCommaValues);
    }

    [Fact]
    public void Tab_and_pipe_files_are_detected_and_an_explicit_delimiter_wins()
    {
        Assert.Equal(new[] { 1.0, 3 }, Read("a\tb\n1\t2\n3\t4\n")["a"].Numeric());
        var tab = Read("a\tb\n1\t\n3\t4\n");
        Assert.Equal(new string?[] { null, "4" }, tab["b"].Raw);   // an empty field between tabs is missing, not skipped
        Assert.Equal(new[] { 2.0 }, Read("a|b\n1|2\n")["b"].Numeric());
        var forced = Read("a;b,c\n1;2,3\n", new CsvReadOptions { Delimiter = ',' });
        Assert.Equal(new[] { "a;b", "c" }, forced.Columns.Select(c => c.Name));
        var spaces = Read("a b\n1 2\n", new CsvReadOptions { Delimiter = CsvReadOptions.ParseDelimiter("space") });
        Assert.Equal(new[] { 2.0 }, spaces["b"].Numeric());
    }

    [Fact]
    public void A_header_read_as_one_column_gives_a_delimiter_hint()
    {
        var t = Read("y x g\n1 2 3\n");
        var e = Assert.Throws<GpuHbmDataException>(() => t["y"]);
        Assert.Contains("one column", e.Message);
        Assert.Contains("--delimiter", e.Message);
    }

    [Fact]
    public void Decimal_commas_in_a_comma_file_give_a_hint_about_the_delimiter()
    {
        var e = Assert.Throws<GpuHbmDataException>(() => Read("y,x\n1,5,2\n"));
        Assert.Contains("line 2", e.Message);
        Assert.Contains("--delimiter ';'", e.Message);
    }

    [Fact]
    public void Missing_value_markers_can_be_added()
    {
        var t = Read("a,b\n.,1\n-999,2\nNA,3\n", new CsvReadOptions { MissingValues = ["NA", ".", "-999"] });
        Assert.Equal(new string?[] { null, null, null }, t["a"].Raw);
    }

    [Fact]
    public void A_non_utf8_byte_is_an_error_naming_its_offset_and_line_and_latin1_reads_it()
    {
        var bytes = new List<byte>();
        bytes.AddRange(Encoding.ASCII.GetBytes("name,y\nab,1\n"));
        int offset = bytes.Count + 1;
        bytes.AddRange([(byte)'M', 0xFC, (byte)'n', (byte)',', (byte)'2', (byte)'\n']); // "Mün" in Latin-1
        string path = Path.Combine(_dir, "latin1.csv");
        File.WriteAllBytes(path, bytes.ToArray());

        var e = Assert.Throws<GpuHbmDataException>(() => DataTable.ReadCsv(path));
        Assert.Contains($"byte offset {offset}", e.Message);
        Assert.Contains("0xFC", e.Message);
        Assert.Contains("line 3", e.Message);
        Assert.Contains("--encoding latin1", e.Message);

        var t = DataTable.ReadCsv(path, new CsvReadOptions { Encoding = Encoding.Latin1 });
        Assert.Equal("Mün", t["name"].Raw[1]);
    }

    [Fact]
    public void Utf8_check_finds_an_invalid_byte_after_a_block_boundary_and_accepts_valid_multibyte_text()
    {
        string path = Path.Combine(_dir, "big.csv");
        var text = new StringBuilder("a\n");
        while (text.Length < 200_000) text.Append("é€😀\n"); // multi-byte characters across the 64 KiB blocks
        var bytes = new List<byte>(new UTF8Encoding(false).GetBytes(text.ToString()));
        File.WriteAllBytes(path, bytes.ToArray());
        Assert.Null(Utf8Check.FirstInvalidByte(path));
        long offset = bytes.Count;
        bytes.Add(0xFF);
        File.WriteAllBytes(path, bytes.ToArray());
        Assert.Equal(offset, Utf8Check.FirstInvalidByte(path)!.Value.Offset);
    }

    /// <summary>
    /// The issue's 200,000-row file with one bad cell near the end: the error names the row and is raised without
    /// building any model matrix; everything the fit allocates on this thread stays far below 1 GB (it was 24 GB).
    /// </summary>
    [Fact]
    public void A_200000_row_file_with_one_bad_cell_near_the_end_fails_naming_the_row_in_little_memory()
    {
        string path = Path.Combine(_dir, "large.csv");
        using (var w = new StreamWriter(path))
        {
            w.WriteLine("y,x,hospital");
            for (int i = 1; i <= 200_000; i++)
                w.WriteLine(i == 199_990 ? $"{i % 7},abc,H{i % 500}" : string.Create(CultureInfo.InvariantCulture, $"{Math.Sin(i):R},{i * 1e-3:R},H{i % 500}"));
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<GpuHbmDataException>(() => Glmm.Plan("y ~ x + (1 | hospital)", DataTable.ReadCsv(path)));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("'x'", e.Message);
        Assert.Contains("row 199990", e.Message);
        Assert.Contains("'abc'", e.Message);
        Assert.True(allocated < 1L << 30, $"allocated {allocated / 1e6:F0} MB");
    }
}
