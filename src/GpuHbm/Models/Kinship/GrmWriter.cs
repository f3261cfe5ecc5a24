using System.Buffers.Binary;

namespace GpuHbm.Models.Kinship;

/// <summary>
/// Writes a relationship matrix in GCTA's binary GRM format (see <see cref="GrmReader"/>):
/// PREFIX.grm.bin (float32 lower triangle with diagonal, row by row) and PREFIX.grm.id ("FID IID").
/// </summary>
public static class GrmWriter
{
    /// <param name="prefix">PREFIX of PREFIX.grm.bin / PREFIX.grm.id.</param>
    /// <param name="k">The matrix; its ids are written as IIDs.</param>
    /// <param name="familyIds">FID per individual; by default each individual's FID is its IID.</param>
    /// <param name="snpCount">When given, PREFIX.grm.N.bin is written too with this count for every pair
    /// (GCTA records the number of SNPs used per pair there).</param>
    public static void Write(string prefix, RelationshipMatrix k, IReadOnlyList<string>? familyIds = null, float? snpCount = null)
    {
        prefix = GrmPaths.Prefix(prefix);
        int n = k.Count;
        if (familyIds is not null && familyIds.Count != n)
            throw new ArgumentException($"{familyIds.Count} family ids for {n} individuals", nameof(familyIds));

        using (var w = new StreamWriter(prefix + ".grm.id"))
        {
            w.NewLine = "\n";
            for (int i = 0; i < n; i++) w.WriteLine($"{familyIds?[i] ?? k.Ids[i]}\t{k.Ids[i]}");
        }

        var buffer = new byte[sizeof(float) * n];
        using (var stream = File.Create(prefix + ".grm.bin"))
        {
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j <= i; j++)
                    BinaryPrimitives.WriteSingleLittleEndian(buffer.AsSpan(sizeof(float) * j), (float)k[i, j]);
                stream.Write(buffer, 0, sizeof(float) * (i + 1));
            }
        }

        if (snpCount is float count)
        {
            using var stream = File.Create(prefix + ".grm.N.bin");
            for (int j = 0; j < n; j++) BinaryPrimitives.WriteSingleLittleEndian(buffer.AsSpan(sizeof(float) * j), count);
            for (int i = 0; i < n; i++) stream.Write(buffer, 0, sizeof(float) * (i + 1));
        }
    }
}
