namespace GpuHbm.Compute;

/// <summary>
/// One device found by <see cref="DeviceCatalog.Enumerate"/>: what it is and what it can do.
/// Pass it to <see cref="Accelerator.Create"/> to use it.
/// </summary>
/// <param name="Backend">The API the device is reached through.</param>
/// <param name="Index">0-based position among this backend's devices (CUDA ordinal; OpenCL devices counted across platforms).</param>
/// <param name="Name">The device's own name.</param>
/// <param name="Vendor">The vendor (OpenCL: device vendor; CUDA: NVIDIA).</param>
/// <param name="GlobalMemoryBytes">Device memory.</param>
/// <param name="SupportsFp64">Whether the device computes in double precision (GpuHbm's default).</param>
/// <param name="Version">OpenCL: the device's OpenCL C version; CUDA: "compute capability X.Y"; CPU: the .NET version.</param>
/// <param name="ComputeCapability">CUDA: (major, minor), e.g. (9, 0) for sm_90; null elsewhere.</param>
/// <param name="MaxGroupSize">The largest work-group (thread block) a kernel may be launched with.</param>
/// <param name="ComputeUnits">OpenCL compute units, CUDA multiprocessors, or CPU cores.</param>
/// <param name="MaxLocalMemoryBytes">Local (shared) memory one group may use.</param>
/// <param name="MaxAllocationBytes">The largest single buffer.</param>
/// <param name="DriverVersion">Driver (OpenCL) or CUDA driver version string.</param>
/// <param name="Platform">OpenCL platform name; the CUDA driver; null for the CPU.</param>
public sealed record DeviceInfo(
    BackendKind Backend,
    int Index,
    string Name,
    string Vendor,
    long GlobalMemoryBytes,
    bool SupportsFp64,
    string Version,
    (int Major, int Minor)? ComputeCapability,
    int MaxGroupSize,
    int ComputeUnits,
    long MaxLocalMemoryBytes,
    long MaxAllocationBytes,
    string DriverVersion,
    string? Platform)
{
    /// <summary>"GPU", "CPU", "accelerator" (OpenCL's CL_DEVICE_TYPE; always "GPU" for CUDA, "CPU" for the CPU backends).</summary>
    public string DeviceType { get; init; } = "unknown";

    /// <summary>
    /// Why GpuHbm cannot run kernels on this device although it is listed (e.g. an OpenCL driver without the
    /// generic address space that ILGPU's OpenCL backend needs, or no fp64), or null when it can.
    /// </summary>
    public string? Unsupported { get; init; }

    /// <summary>Whether GpuHbm's kernels can run on the device (fp64 and everything the backend needs).</summary>
    public bool IsUsable => Unsupported is null;

    /// <summary>Whether this is a GPU (CUDA, or an OpenCL device of type GPU), as opposed to a CPU OpenCL driver such as PoCL.</summary>
    public bool IsGpu => DeviceType == "GPU";

    /// <summary>A stable key for caches: backend, index and name.</summary>
    public string Key => $"{Backend}:{Index}:{Name}";

    /// <summary>"OpenCL device 0 'gfx90a' (AMD Accelerated Parallel Processing)": for messages.</summary>
    public string Describe() => Backend switch
    {
        BackendKind.Cpu => $"the managed CPU backend ({ComputeUnits} cores)",
        BackendKind.CpuAccelerator => $"ILGPU's CPU accelerator (groups of {MaxGroupSize} threads)",
        BackendKind.OpenCl => $"OpenCL device {Index} '{Name}' ({Platform})",
        _ => $"CUDA device {Index} '{Name}' (sm_{ComputeCapability?.Major}{ComputeCapability?.Minor})",
    };
}
