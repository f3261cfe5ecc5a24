using System.Globalization;

namespace GpuHbm.Models.Kinship;

/// <summary>Writes PLINK 1 binary genotypes (SNP-major .bed, .bim, .fam) that <see cref="PlinkBedReader"/> and PLINK read.</summary>
public static class PlinkBedWriter
{
    /// <summary>The .bed magic: 0x6C 0x1B, then 0x01 = SNP-major.</summary>
    internal static ReadOnlySpan<byte> Magic => [0x6C, 0x1B, 0x01];

    public static void Write(string prefix, PlinkGenotypes genotypes)
    {
        prefix = PlinkBedReader.Prefix(prefix);
        using (var stream = File.Create(prefix + ".bed"))
        {
            stream.Write(Magic);
            stream.Write(genotypes.Packed);
        }
        var inv = CultureInfo.InvariantCulture;
        using (var w = new StreamWriter(prefix + ".fam"))
        {
            w.NewLine = "\n";
            foreach (var s in genotypes.Samples)
                w.WriteLine($"{s.FamilyId} {s.IndividualId} {s.FatherId} {s.MotherId} {s.Sex.ToString(inv)} {s.Phenotype}");
        }
        using (var w = new StreamWriter(prefix + ".bim"))
        {
            w.NewLine = "\n";
            foreach (var s in genotypes.Snps)
                w.WriteLine($"{s.Chromosome}\t{s.Id}\t{s.Centimorgans.ToString("R", inv)}\t{s.Position.ToString(inv)}\t{s.Allele1}\t{s.Allele2}");
        }
    }
}
