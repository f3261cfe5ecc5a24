using GpuHbm.Data;
using Xunit;

namespace GpuHbm.Tests.Data;

public class MissingDataTests
{
    private static DataTable Table() => DataTable.ReadCsv(new StringReader(
        "y,x,g,unused\n" +
        "1.5,1,a,NA\n" +
        "2.5,,a,1\n" +
        "NA,3,b,1\n" +
        "4.5,4,NA,1\n" +
        "5.5,5,b,1\n"), "d.csv");

    [Fact]
    public void Complete_columns_pass()
    {
        MissingData.EnsureComplete(Table(), new[] { "unused" }.Take(0));
        var t = DataTable.ReadCsv(new StringReader("y,x\n1,2\n3,4\n"), "d.csv");
        MissingData.EnsureComplete(t, new[] { "y", "x" });
    }

    [Fact]
    public void Missing_value_names_the_column_and_its_first_row_with_advice()
    {
        var e = Assert.Throws<GpuHbmDataException>(() => MissingData.EnsureComplete(Table(), new[] { "y", "x", "g" }));
        Assert.Equal(
            "column 'x' of d.csv has a missing value at row 2 (3 of 5 rows are incomplete over the columns y, x, g); " +
            "use --drop-missing (CLI) or dropMissing: true to drop incomplete rows", e.Message);
    }

    [Fact]
    public void Columns_the_model_does_not_use_are_not_checked()
    {
        var e = Assert.Throws<GpuHbmDataException>(() => MissingData.EnsureComplete(Table(), new[] { "g", "g" }));
        Assert.Equal(
            "column 'g' of d.csv has a missing value at row 4 (1 of 5 rows are incomplete over the columns g); " +
            "use --drop-missing (CLI) or dropMissing: true to drop incomplete rows", e.Message);
    }

    [Fact]
    public void Unknown_column_is_an_error_listing_the_columns()
    {
        var e = Assert.Throws<GpuHbmDataException>(() => MissingData.EnsureComplete(Table(), new[] { "z" }));
        Assert.Equal("column 'z' is not in d.csv; its columns are: y, x, g, unused", e.Message);
    }

    [Fact]
    public void DropIncomplete_keeps_complete_rows_in_order_and_all_columns()
    {
        var t = MissingData.DropIncomplete(Table(), new[] { "y", "x", "g" }, out int dropped);
        Assert.Equal(3, dropped);
        Assert.Equal(2, t.RowCount);
        Assert.Equal(new[] { "y", "x", "g", "unused" }, t.Columns.Select(c => c.Name));
        Assert.Equal(new string?[] { "1.5", "5.5" }, t["y"].Raw);
        Assert.Equal(new string?[] { null, "1" }, t["unused"].Raw);
        Assert.Equal("d.csv", t.Source);
        MissingData.EnsureComplete(t, new[] { "y", "x", "g" });
    }

    [Fact]
    public void DropIncomplete_returns_the_same_table_when_nothing_is_missing()
    {
        var original = Table();
        var t = MissingData.DropIncomplete(original, new[] { "x" }.Take(0), out int dropped);
        Assert.Same(original, t);
        Assert.Equal(0, dropped);
    }

    [Fact]
    public void DropIncomplete_of_every_row_is_an_error()
    {
        var t = DataTable.ReadCsv(new StringReader("y,x\n1,NA\nNA,2\n"), "d.csv");
        var e = Assert.Throws<GpuHbmDataException>(() => MissingData.DropIncomplete(t, new[] { "y", "x" }, out _));
        Assert.Equal("every one of the 2 rows of d.csv misses a value in at least one of the columns y, x, so no rows are left", e.Message);
    }
}
