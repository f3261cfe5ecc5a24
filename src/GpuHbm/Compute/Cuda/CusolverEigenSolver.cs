using GpuHbm.Compute.Native;
using ILGPU.Runtime.Cuda;

namespace GpuHbm.Compute.Cuda;

/// <summary>
/// The dense symmetric eigendecomposition on an NVIDIA GPU: cuSOLVER's divide-and-conquer cusolverDnDsyevd on
/// ILGPU's CUDA accelerator — its context bound to the calling thread, its default stream given to cuSOLVER, its
/// buffers as the matrices — so the solver and GpuHbm's kernels share one context and one ordered stream. Needs a
/// CUDA device and libcusolver.
/// </summary>
/// <remarks>
/// UNVERIFIED on hardware: written from the cuSOLVER and ILGPU documentation and compiled, but the machine it was
/// written on has no GPU; the [CudaFact] test comparing it with LAPACK/MathNet runs where one is.
/// Device memory: N² (A, overwritten by the eigenvectors) + N (W) + lwork doubles (cuSOLVER's workspace, about
/// 2N² more for N in the thousands) + one int.
/// </remarks>
internal static unsafe class CusolverEigenSolver
{
    /// <summary>Null when a CUDA device and cuSOLVER are usable, else why not. Creates no accelerator.</summary>
    public static string? Unavailable(int deviceOrdinal = 0)
    {
        var catalog = DeviceCatalog.Enumerate();
        var status = catalog.Status(BackendKind.Cuda);
        if (!status.IsAvailable) return status.Message;
        var devices = catalog.DevicesOf(BackendKind.Cuda).ToList();
        if (deviceOrdinal >= devices.Count) return $"there is no CUDA device {deviceOrdinal} ({devices.Count} found)";
        if (devices[deviceOrdinal].Unsupported is { } why) return why;
        return CusolverApi.TryGet(out string missing) is null ? missing : null;
    }

    /// <summary>The description of the solver, e.g. "cuSOLVER dsyevd (libcusolver.so.12, CUDA device 0: NVIDIA H200)".</summary>
    public static string Describe(int deviceOrdinal = 0)
    {
        var api = CusolverApi.TryGet(out string why) ?? throw new DeviceException($"cuSOLVER is unavailable: {why}");
        var device = Device(deviceOrdinal);
        return $"cuSOLVER dsyevd ({api.LibraryName}, CUDA device {deviceOrdinal}: {device.Name})";
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
        using var accelerator = Accelerator.Create(Device(deviceOrdinal));
        Decompose(accelerator, api, a, n, w);
    }

    /// <summary>cusolverDnDsyevd on <paramref name="accelerator"/> (a CUDA accelerator), on its default stream.</summary>
    internal static void Decompose(Accelerator accelerator, CusolverApi api, double[] a, int n, double[] w)
    {
        if (accelerator.Native is not CudaAccelerator cuda)
            throw new DeviceException($"cuSOLVER needs a CUDA device, not {accelerator.Device.Describe()}.");
        var stream = (CudaStream)cuda.DefaultStream;
        using var dA = accelerator.Allocate<double>(a);
        using var dW = accelerator.Allocate<double>(n);
        using var dInfo = accelerator.Allocate<int>(1);
        nint handle = 0;
        DeviceBuffer<double>? dWork = null;
        using var binding = cuda.BindScoped();
        try
        {
            api.Check(api.cusolverDnCreate(&handle), "cusolverDnCreate");
            api.Check(api.cusolverDnSetStream(handle, stream.StreamPtr), "cusolverDnSetStream");
            int lwork = 0;
            api.Check(api.cusolverDnDsyevd_bufferSize(handle, CusolverApi.CUSOLVER_EIG_MODE_VECTOR, CusolverApi.CUBLAS_FILL_MODE_LOWER,
                n, (ulong)dA.NativePointer, n, (ulong)dW.NativePointer, &lwork), "cusolverDnDsyevd_bufferSize", $"N = {n}");
            dWork = accelerator.Allocate<double>(Math.Max(lwork, 1));
            api.Check(api.cusolverDnDsyevd(handle, CusolverApi.CUSOLVER_EIG_MODE_VECTOR, CusolverApi.CUBLAS_FILL_MODE_LOWER,
                n, (ulong)dA.NativePointer, n, (ulong)dW.NativePointer, (ulong)dWork.NativePointer, lwork, (ulong)dInfo.NativePointer),
                "cusolverDnDsyevd", $"N = {n}, lwork = {lwork}");
            accelerator.Synchronize();
            int info = dInfo.ToArray()[0];
            if (info != 0)
                throw new DeviceException(info < 0
                    ? $"cusolverDnDsyevd ({api.LibraryName}) rejected argument {-info} on a {n}×{n} matrix (devInfo = {info})"
                    : $"cusolverDnDsyevd ({api.LibraryName}) did not converge on a {n}×{n} matrix: {info} off-diagonal elements of the tridiagonal form did not converge to zero (devInfo = {info})");
            dW.CopyToHost(w.AsSpan(0, n));
            dA.CopyToHost(a.AsSpan(0, n * n));
        }
        finally
        {
            dWork?.Dispose();
            if (handle != 0) api.cusolverDnDestroy(handle);
        }
    }

    private static DeviceInfo Device(int ordinal)
    {
        var catalog = DeviceCatalog.Enumerate();
        var status = catalog.Status(BackendKind.Cuda);
        if (!status.IsAvailable) throw new DeviceException($"cuSOLVER needs a CUDA device: {status.Message}");
        return catalog.DevicesOf(BackendKind.Cuda).FirstOrDefault(d => d.Index == ordinal)
            ?? throw new DeviceException($"there is no CUDA device {ordinal}");
    }
}
