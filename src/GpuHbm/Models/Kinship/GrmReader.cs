using System.Buffers.Binary;

namespace GpuHbm.Models.Kinship;

/// <summary>
/// Reads a GCTA binary genetic relationship matrix (Yang et al. 2011, AJHG 88:76; the files
/// <c>--make-grm</c> writes): <c>PREFIX.grm.bin</c> holds the lower triangle including the diagonal
/// as little-endian float32, row by row (for i in 0..N-1, for j in 0..i), and <c>PREFIX.grm.id</c>
/// has one "FID IID" line per individual in the same order.
/// </summary>
/// <remarks>
/// The id of each individual is its IID (the second column): data sets match individuals by one
/// id column, and IIDs are unique in GCTA's usual use. Duplicate IIDs (the same IID in two
/// families) are an error. <c>PREFIX.grm.N.bin</c> (SNP counts per pair) is not needed and not read.
/// <para>
/// PSD tolerance: a GCTA GRM is slightly indefinite by construction (its eq. 3 diagonal is not the
/// Gram diagonal; see <see cref="GeneticRelationshipMatrix"/>), by about the variance of that
/// diagonal shift, O(1/M) (simulated: λmin/λmax = −1.7e-4 at N = 500, M = 2000; −7.7e-3 at N = 16,
/// M = 400). So GRM files are checked to <see cref="DefaultPsdTolerance"/> = 2e-2·max|λ| rather than
/// the 1e-6 of other matrices (enough to reject a matrix that is not a relationship matrix at all,
/// e.g. λmin = −λmax for [[1,2],[2,1]]), plus √N·2⁻²⁴ for the float32 rounding (‖E‖₂ ≤ ‖E‖_F ≤ 2⁻²⁴‖K‖_F ≤ 2⁻²⁴√N‖K‖₂).
/// </para>
/// </remarks>
public static class GrmReader
{
    /// <summary>Relative PSD tolerance for GCTA GRM files (before the float32 allowance).</summary>
    public const double DefaultPsdTolerance = 2e-2;

    /// <summary>Reads PREFIX.grm.bin and PREFIX.grm.id; a path ending in .grm.bin or .grm.id is accepted too.</summary>
    /// <param name="prefix">PREFIX, or a path to one of the files.</param>
    /// <param name="psdTolerance">Relative PSD tolerance; negative skips the check.</param>
    public static RelationshipMatrix Read(string prefix, double psdTolerance = DefaultPsdTolerance)
    {
        prefix = GrmPaths.Prefix(prefix);
        string idPath = prefix + ".grm.id", binPath = prefix + ".grm.bin";
        if (!File.Exists(idPath)) throw new GpuHbmDataException($"the GCTA id file '{idPath}' does not exist");
        if (!File.Exists(binPath)) throw new GpuHbmDataException($"the GCTA matrix file '{binPath}' does not exist");

        var ids = new List<string>();
        int lineNo = 0;
        foreach (var line in File.ReadLines(idPath))
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            var cells = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (cells.Length < 2)
                throw new GpuHbmDataException($"line {lineNo} of the GCTA id file '{idPath}' has {cells.Length} column(s) but needs two (FID IID)");
            ids.Add(cells[1]);
        }
        int n = ids.Count;
        if (n == 0) throw new GpuHbmDataException($"the GCTA id file '{idPath}' lists no individuals");

        long expected = (long)n * (n + 1) / 2 * sizeof(float);
        long length = new FileInfo(binPath).Length;
        if (length != expected)
            throw new GpuHbmDataException(
                $"the GCTA matrix file '{binPath}' has {length} bytes but {n} individuals in '{idPath}' need {expected} (N(N+1)/2 float32 values)");

        var values = new double[(long)n * n];
        var buffer = new byte[sizeof(float) * n];
        using (var stream = File.OpenRead(binPath))
        {
            for (int i = 0; i < n; i++)
            {
                int bytes = sizeof(float) * (i + 1);
                stream.ReadExactly(buffer, 0, bytes);
                for (int j = 0; j <= i; j++)
                {
                    double v = BinaryPrimitives.ReadSingleLittleEndian(buffer.AsSpan(sizeof(float) * j));
                    values[(long)i * n + j] = v;
                    values[(long)j * n + i] = v;
                }
            }
        }
        double tolerance = psdTolerance < 0 ? psdTolerance : psdTolerance + Math.Sqrt(n) * Math.Pow(2, -24);
        return new RelationshipMatrix(ids, values, binPath, psdTolerance: tolerance);
    }
}

/// <summary>Path conventions of GCTA's GRM files.</summary>
internal static class GrmPaths
{
    public static string Prefix(string path)
    {
        foreach (var suffix in new[] { ".grm.bin", ".grm.id", ".grm.N.bin" })
            if (path.EndsWith(suffix, StringComparison.Ordinal)) return path[..^suffix.Length];
        return path;
    }
}
