using GpuHbm.Models.Kinship;
using Xunit;

namespace GpuHbm.Tests.Models.Kinship;

public class RelationshipMatrixTests
{
    private static RelationshipMatrix FromCsv(string text) => RelationshipCsvReader.Read(new StringReader(text), "k.csv");

    [Theory]
    [InlineData("id,A,B,C\n")]
    [InlineData(",A,B,C\n")]
    public void Csv_reads_ids_and_values(string header)
    {
        var k = FromCsv(header + "A,1,0.5,0\nB,0.5,1,0.25\n\nC,0,0.25,1\n");
        Assert.Equal(["A", "B", "C"], k.Ids);
        Assert.Equal(0.25, k[2, 1]);
        Assert.Equal(0.25, k[1, 2]);
        Assert.Equal(1, k.IndexOf("B"));
    }

    [Fact]
    public void Csv_round_trips_through_the_writer()
    {
        var k = KinshipTestData.RandomKinship(7, 20, 3);
        string path = KinshipTestData.TempPrefix("k") + ".csv";
        RelationshipCsvReader.Write(path, k);
        var back = RelationshipCsvReader.Read(path);
        Assert.Equal(k.Ids, back.Ids);
        Assert.Equal(k.ToArray(), back.ToArray());
    }

    [Fact]
    public void Csv_row_out_of_header_order_is_an_error_naming_the_line()
    {
        var ex = Assert.Throws<GpuHbmDataException>(() => FromCsv("id,A,B\nB,1,0\nA,0,1\n"));
        Assert.Contains("line 2", ex.Message);
        Assert.Contains("'B'", ex.Message);
        Assert.Contains("k.csv", ex.Message);
    }

    [Fact]
    public void Csv_non_number_is_an_error_naming_id_and_column()
    {
        var ex = Assert.Throws<GpuHbmDataException>(() => FromCsv("id,A,B\nA,1,x\nB,0,1\n"));
        Assert.Contains("'x'", ex.Message);
        Assert.Contains("column 'B'", ex.Message);
    }

    [Fact]
    public void Asymmetric_matrix_is_rejected_with_both_entries()
    {
        var ex = Assert.Throws<GpuHbmDataException>(() => FromCsv("id,A,B\nA,1,0.5\nB,0.4,1\n"));
        Assert.Contains("not symmetric", ex.Message);
        Assert.Contains("('A', 'B') is 0.5", ex.Message);
        Assert.Contains("('B', 'A') is 0.4", ex.Message);
    }

    [Fact]
    public void Asymmetry_within_relative_tolerance_is_averaged()
    {
        var k = FromCsv("id,A,B\nA,1,0.5\nB,0.500000000001,1\n");
        Assert.Equal(k[0, 1], k[1, 0]);
        Assert.Equal(0.5000000000005, k[0, 1], 15);
    }

    [Fact]
    public void Non_positive_semidefinite_matrix_is_rejected_with_its_smallest_eigenvalue()
    {
        var ex = Assert.Throws<GpuHbmDataException>(() => new RelationshipMatrix(["a", "b"], [1, 2, 2, 1], "k.csv"));
        Assert.Contains("not positive semi-definite", ex.Message);
        Assert.Contains("smallest eigenvalue is -1", ex.Message); // eigenvalues of [[1,2],[2,1]] are 3 and -1
        Assert.Contains("k.csv", ex.Message);
    }

    [Fact]
    public void Singular_psd_matrix_is_accepted()
    {
        // Rank one: eigenvalues 2 and 0.
        var k = new RelationshipMatrix(["a", "b"], [1, 1, 1, 1]);
        Assert.Equal(2, k.Count);
    }

    [Fact]
    public void Duplicate_id_is_rejected()
    {
        var ex = Assert.Throws<GpuHbmDataException>(() => FromCsv("id,A,A\nA,1,0\nA,0,1\n"));
        Assert.Contains("'A' appears twice", ex.Message);
    }

    [Fact]
    public void Align_drops_unused_individuals_and_maps_rows()
    {
        var k = FromCsv("id,A,B,C,D\nA,1,0.5,0,0\nB,0.5,1,0,0\nC,0,0,1,0.25\nD,0,0,0.25,1\n");
        var a = k.Align(["D", "B", "D", "A"]);
        Assert.Equal(["A", "B", "D"], a.Reduced.Ids); // K's order, C dropped
        Assert.Equal([2, 1, 2, 0], a.RowIndex);
        Assert.Equal(1, a.DroppedCount);
        Assert.Contains("1 of the 4 individuals", a.Note);
        Assert.False(a.IsOneToOne);
        Assert.Equal(0.5, a.Reduced[0, 1]);
        Assert.Equal(1, a.Reduced[2, 2]);
        Assert.Throws<GpuHbmModelException>(() => a.InDataOrder());
    }

    [Fact]
    public void Align_one_row_per_individual_gives_K_in_data_order()
    {
        var k = FromCsv("id,A,B,C\nA,1,0.5,0\nB,0.5,1,0.25\nC,0,0.25,1\n");
        var a = k.Align(["C", "A", "B"]);
        Assert.True(a.IsOneToOne);
        Assert.Null(a.Note);
        var d = a.InDataOrder();
        Assert.Equal(["C", "A", "B"], d.Ids);
        Assert.Equal(0.25, d[0, 2]);
        Assert.Equal(0.5, d[1, 2]);
        Assert.Equal(0, d[0, 1]);
    }

    [Fact]
    public void Align_with_ids_missing_from_K_lists_them()
    {
        var k = FromCsv("id,A,B\nA,1,0\nB,0,1\n");
        var ex = Assert.Throws<GpuHbmDataException>(() => k.Align(["A", "X", "Y", "X"], "pheno.csv"));
        Assert.Contains("2 individual id(s) of pheno.csv", ex.Message);
        Assert.Contains("'X' (row 2)", ex.Message);
        Assert.Contains("'Y' (row 3)", ex.Message);
    }
}
