using System.Security.Cryptography;
using GpuHbm.Data;
using GpuHbm.Models.Kinship;

namespace GpuHbm.Results;

/// <summary>A file and the SHA-256 of its bytes (lower-case hex).</summary>
public sealed record FileChecksum(string Path, string Sha256);

/// <summary>
/// Where a relationship matrix of a fit came from: its name in the formula, the path given to
/// <see cref="RelationshipMatrixReader.Read"/> and the checksums of the files read; for a matrix built
/// in memory, <see cref="ContentSha256"/> of its ids and values instead.
/// </summary>
public sealed record RelationshipMatrixProvenance(string Name, string? Path, IReadOnlyList<FileChecksum> Files, string? ContentSha256);

/// <summary>
/// What a saved fit needs to be rebuilt and to prove that the data are the same: the data file's full
/// path and SHA-256 (or, for a table built in memory, the SHA-256 of its content), and the same for each
/// relationship matrix. Recorded in fit.json by <see cref="FitWriter"/>, checked by <see cref="Fit.Load(string, FitLoadOptions?)"/>.
/// </summary>
public sealed record FitProvenance(string? DataPath, string? DataSha256, string? DataContentSha256,
    IReadOnlyList<RelationshipMatrixProvenance> RelationshipMatrices)
{
    /// <summary>How the data file was read (delimiter, decimal mark, missing-value markers, encoding), so that it is read again the same way.</summary>
    public CsvFormat? DataFormat { get; init; }

    /// <summary>Fingerprints of the table given to the fit (before any rows were dropped) and of the options' matrices.</summary>
    public static FitProvenance Of(DataTable data, FitOptions options)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        string? path = data.FilePath is { } f && File.Exists(f) ? f : null;
        var matrices = options.RelationshipMatrices.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => Of(kv.Key, kv.Value)).ToArray();
        return path is not null
            ? new FitProvenance(path, DataFingerprint.FileSha256(path), null, matrices) { DataFormat = data.Format }
            : new FitProvenance(null, null, DataFingerprint.ContentSha256(data), matrices);
    }

    private static RelationshipMatrixProvenance Of(string name, RelationshipMatrix matrix)
    {
        if (matrix.ReadFrom is { } path)
        {
            var files = RelationshipMatrixReader.SourceFiles(path).Where(File.Exists)
                .Select(f => new FileChecksum(System.IO.Path.GetFullPath(f), DataFingerprint.FileSha256(f))).ToArray();
            if (files.Length > 0) return new RelationshipMatrixProvenance(name, path, files, null);
        }
        return new RelationshipMatrixProvenance(name, null, [], ContentSha256(matrix));
    }

    /// <summary>SHA-256 of a matrix's ids (UTF-8, length-prefixed) and values (IEEE 754 bits, little-endian).</summary>
    internal static string ContentSha256(RelationshipMatrix matrix)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> word = stackalloc byte[8];
        foreach (var id in matrix.Ids)
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(id);
            BitConverter.TryWriteBytes(word, (long)bytes.Length);
            hash.AppendData(word);
            hash.AppendData(bytes);
        }
        foreach (var v in matrix.Values)
        {
            BitConverter.TryWriteBytes(word, v);
            hash.AppendData(word);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
