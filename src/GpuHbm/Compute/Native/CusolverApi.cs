using System.Runtime.InteropServices;

namespace GpuHbm.Compute.Native;

/// <summary>
/// cuSOLVER's dense API (cusolverDn), only the symmetric eigensolver: cusolverDnCreate,
/// cusolverDnSetStream, cusolverDnDsyevd_bufferSize, cusolverDnDsyevd, cusolverDnDestroy. The
/// library's name carries its own major version (CUDA 13 ships libcusolver.so.12, CUDA 12
/// libcusolver.so.11), so the loader probes libcusolver.so.12, .11, then the unversioned
/// libcusolver.so, lazily, once; entry points are bound as unmanaged function pointers.
/// </summary>
/// <remarks>
/// cuSOLVER runs on the CUDA runtime, which uses the driver context current on the calling thread:
/// callers bind ILGPU's CUDA accelerator (its context) to the thread before every call.
/// Matrices are column-major device memory (CUdeviceptr = <see cref="ulong"/>); lwork counts doubles.
/// Every function returns a cusolverStatus_t (0 = CUSOLVER_STATUS_SUCCESS).
/// </remarks>
internal sealed unsafe class CusolverApi
{
    public const int CUSOLVER_STATUS_SUCCESS = 0;
    public const int CUSOLVER_EIG_MODE_NOVECTOR = 0;
    public const int CUSOLVER_EIG_MODE_VECTOR = 1;
    public const int CUBLAS_FILL_MODE_LOWER = 0;
    public const int CUBLAS_FILL_MODE_UPPER = 1;

    /// <summary>Library names in probing order.</summary>
    public static readonly string[] LibraryNames = ["libcusolver.so.12", "libcusolver.so.11", "libcusolver.so"];

    private static readonly Lazy<(CusolverApi? Api, string Why)> Loaded = new(Load);

    /// <summary>The loaded library's file name.</summary>
    public string LibraryName { get; }

    // cusolverStatus_t cusolverDnCreate(cusolverDnHandle_t* handle)
    public readonly delegate* unmanaged<nint*, int> cusolverDnCreate;
    // cusolverStatus_t cusolverDnDestroy(cusolverDnHandle_t handle)
    public readonly delegate* unmanaged<nint, int> cusolverDnDestroy;
    // cusolverStatus_t cusolverDnSetStream(cusolverDnHandle_t handle, cudaStream_t stream)
    public readonly delegate* unmanaged<nint, nint, int> cusolverDnSetStream;
    // cusolverStatus_t cusolverDnDsyevd_bufferSize(handle, cusolverEigMode_t jobz, cublasFillMode_t uplo, int n,
    //     const double* A, int lda, const double* W, int* lwork)
    public readonly delegate* unmanaged<nint, int, int, int, ulong, int, ulong, int*, int> cusolverDnDsyevd_bufferSize;
    // cusolverStatus_t cusolverDnDsyevd(handle, jobz, uplo, int n, double* A, int lda, double* W, double* work, int lwork, int* devInfo)
    public readonly delegate* unmanaged<nint, int, int, int, ulong, int, ulong, ulong, int, ulong, int> cusolverDnDsyevd;

    private CusolverApi(nint handle, string name)
    {
        LibraryName = name;
        cusolverDnCreate = (delegate* unmanaged<nint*, int>)NativeLibrary.GetExport(handle, "cusolverDnCreate");
        cusolverDnDestroy = (delegate* unmanaged<nint, int>)NativeLibrary.GetExport(handle, "cusolverDnDestroy");
        cusolverDnSetStream = (delegate* unmanaged<nint, nint, int>)NativeLibrary.GetExport(handle, "cusolverDnSetStream");
        cusolverDnDsyevd_bufferSize = (delegate* unmanaged<nint, int, int, int, ulong, int, ulong, int*, int>)
            NativeLibrary.GetExport(handle, "cusolverDnDsyevd_bufferSize");
        cusolverDnDsyevd = (delegate* unmanaged<nint, int, int, int, ulong, int, ulong, ulong, int, ulong, int>)
            NativeLibrary.GetExport(handle, "cusolverDnDsyevd");
    }

    /// <summary>The loaded cuSOLVER, or null with the reason it could not be loaded.</summary>
    public static CusolverApi? TryGet(out string why)
    {
        var (api, reason) = Loaded.Value;
        why = reason;
        return api;
    }

    private static (CusolverApi?, string) Load()
    {
        var api = NativeLibraryProbe.TryLoadFirst(LibraryNames, (h, n) => new CusolverApi(h, n), "cuSOLVER", out var problems);
        return api is not null
            ? (api, "")
            : (null, $"no cuSOLVER library was found ({string.Join("; ", problems)}; install the CUDA toolkit's libcusolver package)");
    }

    /// <summary>The CUSOLVER_STATUS_... name of a status code.</summary>
    public static string StatusName(int status) => status switch
    {
        0 => "CUSOLVER_STATUS_SUCCESS",
        1 => "CUSOLVER_STATUS_NOT_INITIALIZED",
        2 => "CUSOLVER_STATUS_ALLOC_FAILED",
        3 => "CUSOLVER_STATUS_INVALID_VALUE",
        4 => "CUSOLVER_STATUS_ARCH_MISMATCH",
        5 => "CUSOLVER_STATUS_MAPPING_ERROR",
        6 => "CUSOLVER_STATUS_EXECUTION_FAILED",
        7 => "CUSOLVER_STATUS_INTERNAL_ERROR",
        8 => "CUSOLVER_STATUS_MATRIX_TYPE_NOT_SUPPORTED",
        9 => "CUSOLVER_STATUS_NOT_SUPPORTED",
        _ => $"CUSOLVER_STATUS({status})",
    };

    /// <summary>Throws a <see cref="DeviceException"/> naming the call and status when it is not CUSOLVER_STATUS_SUCCESS.</summary>
    public void Check(int status, string call, string? context = null)
    {
        if (status != CUSOLVER_STATUS_SUCCESS)
        {
            string name = StatusName(status);
            throw new DeviceException($"cuSOLVER call {call} ({LibraryName}) failed with {name}" + (context is null ? "." : $" ({context})."), name);
        }
    }
}
