using System.Runtime.InteropServices;

namespace GpuHbm.Compute.Native;

/// <summary>
/// The OpenCL 1.2 host entry points GpuHbm uses, bound to the ICD loader libOpenCL.so.1
/// (Debian: ocl-icd-libopencl1). Binding is lazy: the library is first looked up at the first
/// call, which throws <see cref="DllNotFoundException"/> on a machine without it.
/// </summary>
/// <remarks>
/// Handles (cl_platform_id, cl_context, cl_mem, ...) are <see cref="nint"/>; bitfields
/// (cl_device_type, cl_mem_flags, queue properties, fp configs) are 64-bit; size_t is <see cref="nuint"/>.
/// All signatures are blittable, so no marshalling code runs.
/// </remarks>
internal static unsafe class OpenClApi
{
    private const string Library = "libOpenCL.so.1";

    public const int CL_SUCCESS = 0;
    public const int CL_DEVICE_NOT_FOUND = -1;
    public const int CL_BUILD_PROGRAM_FAILURE = -11;
    public const int CL_PLATFORM_NOT_FOUND_KHR = -1001;

    public const uint CL_TRUE = 1;
    public const ulong CL_DEVICE_TYPE_ALL = 0xFFFFFFFF;
    public const ulong CL_MEM_READ_WRITE = 1;

    public const uint CL_PLATFORM_VERSION = 0x0901;
    public const uint CL_PLATFORM_NAME = 0x0902;
    public const uint CL_PLATFORM_VENDOR = 0x0903;

    public const uint CL_DEVICE_MAX_COMPUTE_UNITS = 0x1002;
    public const uint CL_DEVICE_MAX_WORK_GROUP_SIZE = 0x1004;
    public const uint CL_DEVICE_MAX_MEM_ALLOC_SIZE = 0x1010;
    public const uint CL_DEVICE_GLOBAL_MEM_SIZE = 0x101F;
    public const uint CL_DEVICE_LOCAL_MEM_SIZE = 0x1023;
    public const uint CL_DEVICE_NAME = 0x102B;
    public const uint CL_DEVICE_TYPE = 0x1000;
    public const uint CL_DEVICE_VENDOR = 0x102C;
    public const uint CL_DRIVER_VERSION = 0x102D;
    public const uint CL_DEVICE_DOUBLE_FP_CONFIG = 0x1032;
    public const uint CL_DEVICE_OPENCL_C_VERSION = 0x103D;

    public const uint CL_PROGRAM_BUILD_LOG = 0x1183;
    public const uint CL_KERNEL_WORK_GROUP_SIZE = 0x11B0;
    public const uint CL_KERNEL_PREFERRED_WORK_GROUP_SIZE_MULTIPLE = 0x11B3;

    [DllImport(Library)] public static extern int clGetPlatformIDs(uint numEntries, nint* platforms, uint* numPlatforms);
    [DllImport(Library)] public static extern int clGetPlatformInfo(nint platform, uint paramName, nuint valueSize, void* value, nuint* valueSizeRet);
    [DllImport(Library)] public static extern int clGetDeviceIDs(nint platform, ulong deviceType, uint numEntries, nint* devices, uint* numDevices);
    [DllImport(Library)] public static extern int clGetDeviceInfo(nint device, uint paramName, nuint valueSize, void* value, nuint* valueSizeRet);

    [DllImport(Library)] public static extern nint clCreateContext(nint* properties, uint numDevices, nint* devices, nint notify, nint userData, int* errcode);
    [DllImport(Library)] public static extern nint clCreateCommandQueue(nint context, nint device, ulong properties, int* errcode);
    [DllImport(Library)] public static extern int clFinish(nint queue);
    [DllImport(Library)] public static extern int clReleaseCommandQueue(nint queue);
    [DllImport(Library)] public static extern int clReleaseContext(nint context);

    [DllImport(Library)] public static extern nint clCreateBuffer(nint context, ulong flags, nuint size, void* hostPtr, int* errcode);
    [DllImport(Library)] public static extern int clEnqueueWriteBuffer(nint queue, nint buffer, uint blocking, nuint offset, nuint size, void* ptr, uint numEvents, nint* waitList, nint* evt);
    [DllImport(Library)] public static extern int clEnqueueReadBuffer(nint queue, nint buffer, uint blocking, nuint offset, nuint size, void* ptr, uint numEvents, nint* waitList, nint* evt);
    [DllImport(Library)] public static extern int clReleaseMemObject(nint buffer);

    [DllImport(Library)] public static extern nint clCreateProgramWithSource(nint context, uint count, byte** strings, nuint* lengths, int* errcode);
    [DllImport(Library)] public static extern int clBuildProgram(nint program, uint numDevices, nint* devices, byte* options, nint notify, nint userData);
    [DllImport(Library)] public static extern int clGetProgramBuildInfo(nint program, nint device, uint paramName, nuint valueSize, void* value, nuint* valueSizeRet);
    [DllImport(Library)] public static extern int clReleaseProgram(nint program);

    [DllImport(Library)] public static extern nint clCreateKernel(nint program, byte* name, int* errcode);
    [DllImport(Library)] public static extern int clGetKernelWorkGroupInfo(nint kernel, nint device, uint paramName, nuint valueSize, void* value, nuint* valueSizeRet);
    [DllImport(Library)] public static extern int clSetKernelArg(nint kernel, uint index, nuint size, void* value);
    [DllImport(Library)] public static extern int clEnqueueNDRangeKernel(nint queue, nint kernel, uint workDim, nuint* globalOffset, nuint* globalSize, nuint* localSize, uint numEvents, nint* waitList, nint* evt);
    [DllImport(Library)] public static extern int clReleaseKernel(nint kernel);

