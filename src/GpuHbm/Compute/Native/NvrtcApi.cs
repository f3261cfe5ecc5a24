using System.Runtime.InteropServices;

namespace GpuHbm.Compute.Native;

/// <summary>
/// NVRTC, CUDA's run-time compiler, loaded on first use. Its library name carries the CUDA
/// version, so the loader probes libnvrtc.so.13, libnvrtc.so.12, libnvrtc.so.11.2 (then the
/// unversioned libnvrtc.so) and binds entry points as unmanaged function pointers.
/// </summary>
internal sealed unsafe class NvrtcApi
{
    public const int NVRTC_SUCCESS = 0;
    public const int NVRTC_ERROR_INVALID_OPTION = 5;
    public const int NVRTC_ERROR_COMPILATION = 6;

    /// <summary>Library names in probing order.</summary>
    public static readonly string[] LibraryNames = ["libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2", "libnvrtc.so"];

    private static readonly Lazy<(NvrtcApi? Api, string Why)> Loaded = new(Load);

    /// <summary>The loaded library's file name, e.g. libnvrtc.so.13.</summary>
    public string LibraryName { get; }

    /// <summary>NVRTC's (major, minor) version.</summary>
    public (int Major, int Minor) Version { get; }

    public readonly delegate* unmanaged<int, byte*> nvrtcGetErrorString;
    public readonly delegate* unmanaged<int*, int*, int> nvrtcVersion;
    public readonly delegate* unmanaged<nint*, byte*, byte*, int, byte**, byte**, int> nvrtcCreateProgram;
    public readonly delegate* unmanaged<nint, int, byte**, int> nvrtcCompileProgram;
    public readonly delegate* unmanaged<nint, nuint*, int> nvrtcGetProgramLogSize;
    public readonly delegate* unmanaged<nint, byte*, int> nvrtcGetProgramLog;
    public readonly delegate* unmanaged<nint, nuint*, int> nvrtcGetCUBINSize;
    public readonly delegate* unmanaged<nint, byte*, int> nvrtcGetCUBIN;
    public readonly delegate* unmanaged<nint, nuint*, int> nvrtcGetPTXSize;
    public readonly delegate* unmanaged<nint, byte*, int> nvrtcGetPTX;
    public readonly delegate* unmanaged<nint*, int> nvrtcDestroyProgram;

    private NvrtcApi(nint handle, string name)
    {
        LibraryName = name;
        nvrtcGetErrorString = (delegate* unmanaged<int, byte*>)NativeLibrary.GetExport(handle, "nvrtcGetErrorString");
        nvrtcVersion = (delegate* unmanaged<int*, int*, int>)NativeLibrary.GetExport(handle, "nvrtcVersion");
        nvrtcCreateProgram = (delegate* unmanaged<nint*, byte*, byte*, int, byte**, byte**, int>)NativeLibrary.GetExport(handle, "nvrtcCreateProgram");
        nvrtcCompileProgram = (delegate* unmanaged<nint, int, byte**, int>)NativeLibrary.GetExport(handle, "nvrtcCompileProgram");
        nvrtcGetProgramLogSize = (delegate* unmanaged<nint, nuint*, int>)NativeLibrary.GetExport(handle, "nvrtcGetProgramLogSize");
        nvrtcGetProgramLog = (delegate* unmanaged<nint, byte*, int>)NativeLibrary.GetExport(handle, "nvrtcGetProgramLog");
        nvrtcGetPTXSize = (delegate* unmanaged<nint, nuint*, int>)NativeLibrary.GetExport(handle, "nvrtcGetPTXSize");
        nvrtcGetPTX = (delegate* unmanaged<nint, byte*, int>)NativeLibrary.GetExport(handle, "nvrtcGetPTX");
        nvrtcDestroyProgram = (delegate* unmanaged<nint*, int>)NativeLibrary.GetExport(handle, "nvrtcDestroyProgram");
        // CUBIN output appeared in NVRTC 11.1; older libraries give PTX only.
        if (NativeLibrary.TryGetExport(handle, "nvrtcGetCUBINSize", out nint cubinSize)
            && NativeLibrary.TryGetExport(handle, "nvrtcGetCUBIN", out nint cubin))
        {
            nvrtcGetCUBINSize = (delegate* unmanaged<nint, nuint*, int>)cubinSize;
            nvrtcGetCUBIN = (delegate* unmanaged<nint, byte*, int>)cubin;
        }
        int major, minor;
        Version = nvrtcVersion(&major, &minor) == NVRTC_SUCCESS ? (major, minor) : (0, 0);
    }

    /// <summary>Whether CUBIN output is available (NVRTC 11.1 and later).</summary>
    public bool HasCubin => nvrtcGetCUBINSize != null;

    /// <summary>The loaded NVRTC, or null with the reason it could not be loaded.</summary>
    public static NvrtcApi? TryGet(out string why)
    {
        var (api, reason) = Loaded.Value;
        why = reason;
        return api;
    }

    private static (NvrtcApi?, string) Load()
    {
        foreach (string name in LibraryNames)
        {
            if (!NativeLibrary.TryLoad(name, out nint handle)) continue;
            try
            {
                return (new NvrtcApi(handle, name), "");
            }
            catch (EntryPointNotFoundException e)
            {
                return (null, $"{name} lacks an NVRTC entry point ({e.Message})");
            }
        }
        return (null, $"no NVRTC library was found (tried {string.Join(", ", LibraryNames)}; install the CUDA toolkit's nvrtc package)");
    }

    /// <summary>The NVRTC_ERROR_... name of a result code.</summary>
    public string ErrorName(int code)
    {
        byte* s = nvrtcGetErrorString(code);
        return s == null ? $"NVRTC_ERROR({code})" : Marshal.PtrToStringUTF8((nint)s) ?? $"NVRTC_ERROR({code})";
    }

    /// <summary>Throws a <see cref="DeviceException"/> when <paramref name="code"/> is not NVRTC_SUCCESS.</summary>
    public void Check(int code, string call)
    {
        if (code != NVRTC_SUCCESS)
        {
            string name = ErrorName(code);
            throw new DeviceException($"NVRTC call {call} failed with {name}.", name);
        }
    }
}
