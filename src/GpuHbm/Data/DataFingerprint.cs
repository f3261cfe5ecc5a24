using System.Security.Cryptography;
using System.Text;

namespace GpuHbm.Data;

/// <summary>
/// SHA-256 fingerprints that tie a saved fit to the data it was made from: of a file's bytes, and of
/// a table's content (column names and the text of every cell) for tables built in memory.
/// </summary>
/// <remarks>
/// The draws of a fit belong to the data as it was; <c>Fit.Load</c> recomputes these and refuses
/// data that differ, rather than predicting or computing LOO from draws of another data set.
/// </remarks>
public static class DataFingerprint
{
    /// <summary>Lower-case hex SHA-256 of the file's bytes.</summary>
    public static string FileSha256(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>
    /// Lower-case hex SHA-256 of the table's content: for each column in order its name, then each
    /// cell (missing cells distinguished from every text), each item length-prefixed so that no two
    /// different tables give the same byte stream.
    /// </summary>
    public static string ContentSha256(DataTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var length = new byte[4];
        void Add(string? text)
        {
            if (text is null)
            {
                BitConverter.TryWriteBytes(length, -1);
                hash.AppendData(length);
                return;
            }
            var bytes = Encoding.UTF8.GetBytes(text);
            BitConverter.TryWriteBytes(length, bytes.Length);
            hash.AppendData(length);
            hash.AppendData(bytes);
        }
        Add(table.Columns.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (var column in table.Columns)
        {
            Add(column.Name);
            foreach (var cell in column.Raw) Add(cell);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
