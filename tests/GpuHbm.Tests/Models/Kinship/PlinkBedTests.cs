using GpuHbm.Models.Kinship;
using Xunit;

namespace GpuHbm.Tests.Models.Kinship;

public class PlinkBedTests
{
    private static void WriteTextFiles(string prefix, int individuals, int snps)
    {
        File.WriteAllLines(prefix + ".fam", Enumerable.Range(1, individuals).Select(i => $"fam{i} ind{i} 0 0 1 -9"));
        File.WriteAllLines(prefix + ".bim", Enumerable.Range(1, snps).Select(s => $"1\trs{s}\t0\t{s * 100}\tA\tC"));
    }

    [Fact]
    public void Decodes_a_hand_built_bed_file()
    {
        // PLINK 1.9 spec: 2-bit codes, first individual in the lowest bits.
        // SNP 1: ind1 00 (hom A1), ind2 01 (missing), ind3 10 (het), ind4 11 (hom A2) → 0b11_10_01_00 = 0xE4;
        //        ind5 10 (het) → 0x02.
        // SNP 2: ind1 11, ind2 11, ind3 00, ind4 10 → 0b10_00_11_11 = 0x8F; ind5 01 (missing) → 0x01.
        string prefix = KinshipTestData.TempPrefix("hand");
        File.WriteAllBytes(prefix + ".bed", [0x6C, 0x1B, 0x01, 0xE4, 0x02, 0x8F, 0x01]);
        WriteTextFiles(prefix, 5, 2);
        var g = PlinkBedReader.Read(prefix + ".bed");
        Assert.Equal(5, g.IndividualCount);
        Assert.Equal(2, g.SnpCount);
        Assert.Equal("ind3", g.IndividualIds[2]);
        Assert.Equal("rs2", g.Snps[1].Id);
        Assert.Equal(200, g.Snps[1].Position);
        var d = new sbyte[5];
        g.GetDosages(0, d);
        Assert.Equal(new sbyte[] { 2, -1, 1, 0, 1 }, d); // A1 counts
        g.GetDosages(1, d);
        Assert.Equal(new sbyte[] { 0, 0, 2, 1, -1 }, d);
    }

    [Fact]
    public void Round_trips_dosages_and_bytes()
    {
        var rng = new Random(11);
        int n = 13, m = 7;
        var dosages = new sbyte[n * m];
        for (int i = 0; i < dosages.Length; i++) dosages[i] = (sbyte)(rng.Next(4) - 1);
        var samples = Enumerable.Range(0, n).Select(i => new PlinkSample("f" + i, "id" + i, Sex: 2, Phenotype: "1.5")).ToArray();
        var snps = Enumerable.Range(0, m).Select(s => new PlinkSnp("2", "s" + s, 0.5, 10 + s, "T", "G")).ToArray();
        var g = PlinkGenotypes.FromDosages(samples, snps, dosages);
        string prefix = KinshipTestData.TempPrefix("rt");
        PlinkBedWriter.Write(prefix, g);
        Assert.Equal(3 + 4 * m, new FileInfo(prefix + ".bed").Length); // ⌈13/4⌉ = 4 bytes per SNP
        var back = PlinkBedReader.Read(prefix);
        Assert.Equal(dosages, back.ToDosages());
        Assert.Equal(samples, back.Samples);
        Assert.Equal(snps, back.Snps);
        string prefix2 = KinshipTestData.TempPrefix("rt2");
        PlinkBedWriter.Write(prefix2, back);
        Assert.Equal(File.ReadAllBytes(prefix + ".bed"), File.ReadAllBytes(prefix2 + ".bed"));
    }

    [Fact]
    public void Individual_major_mode_is_rejected()
    {
        string prefix = KinshipTestData.TempPrefix("imaj");
        File.WriteAllBytes(prefix + ".bed", [0x6C, 0x1B, 0x00, 0x00]);
        WriteTextFiles(prefix, 4, 1);
        var ex = Assert.Throws<GpuHbmDataException>(() => PlinkBedReader.Read(prefix));
        Assert.Contains("individual-major", ex.Message);
    }

    [Fact]
    public void Truncated_bed_is_an_error_with_counts()
    {
        string prefix = KinshipTestData.TempPrefix("short");
        File.WriteAllBytes(prefix + ".bed", [0x6C, 0x1B, 0x01, 0x00]);
        WriteTextFiles(prefix, 5, 2);
        var ex = Assert.Throws<GpuHbmDataException>(() => PlinkBedReader.Read(prefix));
        Assert.Contains("5 individuals", ex.Message);
        Assert.Contains("2 SNPs", ex.Message);
    }
}
