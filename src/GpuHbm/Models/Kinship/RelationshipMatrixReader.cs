namespace GpuHbm.Models.Kinship;

/// <summary>
/// One entry point for <c>gr(id, cov = PATH)</c>: reads a relationship matrix from whichever
/// format PATH names.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>PATH ending in .csv: <see cref="RelationshipCsvReader"/> (id header, one row per id).</item>
/// <item>PATH ending in .grm.bin, .grm.id or .grm.N.bin, or a PREFIX with PREFIX.grm.bin: <see cref="GrmReader"/> (GCTA binary).</item>
/// <item>PATH ending in .bed, .bim or .fam, or a PREFIX with PREFIX.bed: PLINK genotypes, turned into
/// the GCTA GRM by <see cref="GeneticRelationshipMatrix"/> (ids = IIDs).</item>
/// </list>
/// </remarks>
public static class RelationshipMatrixReader
{
    /// <param name="path">The file (or PREFIX) to read.</param>
    /// <param name="psdTolerance">Relative PSD tolerance; null = the format's default (1e-6 for CSV,
    /// <see cref="GrmReader.DefaultPsdTolerance"/> for GCTA files, the diagonal-shift bound for genotypes).</param>
    /// <param name="gramDevice">When given, a GRM computed from PLINK genotypes runs its Gram product on it
    /// (<see cref="GeneticRelationshipMatrix.Compute(PlinkGenotypes, double?, int, IGramDevice?)"/>); other formats ignore it.</param>
    public static RelationshipMatrix Read(string path, double? psdTolerance = null, IGramDevice? gramDevice = null)
    {
        var matrix = ReadCore(path, psdTolerance, gramDevice);
        matrix.ReadFrom = Path.GetFullPath(path);
        return matrix;
    }

    /// <summary>
    /// The files <see cref="Read"/> takes the matrix from: the .csv file; PREFIX.grm.id and PREFIX.grm.bin;
    /// or PREFIX.bed, PREFIX.bim and PREFIX.fam. Those that do not exist are listed too (callers check).
    /// </summary>
    public static IReadOnlyList<string> SourceFiles(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase)) return [path];
        if (!IsGenotypes(path))
        {
            string prefix = GrmPaths.Prefix(path);
            return [prefix + ".grm.id", prefix + ".grm.bin"];
        }
        string p = PlinkBedReader.Prefix(path);
        return [p + ".bed", p + ".bim", p + ".fam"];
    }

    private static RelationshipMatrix ReadCore(string path, double? psdTolerance, IGramDevice? gramDevice)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase)) return RelationshipCsvReader.Read(path, psdTolerance ?? RelationshipMatrix.DefaultPsdTolerance);
        if (path.EndsWith(".grm.bin", StringComparison.Ordinal) || path.EndsWith(".grm.id", StringComparison.Ordinal)
            || path.EndsWith(".grm.N.bin", StringComparison.Ordinal) || File.Exists(path + ".grm.bin"))
            return GrmReader.Read(path, psdTolerance ?? GrmReader.DefaultPsdTolerance);
        if (IsGenotypes(path))
            return GeneticRelationshipMatrix.Compute(PlinkBedReader.Read(path), psdTolerance, gramDevice: gramDevice).Matrix;
        throw new GpuHbmDataException(
            $"the relationship matrix '{path}' is not a .csv file, a GCTA GRM (PREFIX.grm.bin + PREFIX.grm.id) or PLINK genotypes (PREFIX.bed/.bim/.fam)");
    }

    /// <summary>Whether <paramref name="path"/> names PLINK genotypes (so that <see cref="Read"/> computes a GRM), as opposed to a stored matrix.</summary>
    public static bool IsGenotypes(string path)
    {
        if (path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase)) return false;
        if (path.EndsWith(".grm.bin", StringComparison.Ordinal) || path.EndsWith(".grm.id", StringComparison.Ordinal)
            || path.EndsWith(".grm.N.bin", StringComparison.Ordinal) || File.Exists(path + ".grm.bin")) return false;
        return path.EndsWith(".bed", StringComparison.Ordinal) || path.EndsWith(".bim", StringComparison.Ordinal)
            || path.EndsWith(".fam", StringComparison.Ordinal) || File.Exists(path + ".bed");
    }
}
