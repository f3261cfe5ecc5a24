namespace GpuHbm.Models.Kinship;

/// <summary>One line of a PLINK .fam file.</summary>
public sealed record PlinkSample(string FamilyId, string IndividualId, string FatherId = "0", string MotherId = "0", int Sex = 0, string Phenotype = "-9");

/// <summary>One line of a PLINK .bim file; A1 is the allele whose copies are counted.</summary>
public sealed record PlinkSnp(string Chromosome, string Id, double Centimorgans, long Position, string Allele1, string Allele2);

/// <summary>
/// Genotypes of N individuals at M SNPs, kept in PLINK 1 .bed SNP-major packing (⌈N/4⌉ bytes per
/// SNP, four individuals per byte, lowest bits first). Each genotype is a 2-bit code:
/// 00 homozygous A1, 01 missing, 10 heterozygous, 11 homozygous A2. As PLINK and GCTA do, the
/// dosage is the number of A1 alleles: 2, missing (-1), 1, 0.
/// </summary>
public sealed class PlinkGenotypes
{
    /// <summary>Dosage (A1 count) of each 2-bit code 0..3; -1 = missing.</summary>
    internal static ReadOnlySpan<sbyte> DosageOfCode => [2, -1, 1, 0];

    private readonly byte[] _packed;

    public IReadOnlyList<PlinkSample> Samples { get; }
    public IReadOnlyList<PlinkSnp> Snps { get; }

    /// <summary>Number of individuals N.</summary>
    public int IndividualCount => Samples.Count;

    /// <summary>Number of SNPs M.</summary>
    public int SnpCount => Snps.Count;

    /// <summary>Bytes per SNP in the packing, ⌈N/4⌉.</summary>
    public int BytesPerSnp { get; }

    /// <summary>IIDs in .fam order (the ids a relationship matrix built from these genotypes uses).</summary>
    public IReadOnlyList<string> IndividualIds => Samples.Select(s => s.IndividualId).ToArray();

    /// <summary>Where the genotypes came from, for messages.</summary>
    public string Source { get; }

    /// <summary>The packed .bed body (without the 3-byte header): SNP s at [s*BytesPerSnp, (s+1)*BytesPerSnp).</summary>
    public ReadOnlySpan<byte> Packed => _packed;

    internal PlinkGenotypes(IReadOnlyList<PlinkSample> samples, IReadOnlyList<PlinkSnp> snps, byte[] packed, string source)
    {
        Samples = samples;
        Snps = snps;
        Source = source;
        BytesPerSnp = (samples.Count + 3) / 4;
        if (packed.Length != (long)BytesPerSnp * snps.Count)
            throw new ArgumentException($"{packed.Length} packed bytes for {snps.Count} SNPs × {BytesPerSnp} bytes", nameof(packed));
        _packed = packed;
    }

    /// <summary>
    /// Builds genotypes from dosages, SNP-major: <paramref name="dosages"/>[s*N + i] is individual
    /// i's A1 count (0, 1, 2) at SNP s, or -1 when missing.
    /// </summary>
    public static PlinkGenotypes FromDosages(IReadOnlyList<PlinkSample> samples, IReadOnlyList<PlinkSnp> snps, ReadOnlySpan<sbyte> dosages, string source = "genotypes")
    {
        int n = samples.Count, m = snps.Count, bytes = (n + 3) / 4;
        if (dosages.Length != (long)n * m)
            throw new ArgumentException($"{dosages.Length} dosages for {n} individuals × {m} SNPs", nameof(dosages));
        var packed = new byte[(long)bytes * m];
        for (int s = 0; s < m; s++)
        {
            for (int i = 0; i < n; i++)
            {
                int code = dosages[s * n + i] switch
                {
                    2 => 0b00,
                    -1 => 0b01,
                    1 => 0b10,
                    0 => 0b11,
                    var d => throw new ArgumentException($"dosage {d} of individual {i} at SNP {s} is not 0, 1, 2 or -1", nameof(dosages)),
                };
                packed[(long)s * bytes + i / 4] |= (byte)(code << (2 * (i % 4)));
            }
        }
        return new PlinkGenotypes(samples, snps, packed, source);
    }

    /// <summary>Decodes SNP <paramref name="snp"/> into <paramref name="dosages"/> (length N): A1 counts, -1 missing.</summary>
    public void GetDosages(int snp, Span<sbyte> dosages)
    {
        int n = IndividualCount;
        if (dosages.Length < n) throw new ArgumentException("the span is shorter than the number of individuals", nameof(dosages));
        var bytes = _packed.AsSpan(snp * BytesPerSnp, BytesPerSnp);
        var table = DosageOfCode;
        for (int i = 0; i < n; i++) dosages[i] = table[(bytes[i >> 2] >> (2 * (i & 3))) & 3];
    }

    /// <summary>All dosages, SNP-major (M×N), -1 for missing.</summary>
    public sbyte[] ToDosages()
    {
        var d = new sbyte[(long)IndividualCount * SnpCount];
        for (int s = 0; s < SnpCount; s++) GetDosages(s, d.AsSpan(s * IndividualCount, IndividualCount));
        return d;
    }
}
