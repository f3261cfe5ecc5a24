using GpuHbm.Compute.Native;
using static GpuHbm.Compute.Native.CudaDriverApi;

namespace GpuHbm.Compute.Cuda;

/// <summary>
/// The dense symmetric eigendecomposition on an NVIDIA GPU: cuSOLVER's divide-and-conquer
/// cusolverDnDsyevd on the device's primary context, with memory and copies through the driver API.
/// Needs libcuda.so.1 and libcusolver (no NVRTC: no kernel is compiled).
/// </summary>
/// <remarks>
/// UNVERIFIED on hardware: written from the cuSOLVER documentation and compiled, but the machine it
/// was written on has no GPU; the [CudaFact] test comparing it with LAPACK/MathNet runs where one is.
/// Device memory: N² (A, overwritten by the eigenvectors) + N (W) + lwork doubles (cuSOLVER's
/// workspace, about 2N² more for N in the thousands) + one int.
/// </remarks>
internal static unsafe class CusolverEigenSolver
{
    /// <summary>Null when a CUDA device and cuSOLVER are usable, else why not. Creates no context.</summary>
    public static string? Unavailable(int deviceOrdinal = 0)
    {
        try
        {
            int rc = cuInit(0);
            if (rc != CUDA_SUCCESS) return $"cuInit failed with {ErrorName(rc)}";
            int count;
            Check(cuDeviceGetCount(&count), "cuDeviceGetCount");
            if (count <= deviceOrdinal) return count == 0 ? "the NVIDIA driver reports no CUDA device" : $"there is no CUDA device {deviceOrdinal} ({count} found)";
        }
        catch (DllNotFoundException)
        {
            return "libcuda.so.1 was not found (no NVIDIA driver is installed)";
        }
        catch (EntryPointNotFoundException e)
        {
            return $"libcuda.so.1 lacks an entry point ({e.Message})";
        }
        catch (DeviceException e)
        {
            return e.Message;
        }
        return CusolverApi.TryGet(out string why) is null ? why : null;
    }

    /// <summary>The description of the solver, e.g. "cuSOLVER dsyevd (libcusolver.so.12, NVIDIA H100 ...)".</summary>
    public static string Describe(int deviceOrdinal = 0)
    {
        var api = CusolverApi.TryGet(out string why) ?? throw new DeviceException($"cuSOLVER is unavailable: {why}");
        int device;
        Check(cuInit(0), "cuInit");
        Check(cuDeviceGet(&device, deviceOrdinal), "cuDeviceGet");
        var name = new byte[256];
        fixed (byte* p = name) Check(cuDeviceGetName(p, name.Length, device), "cuDeviceGetName");
        return $"cuSOLVER dsyevd ({api.LibraryName}, CUDA device {deviceOrdinal}: {OpenClApi.DecodeCString(name)})";
    }

    /// <summary>
    /// Eigendecomposition of the symmetric N×N <paramref name="a"/>: on return <paramref name="a"/> holds
    /// the eigenvectors column-major (vector i at [i*N, (i+1)*N)) and <paramref name="w"/> the eigenvalues, ascending.
    /// </summary>
    /// <exception cref="DeviceException">No device or library, a CUDA or cuSOLVER error, or devInfo ≠ 0.</exception>
    public static void Decompose(double[] a, int n, double[] w, int deviceOrdinal = 0)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(w);
        if (a.Length < (long)n * n) throw new ArgumentException($"A has {a.Length} values, fewer than {n}×{n}", nameof(a));
        if (w.Length < n) throw new ArgumentException($"w has {w.Length} values, fewer than {n}", nameof(w));
        if (n == 0) return;
        var api = CusolverApi.TryGet(out string why) ?? throw new DeviceException($"cuSOLVER is unavailable: {why}");
        Check(cuInit(0), "cuInit");
        int device;
        Check(cuDeviceGet(&device, deviceOrdinal), "cuDeviceGet", $"ordinal {deviceOrdinal}");
        using var context = new CudaContext(device);
        context.MakeCurrent();
        nint handle = 0;
        ulong dA = 0, dW = 0, dWork = 0, dInfo = 0;
        nuint matrixBytes = (nuint)((long)n * n * sizeof(double));
        try
        {
            api.Check(api.cusolverDnCreate(&handle), "cusolverDnCreate");
            // The legacy default stream (0), as the rest of GpuHbm: ordered with the synchronous driver-API copies.
            api.Check(api.cusolverDnSetStream(handle, 0), "cusolverDnSetStream");
            Alloc(&dA, matrixBytes, "A");
            Alloc(&dW, (nuint)((long)n * sizeof(double)), "W");
            Alloc(&dInfo, sizeof(int), "devInfo");
            fixed (double* pa = a) Check(cuMemcpyHtoD_v2(dA, pa, matrixBytes), "cuMemcpyHtoD_v2", $"{matrixBytes} bytes of A");
            int lwork = 0;
            api.Check(api.cusolverDnDsyevd_bufferSize(handle, CusolverApi.CUSOLVER_EIG_MODE_VECTOR, CusolverApi.CUBLAS_FILL_MODE_LOWER,
                n, dA, n, dW, &lwork), "cusolverDnDsyevd_bufferSize", $"N = {n}");
            Alloc(&dWork, (nuint)((long)Math.Max(lwork, 1) * sizeof(double)), "workspace");
            api.Check(api.cusolverDnDsyevd(handle, CusolverApi.CUSOLVER_EIG_MODE_VECTOR, CusolverApi.CUBLAS_FILL_MODE_LOWER,
                n, dA, n, dW, dWork, lwork, dInfo), "cusolverDnDsyevd", $"N = {n}, lwork = {lwork}");
            Check(cuCtxSynchronize(), "cuCtxSynchronize", "after cusolverDnDsyevd");
            int info = 0;
            Check(cuMemcpyDtoH_v2(&info, dInfo, sizeof(int)), "cuMemcpyDtoH_v2", "devInfo");
            if (info != 0)
                throw new DeviceException(info < 0
                    ? $"cusolverDnDsyevd ({api.LibraryName}) rejected argument {-info} on a {n}×{n} matrix (devInfo = {info})"
                    : $"cusolverDnDsyevd ({api.LibraryName}) did not converge on a {n}×{n} matrix: {info} off-diagonal elements of the tridiagonal form did not converge to zero (devInfo = {info})");
            fixed (double* pw = w) Check(cuMemcpyDtoH_v2(pw, dW, (nuint)((long)n * sizeof(double))), "cuMemcpyDtoH_v2", "eigenvalues");
            fixed (double* pa = a) Check(cuMemcpyDtoH_v2(pa, dA, matrixBytes), "cuMemcpyDtoH_v2", "eigenvectors");
        }
        finally
        {
            context.MakeCurrent();
            if (dWork != 0) cuMemFree_v2(dWork);
            if (dInfo != 0) cuMemFree_v2(dInfo);
            if (dW != 0) cuMemFree_v2(dW);
            if (dA != 0) cuMemFree_v2(dA);
            if (handle != 0) api.cusolverDnDestroy(handle);
        }

        static void Alloc(ulong* pointer, nuint bytes, string what)
        {
            int rc = cuMemAlloc_v2(pointer, bytes);
            if (rc != CUDA_SUCCESS)
            {
                *pointer = 0;
                throw new DeviceException($"CUDA call cuMemAlloc_v2 failed with {ErrorName(rc)} ({what}: {DeviceException.FormatBytes((long)bytes)}) for cuSOLVER dsyevd.", ErrorName(rc));
            }
        }
    }
}
