using System.Globalization;

namespace GpuHbm;

/// <summary>What this process may allocate, and byte counts as people read them.</summary>
public static class MachineMemory
{
    /// <summary>
    /// Bytes the process can use: the runtime's view of physical memory or of the container's limit
    /// (GC's TotalAvailableMemoryBytes). <c>GPUHBM_MEMORY_LIMIT</c> (bytes) lowers it, for tests and shared machines.
    /// </summary>
    public static long AvailableBytes
    {
        get
        {
            long total = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
            if (total <= 0) total = long.MaxValue;
            if (long.TryParse(Environment.GetEnvironmentVariable("GPUHBM_MEMORY_LIMIT"), NumberStyles.Integer, CultureInfo.InvariantCulture, out long limit) && limit > 0)
                total = Math.Min(total, limit);
            return total;
        }
    }

    /// <summary>1536 bytes → "1.5 KiB"; binary units (KiB … EiB), three significant figures.</summary>
    public static string Format(double bytes)
    {
        string[] units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
        int u = 0;
        while (bytes >= 1024 && u < units.Length - 1) { bytes /= 1024; u++; }
        return u == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{bytes:0} bytes")
            : string.Create(CultureInfo.InvariantCulture, $"{bytes:G3} {units[u]}");
    }
}
