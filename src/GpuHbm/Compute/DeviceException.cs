namespace GpuHbm.Compute;

/// <summary>
/// A device API call failed, a kernel did not compile, or a device ran out of memory.
/// </summary>
/// <remarks>
/// Fields: <see cref="ApiError"/> is the native error's name (CL_OUT_OF_RESOURCES,
/// CUDA_ERROR_ILLEGAL_ADDRESS, NVRTC_ERROR_COMPILATION), or null when GpuHbm itself refused;
/// <see cref="BuildLog"/> is the compiler's full log for compile failures; <see cref="RequestedBytes"/>
/// is the size of a failed allocation. The message always includes the device and the operation.
/// </remarks>
public class DeviceException : GpuHbmException
{
    /// <summary>The native error name, or null.</summary>
    public string? ApiError { get; }

    /// <summary>The full compiler log when a kernel failed to compile, else null.</summary>
    public string? BuildLog { get; }

    /// <summary>The bytes requested when an allocation failed, else null.</summary>
    public long? RequestedBytes { get; }

    public DeviceException(string message, string? apiError = null, string? buildLog = null, long? requestedBytes = null)
        : base(message)
    {
        ApiError = apiError;
        BuildLog = buildLog;
        RequestedBytes = requestedBytes;
    }

    public DeviceException(string message, Exception inner) : base(message, inner) { }

    /// <summary>A failed allocation, with the requested size in the message.</summary>
    internal static DeviceException OutOfMemory(DeviceInfo device, long bytes, string? apiError, string? detail = null) =>
        new($"Allocating {FormatBytes(bytes)} ({bytes} bytes) on {device.Describe()} failed"
            + (apiError is null ? "" : $": {apiError}") + (detail is null ? "." : $" ({detail})."),
            apiError, requestedBytes: bytes);

    internal static string FormatBytes(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.##} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.##} MiB",
        >= 1L << 10 => $"{bytes / 1024.0:0.##} KiB",
        _ => $"{bytes} B",
    };
}
