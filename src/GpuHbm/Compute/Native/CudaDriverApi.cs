using System.Runtime.InteropServices;

namespace GpuHbm.Compute.Native;

/// <summary>
/// The CUDA driver API entry points GpuHbm uses, bound to libcuda.so.1 (installed with the
/// NVIDIA driver; the plain name "cuda" would look for the development symlink libcuda.so).
/// Binding is lazy: a machine without the driver gets <see cref="DllNotFoundException"/> at the first call.
/// </summary>
/// <remarks>
/// The _v2 exports are bound explicitly (64-bit CUdeviceptr = <see cref="ulong"/>, size_t sizes).
/// CUdevice is an int ordinal; CUcontext, CUmodule, CUfunction and CUstream are <see cref="nint"/>.
/// Every function returns a CUresult (0 = CUDA_SUCCESS).
/// </remarks>
internal static unsafe class CudaDriverApi
{
    private const string Library = "libcuda.so.1";

    public const int CUDA_SUCCESS = 0;
    public const int CUDA_ERROR_OUT_OF_MEMORY = 2;
    public const int CUDA_ERROR_NO_DEVICE = 100;

    public const int CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK = 1;
    public const int CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK = 8;
    public const int CU_DEVICE_ATTRIBUTE_WARP_SIZE = 10;
    public const int CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT = 16;
    public const int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
    public const int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;
    public const int CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN = 97;

    public const int CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK = 0;
    public const int CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8;

    [DllImport(Library)] public static extern int cuInit(uint flags);
    [DllImport(Library)] public static extern int cuDriverGetVersion(int* version);
    [DllImport(Library)] public static extern int cuDeviceGetCount(int* count);
    [DllImport(Library)] public static extern int cuDeviceGet(int* device, int ordinal);
    [DllImport(Library)] public static extern int cuDeviceGetName(byte* name, int length, int device);
    [DllImport(Library)] public static extern int cuDeviceTotalMem_v2(nuint* bytes, int device);
    [DllImport(Library)] public static extern int cuDeviceGetAttribute(int* value, int attribute, int device);

    [DllImport(Library)] public static extern int cuDevicePrimaryCtxRetain(nint* context, int device);
    [DllImport(Library)] public static extern int cuDevicePrimaryCtxRelease_v2(int device);
    [DllImport(Library)] public static extern int cuCtxSetCurrent(nint context);
    [DllImport(Library)] public static extern int cuCtxSynchronize();

    [DllImport(Library)] public static extern int cuMemAlloc_v2(ulong* devicePtr, nuint bytes);
    [DllImport(Library)] public static extern int cuMemFree_v2(ulong devicePtr);
    [DllImport(Library)] public static extern int cuMemcpyHtoD_v2(ulong destination, void* source, nuint bytes);
    [DllImport(Library)] public static extern int cuMemcpyDtoH_v2(void* destination, ulong source, nuint bytes);

    [DllImport(Library)] public static extern int cuModuleLoadData(nint* module, void* image);
    [DllImport(Library)] public static extern int cuModuleUnload(nint module);
    [DllImport(Library)] public static extern int cuModuleGetFunction(nint* function, nint module, byte* name);
    [DllImport(Library)] public static extern int cuFuncGetAttribute(int* value, int attribute, nint function);
    [DllImport(Library)] public static extern int cuFuncSetAttribute(nint function, int attribute, int value);
    [DllImport(Library)]
    public static extern int cuLaunchKernel(nint function, uint gridX, uint gridY, uint gridZ, uint blockX, uint blockY, uint blockZ,
        uint sharedMemBytes, nint stream, void** kernelParams, void** extra);

    [DllImport(Library)] public static extern int cuGetErrorName(int error, byte** name);

    /// <summary>The CUDA_ERROR_... name of a CUresult, from cuGetErrorName.</summary>
    public static string ErrorName(int code)
    {
        byte* name = null;
        if (cuGetErrorName(code, &name) == CUDA_SUCCESS && name != null)
            return Marshal.PtrToStringUTF8((nint)name) ?? $"CUDA_ERROR({code})";
        return $"CUDA_ERROR({code})";
    }

    /// <summary>What a user can do about a CUresult, for the errors that have a known cause; null otherwise.</summary>
    public static string? Hint(int code) => code switch
    {
        222 => "The NVIDIA driver is older than the CUDA toolkit (NVRTC) that compiled the kernels: update the driver, "
            + "or install an NVRTC no newer than the driver's CUDA version (gpuhbm devices shows both).",
        218 or 209 => "The kernels were not built for this GPU's architecture: GpuHbm compiles CUBIN for the device's sm_XY "
            + "and falls back to PTX; an older NVRTC may not know this GPU.",
        700 or 714 or 715 or 716 or 719 => "A kernel failed on the device; the CUDA context cannot be used again in this process "
            + "(the draws made so far are kept). This is a GpuHbm bug: please report it with the command.",
        46 or 100 or 101 or 999 => "The GPU is unavailable or was lost (busy in exclusive mode, reset, or removed); "
            + "the draws made so far are kept. Check nvidia-smi, or run with --backend cpu.",
        _ => null,
    };

    /// <summary>Throws a <see cref="DeviceException"/> naming the call and error when <paramref name="code"/> is not CUDA_SUCCESS.</summary>
    public static void Check(int code, string call, string? context = null)
    {
        if (code != CUDA_SUCCESS)
        {
            string name = ErrorName(code);
            string hint = Hint(code) is { } h ? " " + h : "";
            throw new DeviceException($"CUDA call {call} failed with {name}" + (context is null ? "." : $" ({context}).") + hint, name);
        }
    }
}
