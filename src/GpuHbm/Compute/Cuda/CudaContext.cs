using static GpuHbm.Compute.Native.CudaDriverApi;

namespace GpuHbm.Compute.Cuda;

/// <summary>
/// A device's primary context, retained for the accelerator's lifetime. The current context is
/// per OS thread, so every CUDA entry point of the accelerator, its buffers and kernels calls
/// <see cref="MakeCurrent"/> first. It always calls cuCtxSetCurrent (a few tens of nanoseconds)
/// rather than caching per thread, so other code that changes the current context cannot
/// leave GpuHbm working in the wrong one.
/// </summary>
/// <remarks>
/// The primary context (cuDevicePrimaryCtxRetain) is the one the CUDA runtime shares; cuCtxCreate
/// changed signature in CUDA 13, so GpuHbm does not use it.
/// </remarks>
internal sealed unsafe class CudaContext : IDisposable
{
    private bool _released;

    public CudaContext(int device)
    {
        Check(cuInit(0), "cuInit");
        Device = device;
        nint handle;
        Check(cuDevicePrimaryCtxRetain(&handle, device), "cuDevicePrimaryCtxRetain", $"device {device}");
        Handle = handle;
    }

    public int Device { get; }
    public nint Handle { get; }

    /// <summary>Makes this context current on the calling thread.</summary>
    public void MakeCurrent()
    {
        ObjectDisposedException.ThrowIf(_released, this);
        Check(cuCtxSetCurrent(Handle), "cuCtxSetCurrent");
    }

    public void Dispose()
    {
        if (_released) return;
        _released = true;
        cuCtxSetCurrent(0);
        cuDevicePrimaryCtxRelease_v2(Device);
    }
}
