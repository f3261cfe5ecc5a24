using System.Globalization;

namespace GpuHbm.Models.Kinship;

/// <summary>
/// Reads PLINK 1 binary genotypes: PREFIX.bed (magic bytes 0x6C 0x1B, then 0x01 for SNP-major
/// mode, then ⌈N/4⌉ bytes per SNP), PREFIX.fam (FID IID father mother sex phenotype; N lines) and
/// PREFIX.bim (chromosome id cM position A1 A2; M lines). See the PLINK 1.9 file-format
/// documentation (https://www.cog-genomics.org/plink/1.9/formats#bed). Individual-major files
/// (third byte 0x00, PLINK before 1.0) are rejected.
/// </summary>
public static class PlinkBedReader
{
    public static PlinkGenotypes Read(string prefix)
    {
        prefix = Prefix(prefix);
        string bed = prefix + ".bed", bim = prefix + ".bim", fam = prefix + ".fam";
        foreach (var p in new[] { bed, bim, fam })
            if (!File.Exists(p)) throw new GpuHbmDataException($"the PLINK file '{p}' does not exist");

        var samples = ReadFam(fam);
        var snps = ReadBim(bim);
        int bytesPerSnp = (samples.Count + 3) / 4;
        long expected = 3 + (long)bytesPerSnp * snps.Count;
        using var stream = File.OpenRead(bed);
        Span<byte> magic = stackalloc byte[3];
        if (stream.Length < 3 || stream.Read(magic) != 3 || magic[0] != 0x6C || magic[1] != 0x1B)
            throw new GpuHbmDataException($"'{bed}' is not a PLINK 1 .bed file (its first two bytes are not 0x6C 0x1B)");
        if (magic[2] != 0x01)
            throw new GpuHbmDataException($"'{bed}' is in individual-major mode (third byte 0x{magic[2]:X2}); re-save it with PLINK 1.9 --make-bed for SNP-major mode");
        if (stream.Length != expected)
            throw new GpuHbmDataException(
                $"'{bed}' has {stream.Length} bytes but {samples.Count} individuals in '{fam}' and {snps.Count} SNPs in '{bim}' need {expected}");
        var packed = new byte[expected - 3];
        stream.ReadExactly(packed);
        return new PlinkGenotypes(samples, snps, packed, bed);
    }

    internal static string Prefix(string path)
    {
        foreach (var suffix in new[] { ".bed", ".bim", ".fam" })
            if (path.EndsWith(suffix, StringComparison.Ordinal)) return path[..^suffix.Length];
        return path;
    }

    private static List<PlinkSample> ReadFam(string path)
    {
        var samples = ReadColumns(path, ".fam", "FID IID father mother sex phenotype", c =>
            new PlinkSample(c[0], c[1], c[2], c[3], int.TryParse(c[4], NumberStyles.Integer, CultureInfo.InvariantCulture, out int s) ? s : 0, c[5]));
        if (samples.Count == 0) throw new GpuHbmDataException($"the PLINK file '{path}' lists no individuals");
        return samples;
    }

    private static List<PlinkSnp> ReadBim(string path) =>
        ReadColumns(path, ".bim", "chromosome id cM position A1 A2", c => new PlinkSnp(c[0], c[1],
            double.TryParse(c[2], NumberStyles.Float, CultureInfo.InvariantCulture, out double cm) ? cm : 0,
            long.TryParse(c[3], NumberStyles.Integer, CultureInfo.InvariantCulture, out long bp) ? bp : 0, c[4], c[5]));

    /// <summary>Reads a whitespace-separated PLINK text file whose lines have at least 6 columns, skipping blank lines.</summary>
    private static List<T> ReadColumns<T>(string path, string kind, string columns, Func<string[], T> parse)
    {
        var result = new List<T>();
        int lineNo = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            var c = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (c.Length < 6)
                throw new GpuHbmDataException($"line {lineNo} of the PLINK file '{path}' has {c.Length} columns but a {kind} line needs 6 ({columns})");
            result.Add(parse(c));
        }
        return result;
    }
}