    /// <summary>The CL_... name of an OpenCL error code.</summary>
    public static string ErrorName(int code) => code switch
    {
        0 => "CL_SUCCESS",
        -1 => "CL_DEVICE_NOT_FOUND",
        -2 => "CL_DEVICE_NOT_AVAILABLE",
        -3 => "CL_COMPILER_NOT_AVAILABLE",
        -4 => "CL_MEM_OBJECT_ALLOCATION_FAILURE",
        -5 => "CL_OUT_OF_RESOURCES",
        -6 => "CL_OUT_OF_HOST_MEMORY",
        -7 => "CL_PROFILING_INFO_NOT_AVAILABLE",
        -8 => "CL_MEM_COPY_OVERLAP",
        -9 => "CL_IMAGE_FORMAT_MISMATCH",
        -10 => "CL_IMAGE_FORMAT_NOT_SUPPORTED",
        -11 => "CL_BUILD_PROGRAM_FAILURE",
        -12 => "CL_MAP_FAILURE",
        -13 => "CL_MISALIGNED_SUB_BUFFER_OFFSET",
        -14 => "CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST",
        -15 => "CL_COMPILE_PROGRAM_FAILURE",
        -16 => "CL_LINKER_NOT_AVAILABLE",
        -17 => "CL_LINK_PROGRAM_FAILURE",
        -18 => "CL_DEVICE_PARTITION_FAILED",
        -19 => "CL_KERNEL_ARG_INFO_NOT_AVAILABLE",
        -30 => "CL_INVALID_VALUE",
        -31 => "CL_INVALID_DEVICE_TYPE",
        -32 => "CL_INVALID_PLATFORM",
        -33 => "CL_INVALID_DEVICE",
        -34 => "CL_INVALID_CONTEXT",
        -35 => "CL_INVALID_QUEUE_PROPERTIES",
        -36 => "CL_INVALID_COMMAND_QUEUE",
        -37 => "CL_INVALID_HOST_PTR",
        -38 => "CL_INVALID_MEM_OBJECT",
        -39 => "CL_INVALID_IMAGE_FORMAT_DESCRIPTOR",
        -40 => "CL_INVALID_IMAGE_SIZE",
        -41 => "CL_INVALID_SAMPLER",
        -42 => "CL_INVALID_BINARY",
        -43 => "CL_INVALID_BUILD_OPTIONS",
        -44 => "CL_INVALID_PROGRAM",
        -45 => "CL_INVALID_PROGRAM_EXECUTABLE",
        -46 => "CL_INVALID_KERNEL_NAME",
        -47 => "CL_INVALID_KERNEL_DEFINITION",
        -48 => "CL_INVALID_KERNEL",
        -49 => "CL_INVALID_ARG_INDEX",
        -50 => "CL_INVALID_ARG_VALUE",
        -51 => "CL_INVALID_ARG_SIZE",
        -52 => "CL_INVALID_KERNEL_ARGS",
        -53 => "CL_INVALID_WORK_DIMENSION",
        -54 => "CL_INVALID_WORK_GROUP_SIZE",
        -55 => "CL_INVALID_WORK_ITEM_SIZE",
        -56 => "CL_INVALID_GLOBAL_OFFSET",
        -57 => "CL_INVALID_EVENT_WAIT_LIST",
        -58 => "CL_INVALID_EVENT",
        -59 => "CL_INVALID_OPERATION",
        -60 => "CL_INVALID_GL_OBJECT",
        -61 => "CL_INVALID_BUFFER_SIZE",
        -62 => "CL_INVALID_MIP_LEVEL",
        -63 => "CL_INVALID_GLOBAL_WORK_SIZE",
        -64 => "CL_INVALID_PROPERTY",
        -1001 => "CL_PLATFORM_NOT_FOUND_KHR",
        _ => $"CL_ERROR({code})",
    };

    /// <summary>Reads a string-valued platform property.</summary>
    public static string PlatformString(nint platform, uint param)
    {
        nuint size;
        Check(clGetPlatformInfo(platform, param, 0, null, &size), "clGetPlatformInfo");
        var bytes = new byte[(int)size];
        fixed (byte* p = bytes) Check(clGetPlatformInfo(platform, param, size, p, null), "clGetPlatformInfo");
        return DecodeCString(bytes);
    }

    /// <summary>Reads a string-valued device property.</summary>
    public static string DeviceString(nint device, uint param)
    {
        nuint size;
        Check(clGetDeviceInfo(device, param, 0, null, &size), "clGetDeviceInfo");
        var bytes = new byte[(int)size];
        fixed (byte* p = bytes) Check(clGetDeviceInfo(device, param, size, p, null), "clGetDeviceInfo");
        return DecodeCString(bytes);
    }

    /// <summary>Reads a fixed-size (integer) device property.</summary>
    public static T DeviceValue<T>(nint device, uint param) where T : unmanaged
    {
        T value = default;
        Check(clGetDeviceInfo(device, param, (nuint)sizeof(T), &value, null), "clGetDeviceInfo");
        return value;
    }

    /// <summary>Throws a <see cref="DeviceException"/> naming the call and error when <paramref name="code"/> is not CL_SUCCESS.</summary>
    public static void Check(int code, string call, string? context = null)
    {
        if (code != CL_SUCCESS)
        {
            string name = ErrorName(code);
            throw new DeviceException($"OpenCL call {call} failed with {name}" + (context is null ? "." : $" ({context})."), name);
        }
    }

    internal static string DecodeCString(ReadOnlySpan<byte> bytes)
    {
        int end = bytes.IndexOf((byte)0);
        return System.Text.Encoding.UTF8.GetString(end < 0 ? bytes : bytes[..end]).Trim();
    }
}
