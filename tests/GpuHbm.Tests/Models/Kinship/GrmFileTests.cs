using GpuHbm.Models.Kinship;
using Xunit;

namespace GpuHbm.Tests.Models.Kinship;

public class GrmFileTests
{
    [Fact]
    public void Reads_a_hand_built_gcta_file()
    {
        // K = [[1, .5, .25], [.5, 1.1, 0], [.25, 0, 0.9]]: lower triangle row by row as float32 LE.
        string prefix = KinshipTestData.TempPrefix("hand");
        float[] tri = [1f, 0.5f, 1.1f, 0.25f, 0f, 0.9f];
        File.WriteAllBytes(prefix + ".grm.bin", tri.SelectMany(BitConverter.GetBytes).ToArray());
        File.WriteAllText(prefix + ".grm.id", "fam1 a\nfam1 b\nfam2\tc\n");
        var k = GrmReader.Read(prefix + ".grm.bin");
        Assert.Equal(["a", "b", "c"], k.Ids); // IIDs
        Assert.Equal((double)1.1f, k[1, 1]);
        Assert.Equal(0.25, k[2, 0]);
        Assert.Equal(0.25, k[0, 2]);
        Assert.Equal(0, k[2, 1]);
    }

    [Fact]
    public void Round_trips_to_float_precision_and_writes_the_documented_layout()
    {
        var k = KinshipTestData.RandomKinship(9, 30, 5);
        string prefix = KinshipTestData.TempPrefix("rt");
        GrmWriter.Write(prefix, k, familyIds: k.Ids.Select(i => "F" + i).ToArray(), snpCount: 30);
        var back = GrmReader.Read(prefix);
        Assert.Equal(k.Ids, back.Ids);
        for (int i = 0; i < 9; i++)
            for (int j = 0; j < 9; j++)
                Assert.Equal((double)(float)k[i, j], back[i, j]);
        Assert.Equal(9 * 10 / 2 * 4, new FileInfo(prefix + ".grm.bin").Length);
        Assert.Equal(9 * 10 / 2 * 4, new FileInfo(prefix + ".grm.N.bin").Length);
        var bytes = File.ReadAllBytes(prefix + ".grm.bin");
        Assert.Equal((float)k[3, 2], BitConverter.ToSingle(bytes, 4 * (3 * 4 / 2 + 2)));
        Assert.StartsWith("Fi1\ti1", File.ReadAllText(prefix + ".grm.id"));
    }

    [Fact]
    public void Wrong_file_size_is_an_error_naming_the_file()
    {
        string prefix = KinshipTestData.TempPrefix("bad");
        File.WriteAllBytes(prefix + ".grm.bin", new byte[4 * 4]);
        File.WriteAllText(prefix + ".grm.id", "f a\nf b\nf c\n");
        var ex = Assert.Throws<GpuHbmDataException>(() => GrmReader.Read(prefix));
        Assert.Contains("bad.grm.bin", ex.Message);
        Assert.Contains("need 24", ex.Message);
    }

    [Fact]
    public void Duplicate_iid_is_rejected()
    {
        string prefix = KinshipTestData.TempPrefix("dup");
        File.WriteAllBytes(prefix + ".grm.bin", new[] { 1f, 0f, 1f }.SelectMany(BitConverter.GetBytes).ToArray());
        File.WriteAllText(prefix + ".grm.id", "f1 a\nf2 a\n");
        var ex = Assert.Throws<GpuHbmDataException>(() => GrmReader.Read(prefix));
        Assert.Contains("'a' appears twice", ex.Message);
    }
}
