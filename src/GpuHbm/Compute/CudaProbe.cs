using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime.Cuda;

namespace GpuHbm.Compute;

/// <summary>
/// Lists CUDA devices through ILGPU, or says why there are none. ILGPU's own discovery swallows driver errors,
/// so the probe first checks that the driver library loads and asks the driver for its device count itself.
/// </summary>
internal static class CudaProbe
{
    private static string DriverLibrary =>
        OperatingSystem.IsWindows() ? "nvcuda.dll" : "libcuda.so.1";

    /// <summary>Appends the CUDA devices to <paramref name="devices"/> and returns the backend status.</summary>
    public static BackendStatus Probe(List<DeviceInfo> devices)
    {
        if (!NativeLibrary.TryLoad(DriverLibrary, out var handle))
            return BackendStatus.Unavailable(BackendKind.Cuda, $"{DriverLibrary} was not found (no NVIDIA driver is installed)");
        NativeLibrary.Free(handle);
        try
        {
            var api = CudaAPI.CurrentAPI;
            var rc = api.GetDeviceCount(out int count);
            if (rc != CudaError.CUDA_SUCCESS)
                return BackendStatus.Unavailable(BackendKind.Cuda, $"the NVIDIA driver ({DriverLibrary}) reports {rc} when asked for its devices");
            if (count == 0)
                return BackendStatus.Unavailable(BackendKind.Cuda, "the NVIDIA driver reports no CUDA device");
            api.GetDriverVersion(out var driver);
            using var context = Context.Create(b => b.Cuda());
            var found = context.GetCudaDevices();
            if (found.Count == 0)
                return BackendStatus.Unavailable(BackendKind.Cuda, $"the driver reports {count} device(s) but ILGPU could not open any");
            int usable = 0;
            for (int i = 0; i < found.Count; i++)
            {
                var info = Describe(found[i], i, driver);
                if (info.IsUsable) usable++;
                devices.Add(info);
            }
            string summary = $"{found.Count} device(s), CUDA driver {driver.Major}.{driver.Minor}, kernels compiled to PTX by ILGPU {IlgpuVersion}";
            return usable > 0
                ? BackendStatus.Available(BackendKind.Cuda, $"CUDA available: {summary}")
                : BackendStatus.Unavailable(BackendKind.Cuda, $"none of the {summary} can run GpuHbm's kernels ({string.Join("; ", devices.Where(d => d.Backend == BackendKind.Cuda).Select(d => d.Unsupported))})");
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or NotSupportedException or TypeInitializationException)
        {
            return BackendStatus.Unavailable(BackendKind.Cuda, $"the NVIDIA driver could not be used: {e.Message}");
        }
    }

    private static DeviceInfo Describe(CudaDevice d, int index, CudaDriverVersion driver)
    {
        var arch = d.Architecture;
        string? unsupported = arch is null
            ? $"ILGPU {IlgpuVersion} does not know this GPU's architecture"
            : d.InstructionSet is null
                ? $"the CUDA driver {driver.Major}.{driver.Minor} is too old for the PTX ILGPU generates for sm_{arch.Value.Major}{arch.Value.Minor}"
                : null;
        string driverText = $"{driver.Major}.{driver.Minor}";
        return new DeviceInfo(
            BackendKind.Cuda, index, d.Name, "NVIDIA", d.MemorySize,
            SupportsFp64: true, // every CUDA device since compute capability 1.3
            Version: arch is { } a ? $"compute capability {a.Major}.{a.Minor}" : "compute capability unknown",
            ComputeCapability: arch is { } b ? (b.Major, b.Minor) : null,
            MaxGroupSize: d.MaxNumThreadsPerGroup, ComputeUnits: d.NumMultiprocessors,
            MaxLocalMemoryBytes: d.MaxSharedMemoryPerGroup, MaxAllocationBytes: d.MemorySize,
            DriverVersion: driverText, Platform: $"CUDA driver {driverText}")
        { DeviceType = "GPU", Unsupported = unsupported };
    }

    internal static string IlgpuVersion => typeof(Context).Assembly.GetName().Version?.ToString(3) ?? "?";
}
