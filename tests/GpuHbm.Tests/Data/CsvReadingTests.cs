using System.Text;
using GpuHbm.Data;
using Xunit;

namespace GpuHbm.Tests.Data;

public class CsvReadingTests
{
    private static DataTable Read(string text) => DataTable.ReadCsv(new StringReader(text), "test.csv");

    private static string ReadError(string text) => Assert.Throws<GpuHbmDataException>(() => Read(text)).Message;

    [Fact]
    public void Reads_header_quoted_and_unquoted_values()
    {
        var t = Read("\"Reaction\",\"Days\",\"Subject\"\n249.56,0,\"308\"\n258.7047,1,\"308\"\n");
        Assert.Equal(new[] { "Reaction", "Days", "Subject" }, t.Columns.Select(c => c.Name));
        Assert.Equal(2, t.RowCount);
        Assert.Equal("test.csv", t.Source);
        Assert.Equal(new string?[] { "249.56", "258.7047" }, t["Reaction"].Raw);
        Assert.Equal(new string?[] { "308", "308" }, t["Subject"].Raw);
        Assert.Equal(new[] { 0.0, 1.0 }, t["Days"].Numeric());
    }

    [Fact]
    public void Trims_values_and_names()
    {
        var t = Read(" a , b \n 1 ,  \" x y \" \n");
        Assert.Equal(new[] { "a", "b" }, t.Columns.Select(c => c.Name));
        Assert.Equal(new string?[] { "1" }, t["a"].Raw);
        Assert.Equal(new string?[] { "x y" }, t["b"].Raw);
    }

    [Fact]
    public void Empty_and_NA_are_missing_whether_quoted_or_not()
    {
        var t = Read("a,b,c,d\n,NA,\"NA\",\"\"\n1, NA ,na,x\n");
        Assert.Equal(new string?[] { null, "1" }, t["a"].Raw);
        Assert.Equal(new string?[] { null, null }, t["b"].Raw);
        // Only the exact token NA is missing, as read.csv's default na.strings.
        Assert.Equal(new string?[] { null, "na" }, t["c"].Raw);
        Assert.Equal(new string?[] { null, "x" }, t["d"].Raw);
    }

    [Fact]
    public void Trailing_comma_is_an_empty_last_field()
    {
        var t = Read("a,b\n1,\n");
        Assert.Equal(new string?[] { null }, t["b"].Raw);
    }

    [Fact]
    public void Quoted_values_keep_commas_escaped_quotes_and_newlines()
    {
        var t = Read("name,n\n\"Smith, J.\",1\n\"say \"\"hi\"\"\",2\n\"two\r\nlines\",3\n");
        Assert.Equal(new string?[] { "Smith, J.", "say \"hi\"", "two\nlines" }, t["name"].Raw);
        Assert.Equal(new string?[] { "1", "2", "3" }, t["n"].Raw);
    }

    [Fact]
    public void Crlf_line_endings_and_blank_lines_are_accepted()
    {
        var t = Read("a,b\r\n1,2\r\n\r\n3,4\r\n\r\n");
        Assert.Equal(new string?[] { "1", "3" }, t["a"].Raw);
        Assert.Equal(new string?[] { "2", "4" }, t["b"].Raw);
    }

