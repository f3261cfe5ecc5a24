namespace GpuHbm.Compute;

/// <summary>
/// A device failed, a kernel did not compile for it, or it ran out of memory.
/// </summary>
/// <remarks>
/// Fields: <see cref="ApiError"/> is the native error's name (CUDA_ERROR_OUT_OF_MEMORY, CL_OUT_OF_RESOURCES,
/// CUSOLVER_STATUS_...), or null when GpuHbm itself refused; <see cref="RequestedBytes"/> is the size of a
/// failed allocation. The message always names the device and the operation.
/// </remarks>
public class DeviceException : GpuHbmException
{
    /// <summary>The native error name, or null.</summary>
    public string? ApiError { get; }

    /// <summary>The bytes requested when an allocation failed, else null.</summary>
    public long? RequestedBytes { get; }

    public DeviceException(string message, string? apiError = null, long? requestedBytes = null, Exception? inner = null)
        : base(message, inner!)
    {
        ApiError = apiError;
        RequestedBytes = requestedBytes;
    }

    public DeviceException(string message, Exception inner) : base(message, inner) { }

    /// <summary>A failed allocation, with the requested size in the message.</summary>
    internal static DeviceException OutOfMemory(DeviceInfo device, long bytes, string? apiError, string? detail = null) =>
        new($"Allocating {FormatBytes(bytes)} ({bytes} bytes) on {device.Describe()} failed"
            + (apiError is null ? "" : $": {apiError}") + (detail is null ? "." : $" ({detail})."),
            apiError, bytes);

    internal static string FormatBytes(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.##} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.##} MiB",
        >= 1L << 10 => $"{bytes / 1024.0:0.##} KiB",
        _ => $"{bytes} B",
    };
}
