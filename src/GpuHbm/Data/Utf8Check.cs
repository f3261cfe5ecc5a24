using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Unicode;

namespace GpuHbm.Data;

/// <summary>Finds the first byte of a file that is not UTF-8, for an error that names its offset and line.</summary>
internal static class Utf8Check
{
    /// <summary>The first invalid byte: its 0-based offset, value and 1-based line; null when the file is valid UTF-8.</summary>
    public static (long Offset, byte Value, long Line)? FirstInvalidByte(string path)
    {
        using var stream = File.OpenRead(path);
        var bytes = ArrayPool<byte>.Shared.Rent(1 << 16);
        var chars = ArrayPool<char>.Shared.Rent(1 << 16);
        try
        {
            long consumedBefore = 0, lines = 1;
            int carried = 0;
            while (true)
            {
                int read = stream.Read(bytes, carried, (1 << 16) - carried);
                int available = carried + read;
                bool final = read == 0;
                var span = bytes.AsSpan(0, available);
                int skip = consumedBefore == 0 && span.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;
                var status = Utf8.ToUtf16(span[skip..], chars, out int bytesRead, out _, replaceInvalidSequences: false, isFinalBlock: final);
                bytesRead += skip;
                lines += span[..bytesRead].Count((byte)'\n');
                if (status == OperationStatus.InvalidData)
                    return (consumedBefore + bytesRead, span[bytesRead], lines);
                if (status == OperationStatus.NeedMoreData && final)
                    return (consumedBefore + bytesRead, span[bytesRead], lines);
                if (final) return null;
                // Keep an incomplete sequence at the end for the next block.
                carried = available - bytesRead;
                span[bytesRead..].CopyTo(bytes);
                consumedBefore += bytesRead;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
            ArrayPool<char>.Shared.Return(chars);
        }
    }

    /// <summary>The error message for a file that failed to decode as UTF-8.</summary>
    public static string Describe(string path)
    {
        var bad = FirstInvalidByte(path);
        if (bad is not { } b)
            return $"data file '{path}' could not be decoded as UTF-8; save it as UTF-8, or pass --encoding latin1";
        string hint = b.Value >= 0x80 && b.Value <= 0xFF
            ? $"'{Encoding.Latin1.GetString([b.Value])}' in Latin-1 / Windows-1252, so the file was probably saved in one of those"
            : "not a character in any common encoding";
        return string.Create(CultureInfo.InvariantCulture,
            $"data file '{path}' is not UTF-8: byte 0x{b.Value:X2} at byte offset {b.Offset} (line {b.Line}) is {hint}; save the file as UTF-8, or pass --encoding latin1 (CsvReadOptions.Encoding = Encoding.Latin1)");
    }
}