    [Fact]
    public void Byte_order_mark_is_ignored_from_a_file_and_from_a_reader()
    {
        Assert.Equal("a", Read("\uFEFFa,b\n1,2\n").Columns[0].Name);
        Assert.Equal("a", Read("\uFEFF\"a\",b\n1,2\n").Columns[0].Name);

        var path = Path.Combine(Path.GetTempPath(), $"gpuhbm-bom-{Guid.NewGuid():N}.csv");
        try
        {
            File.WriteAllText(path, "a,b\n1,2\n", new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));
            var t = DataTable.ReadCsv(path);
            Assert.Equal(new[] { "a", "b" }, t.Columns.Select(c => c.Name));
            Assert.Equal(path, t.Source);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Header_only_gives_a_table_with_no_rows()
    {
        var t = Read("a,b\n");
        Assert.Equal(0, t.RowCount);
        Assert.Equal(2, t.Columns.Count);
    }

    [Fact]
    public void Missing_file_is_an_error_naming_it()
    {
        var path = Path.Combine(Path.GetTempPath(), "gpuhbm-no-such-file.csv");
        var e = Assert.Throws<GpuHbmDataException>(() => DataTable.ReadCsv(path));
        Assert.Equal($"data file '{path}' does not exist", e.Message);
    }

    [Fact]
    public void Empty_file_is_an_error()
    {
        Assert.Equal("data file 'test.csv' is empty: it needs a header row naming the columns", ReadError(""));
        Assert.Equal("data file 'test.csv' is empty: it needs a header row naming the columns", ReadError("\n  \n"));
    }

    [Fact]
    public void Duplicate_column_name_is_an_error_naming_both_positions()
    {
        Assert.Equal("column name 'x' appears twice in the header of 'test.csv' (columns 1 and 3)", ReadError("x,y,\"x\"\n1,2,3\n"));
    }

    [Fact]
    public void Empty_column_name_is_an_error()
    {
        Assert.Equal("column 2 of the header of 'test.csv' has no name", ReadError("x,,z\n1,2,3\n"));
        Assert.Equal("column 2 of the header of 'test.csv' has no name", ReadError("x, \n1,2\n"));
    }

    [Fact]
    public void Wrong_field_count_names_the_line_and_the_row()
    {
        Assert.Equal("line 3 of 'test.csv' (row 2) has 2 fields but the header has 3 columns", ReadError("a,b,c\n1,2,3\n4,5\n"));
        Assert.Equal("line 2 of 'test.csv' (row 1) has 4 fields but the header has 3 columns; if its numbers have decimal commas (1,5), " +
            "the file is probably semicolon-separated: pass --delimiter ';'", ReadError("a,b,c\n1,2,3,4\n"));
        // A quoted newline makes lines and rows differ; a blank line is skipped but still counted as a line.
        Assert.Equal("line 6 of 'test.csv' (row 3) has 1 field but the header has 2 columns", ReadError("a,b\n\"x\ny\",1\n2,3\n\n5\n"));
    }

    [Fact]
    public void Unclosed_quote_is_an_error_naming_its_line()
    {
        Assert.Equal("line 3 of 'test.csv' opens a quoted value that is never closed", ReadError("a,b\n1,2\n\"3,4\n5,6\n"));
    }

    [Fact]
    public void Text_after_a_closing_quote_is_an_error()
    {
        Assert.Equal("line 2 of 'test.csv' has 'x' after a closing quote, where the delimiter (comma) or the end of the line was expected", ReadError("a,b\n\"1\"x,2\n"));
    }

    [Theory]
    [InlineData("sleepstudy.csv", 180, new[] { "Reaction", "Days", "Subject" })]
    [InlineData("radon_mn.csv", 919, new[] { "log_radon", "floor", "county" })]
    [InlineData("cbpp.csv", 56, new[] { "herd", "incidence", "size", "period" })]
    [InlineData("eight_schools.csv", 8, new[] { "school", "y", "sigma" })]
    [InlineData("penicillin.csv", 144, new[] { "diameter", "plate", "sample" })]
    [InlineData("pastes.csv", 60, new[] { "strength", "batch", "cask", "sample" })]
    public void Reads_the_example_data_sets(string file, int rows, string[] columns)
    {
        var t = DataTable.ReadCsv(TestPaths.ExampleData(file));
        Assert.Equal(rows, t.RowCount);
        Assert.Equal(columns, t.Columns.Select(c => c.Name));
        Assert.All(t.Columns, c => Assert.Equal(-1, c.FirstMissingRow()));
    }

    [Fact]
    public void Sleepstudy_subjects_are_read_as_labels()
    {
        var t = DataTable.ReadCsv(TestPaths.ExampleData("sleepstudy.csv"));
        var f = t["Subject"].ToFactor();
        Assert.Equal(18, f.LevelCount);
        Assert.Equal("308", f.Levels[0]);
        Assert.Equal(249.56, t["Reaction"].Numeric()[0]);
    }

    [Fact]
    public void Reads_a_million_rows_of_ten_columns()
    {
        var path = Path.Combine(Path.GetTempPath(), $"gpuhbm-large-{Guid.NewGuid():N}.csv");
        const int rows = 1_000_000;
        try
        {
            using (var w = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 16))
            {
                w.WriteLine("y,x1,x2,x3,x4,x5,x6,x7,g,h");
                for (int i = 0; i < rows; i++)
                    w.WriteLine($"{i * 0.5},{i % 7},{i % 11}.25,-{i % 13},{i},1e-3,NA,,\"g{i % 100}\",h{i % 3}");
            }
            var t = DataTable.ReadCsv(path); // streaming: speed is for benchmarks, correctness at this size is checked here
            Assert.Equal(rows, t.RowCount);
            Assert.Equal("g99", t["g"].Raw[rows - 1]);
            Assert.Null(t["x6"].Raw[12345]);
            Assert.Null(t["x7"].Raw[12345]);
        }
        finally { File.Delete(path); }
    }
}
