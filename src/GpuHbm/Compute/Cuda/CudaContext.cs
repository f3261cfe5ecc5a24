using static GpuHbm.Compute.Native.CudaDriverApi;

namespace GpuHbm.Compute.Cuda;

/// <summary>
/// A device's primary context, retained for the accelerator's lifetime. The current context is
/// per OS thread, so every CUDA entry point of the accelerator, its buffers and kernels calls
/// <see cref="MakeCurrent"/> first; a thread-static remembers what is already current.
/// </summary>
/// <remarks>
/// The primary context (cuDevicePrimaryCtxRetain) is the one the CUDA runtime shares; cuCtxCreate
/// changed signature in CUDA 13, so GpuHbm does not use it.
/// </remarks>
internal sealed unsafe class CudaContext : IDisposable
{
    [ThreadStatic] private static nint _currentOnThisThread;
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

    /// <summary>Makes this context current on the calling thread (a no-op when it already is).</summary>
    public void MakeCurrent()
    {
        ObjectDisposedException.ThrowIf(_released, this);
        if (_currentOnThisThread == Handle) return;
        Check(cuCtxSetCurrent(Handle), "cuCtxSetCurrent");
        _currentOnThisThread = Handle;
    }

    public void Dispose()
    {
        if (_released) return;
        _released = true;
        if (_currentOnThisThread == Handle)
        {
            cuCtxSetCurrent(0);
            _currentOnThisThread = 0;
        }
        cuDevicePrimaryCtxRelease_v2(Device);
    }
}
