using GpuHbm.Compute.Native;
using static GpuHbm.Compute.Native.OpenClApi;

namespace GpuHbm.Compute.OpenCl;

/// <summary>Lists OpenCL devices across all platforms, or says why there are none.</summary>
internal static unsafe class OpenClDeviceProbe
{
    /// <summary>Appends the OpenCL devices to <paramref name="devices"/> and returns the backend status.</summary>
    public static BackendStatus Probe(List<DeviceInfo> devices)
    {
        try
        {
            uint count;
            int rc = clGetPlatformIDs(0, null, &count);
            if (rc == CL_PLATFORM_NOT_FOUND_KHR || (rc == CL_SUCCESS && count == 0))
                return BackendStatus.Unavailable(BackendKind.OpenCl,
                    "no OpenCL platform is installed (libOpenCL.so.1 found no driver in /etc/OpenCL/vendors or OCL_ICD_VENDORS; "
                    + "install pocl-opencl-icd or a GPU vendor's ICD)");
            if (rc != CL_SUCCESS)
                return BackendStatus.Unavailable(BackendKind.OpenCl, $"clGetPlatformIDs failed with {ErrorName(rc)}");

            var platforms = new nint[count];
            fixed (nint* p = platforms) Check(clGetPlatformIDs(count, p, null), "clGetPlatformIDs");

            var problems = new List<string>();
            var names = new List<string>();
            int index = 0, fp64 = 0;
            foreach (nint platform in platforms)
            {
                string platformName = PlatformString(platform, CL_PLATFORM_NAME);
                names.Add($"{platformName} ({PlatformString(platform, CL_PLATFORM_VERSION)})");
                uint n;
                rc = clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, 0, null, &n);
                if (rc == CL_DEVICE_NOT_FOUND || (rc == CL_SUCCESS && n == 0)) { problems.Add($"platform '{platformName}' has no devices"); continue; }
                if (rc != CL_SUCCESS) { problems.Add($"platform '{platformName}': clGetDeviceIDs failed with {ErrorName(rc)}"); continue; }
                var ids = new nint[n];
                fixed (nint* p = ids) Check(clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, n, p, null), "clGetDeviceIDs");
                foreach (nint id in ids)
                {
                    var info = Describe(id, index++, platformName);
                    if (info.SupportsFp64) fp64++;
                    devices.Add(info);
                }
            }
            if (index == 0)
                return BackendStatus.Unavailable(BackendKind.OpenCl, string.Join("; ", problems));
            if (fp64 == 0)
                return BackendStatus.Unavailable(BackendKind.OpenCl,
                    $"none of the {index} OpenCL device(s) supports fp64 (cl_khr_fp64), which GpuHbm's kernels need");
            return BackendStatus.Available(BackendKind.OpenCl,
                $"OpenCL available: {index} device(s) on {string.Join(", ", names)}");
        }
        catch (DllNotFoundException)
        {
            return BackendStatus.Unavailable(BackendKind.OpenCl,
                "libOpenCL.so.1 was not found (install ocl-icd-libopencl1 and a driver such as pocl-opencl-icd)");
        }
        catch (EntryPointNotFoundException e)
        {
            return BackendStatus.Unavailable(BackendKind.OpenCl, $"libOpenCL.so.1 lacks an entry point ({e.Message})");
        }
        catch (DeviceException e)
        {
            return BackendStatus.Unavailable(BackendKind.OpenCl, $"the driver reported an error: {e.Message}");
        }
    }

    private static DeviceInfo Describe(nint id, int index, string platform)
    {
        ulong fpConfig = DeviceValue<ulong>(id, CL_DEVICE_DOUBLE_FP_CONFIG);
        ulong type = DeviceValue<ulong>(id, CL_DEVICE_TYPE);
        return new DeviceInfo(
            BackendKind.OpenCl, index,
            Name: DeviceString(id, CL_DEVICE_NAME),
            Vendor: DeviceString(id, CL_DEVICE_VENDOR),
            GlobalMemoryBytes: (long)DeviceValue<ulong>(id, CL_DEVICE_GLOBAL_MEM_SIZE),
            SupportsFp64: fpConfig != 0,
            Version: DeviceString(id, CL_DEVICE_OPENCL_C_VERSION),
            ComputeCapability: null,
            MaxGroupSize: (int)Math.Min(int.MaxValue, DeviceValue<nuint>(id, CL_DEVICE_MAX_WORK_GROUP_SIZE)),
            ComputeUnits: (int)DeviceValue<uint>(id, CL_DEVICE_MAX_COMPUTE_UNITS),
            MaxLocalMemoryBytes: (long)DeviceValue<ulong>(id, CL_DEVICE_LOCAL_MEM_SIZE),
            MaxAllocationBytes: (long)DeviceValue<ulong>(id, CL_DEVICE_MAX_MEM_ALLOC_SIZE),
            DriverVersion: DeviceString(id, CL_DRIVER_VERSION),
            Platform: platform)
        { NativeId = id, DeviceType = (type & 4) != 0 ? "GPU" : (type & 2) != 0 ? "CPU" : (type & 8) != 0 ? "accelerator" : "unknown" };
    }
}
