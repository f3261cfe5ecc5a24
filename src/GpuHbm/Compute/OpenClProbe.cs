using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Backends.OpenCL;
using ILGPU.Runtime.OpenCL;

namespace GpuHbm.Compute;

/// <summary>
/// Lists OpenCL devices through ILGPU, or says why there are none: the ICD loader missing, no driver registered,
/// or drivers whose devices ILGPU's OpenCL backend cannot use (it needs OpenCL C 2.0 with the generic address
/// space, which PoCL on a CPU lacks) or that have no fp64.
/// </summary>
internal static class OpenClProbe
{
    private static string LoaderLibrary =>
        OperatingSystem.IsWindows() ? "OpenCL.dll" : OperatingSystem.IsMacOS() ? "/System/Library/Frameworks/OpenCL.framework/OpenCL" : "libOpenCL.so.1";

    /// <summary>Appends the OpenCL devices to <paramref name="devices"/> and returns the backend status.</summary>
    public static BackendStatus Probe(List<DeviceInfo> devices)
    {
        if (!NativeLibrary.TryLoad(LoaderLibrary, out var handle))
            return BackendStatus.Unavailable(BackendKind.OpenCl,
                $"{LoaderLibrary} was not found (install the OpenCL ICD loader, e.g. ocl-icd-libopencl1, and a GPU vendor's OpenCL driver)");
        NativeLibrary.Free(handle);
        if (OperatingSystem.IsLinux() && !DriversRegistered(out string where))
            return BackendStatus.Unavailable(BackendKind.OpenCl, $"no OpenCL driver is registered ({where} lists none; install a GPU vendor's OpenCL driver)");
        try
        {
            using var context = Context.Create(b => b.OpenCL(DeviceCatalog.AnyOpenClDevice));
            var found = context.GetCLDevices();
            if (found.Count == 0)
                return BackendStatus.Unavailable(BackendKind.OpenCl, "the OpenCL drivers report no device");
            int usable = 0;
            var platforms = new SortedSet<string>(StringComparer.Ordinal);
            for (int i = 0; i < found.Count; i++)
            {
                var info = Describe(found[i], i);
                if (info.IsUsable) usable++;
                platforms.Add(found[i].PlatformName);
                devices.Add(info);
            }
            if (usable == 0)
            {
                var why = devices.Where(d => d.Backend == BackendKind.OpenCl).Select(d => $"'{d.Name}' ({d.Platform}): {d.Unsupported}");
                return BackendStatus.Unavailable(BackendKind.OpenCl, $"no OpenCL device can run GpuHbm's kernels: {string.Join("; ", why)}");
            }
            return BackendStatus.Available(BackendKind.OpenCl,
                $"OpenCL available: {usable} of {found.Count} device(s) usable on {string.Join(", ", platforms)} (ILGPU {CudaProbe.IlgpuVersion})");
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or NotSupportedException or TypeInitializationException)
        {
            return BackendStatus.Unavailable(BackendKind.OpenCl, $"the OpenCL runtime could not be used: {e.Message}");
        }
    }

    /// <summary>Whether an ICD file names a driver (OCL_ICD_VENDORS, else /etc/OpenCL/vendors).</summary>
    private static bool DriversRegistered(out string where)
    {
        string? env = Environment.GetEnvironmentVariable("OCL_ICD_VENDORS");
        where = env ?? "/etc/OpenCL/vendors";
        if (env is not null && File.Exists(env)) return true;
        return Directory.Exists(where) && Directory.EnumerateFiles(where, "*.icd").Any();
    }

    private static DeviceInfo Describe(CLDevice d, int index)
    {
        bool fp64 = d.Capabilities.Float64;
        bool ilgpuCan = d.CLStdVersion >= CLBackend.MinimumVersion && d.Capabilities.GenericAddressSpace;
        string? unsupported = !ilgpuCan
            ? $"ILGPU's OpenCL backend needs OpenCL C 2.0 with the generic address space; the device reports {d.CVersion} "
              + $"and {(d.Capabilities.GenericAddressSpace ? "has" : "lacks")} the generic address space"
            : !fp64 ? "it has no fp64 (cl_khr_fp64), which GpuHbm's kernels need" : null;
        string type = d.DeviceType switch
        {
            CLDeviceType.CL_DEVICE_TYPE_GPU => "GPU",
            CLDeviceType.CL_DEVICE_TYPE_CPU => "CPU",
            CLDeviceType.CL_DEVICE_TYPE_ACCELERATOR => "accelerator",
            _ => d.DeviceType.ToString(),
        };
        return new DeviceInfo(
            BackendKind.OpenCl, index, d.Name, d.VendorName, d.MemorySize, fp64, $"OpenCL C {d.CVersion}", null,
            d.MaxNumThreadsPerGroup, d.NumMultiprocessors, d.MaxSharedMemoryPerGroup, d.MemorySize,
            d.DeviceVersion.ToString(), d.PlatformName)
        { DeviceType = type, Unsupported = unsupported };
    }
}
