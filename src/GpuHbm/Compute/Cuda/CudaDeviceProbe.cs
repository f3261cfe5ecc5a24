using GpuHbm.Compute.Native;
using static GpuHbm.Compute.Native.CudaDriverApi;

namespace GpuHbm.Compute.Cuda;

/// <summary>Lists CUDA devices through the driver API, or says why there are none.</summary>
internal static unsafe class CudaDeviceProbe
{
    /// <summary>Appends the CUDA devices to <paramref name="devices"/> and returns the backend status.</summary>
    public static BackendStatus Probe(List<DeviceInfo> devices)
    {
        try
        {
            int rc = cuInit(0);
            if (rc == CUDA_ERROR_NO_DEVICE)
                return BackendStatus.Unavailable(BackendKind.Cuda, "the NVIDIA driver (libcuda.so.1) found no CUDA device (CUDA_ERROR_NO_DEVICE)");
            if (rc != CUDA_SUCCESS)
                return BackendStatus.Unavailable(BackendKind.Cuda, $"cuInit failed with {ErrorName(rc)}");

            int driver, count;
            Check(cuDriverGetVersion(&driver), "cuDriverGetVersion");
            Check(cuDeviceGetCount(&count), "cuDeviceGetCount");
            if (count == 0)
                return BackendStatus.Unavailable(BackendKind.Cuda, "the NVIDIA driver reports no CUDA device");

            string driverVersion = $"{driver / 1000}.{driver % 1000 / 10}";
            for (int i = 0; i < count; i++) devices.Add(Describe(i, driverVersion));

            var nvrtc = NvrtcApi.TryGet(out string why);
            if (nvrtc is null)
                return BackendStatus.Unavailable(BackendKind.Cuda,
                    $"{count} CUDA device(s) were found (driver API {driverVersion}) but {why}, so kernels cannot be compiled");
            return BackendStatus.Available(BackendKind.Cuda,
                $"CUDA available: {count} device(s), driver API {driverVersion}, NVRTC {nvrtc.Version.Major}.{nvrtc.Version.Minor} ({nvrtc.LibraryName})");
        }
        catch (DllNotFoundException)
        {
            return BackendStatus.Unavailable(BackendKind.Cuda, "libcuda.so.1 was not found (no NVIDIA driver is installed)");
        }
        catch (EntryPointNotFoundException e)
        {
            return BackendStatus.Unavailable(BackendKind.Cuda, $"libcuda.so.1 lacks an entry point; the driver is too old ({e.Message})");
        }
        catch (DeviceException e)
        {
            return BackendStatus.Unavailable(BackendKind.Cuda, $"the driver reported an error: {e.Message}");
        }
    }

    private static DeviceInfo Describe(int ordinal, string driverVersion)
    {
        int device;
        Check(cuDeviceGet(&device, ordinal), "cuDeviceGet");
        var name = new byte[256];
        fixed (byte* p = name) Check(cuDeviceGetName(p, name.Length, device), "cuDeviceGetName");
        nuint memory;
        Check(cuDeviceTotalMem_v2(&memory, device), "cuDeviceTotalMem_v2");
        int major = Attribute(device, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
        int minor = Attribute(device, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
        int sharedOptIn = Attribute(device, CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN);
        return new DeviceInfo(
            BackendKind.Cuda, ordinal,
            Name: OpenClApi.DecodeCString(name),
            Vendor: "NVIDIA",
            GlobalMemoryBytes: (long)memory,
            SupportsFp64: true, // every CUDA device since compute capability 1.3
            Version: $"compute capability {major}.{minor}",
            ComputeCapability: (major, minor),
            MaxGroupSize: Attribute(device, CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK),
            ComputeUnits: Attribute(device, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT),
            MaxLocalMemoryBytes: Math.Max(sharedOptIn, Attribute(device, CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK)),
            MaxAllocationBytes: (long)memory,
            DriverVersion: driverVersion,
            Platform: $"CUDA driver {driverVersion}")
        { NativeId = device, DeviceType = "GPU" };
    }

    internal static int Attribute(int device, int attribute)
    {
        int value;
        Check(cuDeviceGetAttribute(&value, attribute, device), "cuDeviceGetAttribute", $"attribute {attribute}");
        return value;
    }
}
