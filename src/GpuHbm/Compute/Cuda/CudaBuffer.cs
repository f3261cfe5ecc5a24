using static GpuHbm.Compute.Native.CudaDriverApi;

namespace GpuHbm.Compute.Cuda;

/// <summary>Device memory from cuMemAlloc_v2; copies are synchronous (they wait for earlier launches).</summary>
public sealed unsafe class CudaBuffer<T> : DeviceBuffer<T> where T : unmanaged
{
    private readonly CudaAccelerator _accelerator;
    private readonly ulong _pointer;

    internal CudaBuffer(CudaAccelerator accelerator, ulong pointer, long length) : base(accelerator, length)
    {
        _accelerator = accelerator;
        _pointer = pointer;
    }

    internal override ulong ArgumentBits => _pointer;

    protected override void CopyFromHostInternal(void* source, long byteOffset, long bytes)
    {
        _accelerator.Context.MakeCurrent();
        Check(cuMemcpyHtoD_v2(_pointer + (ulong)byteOffset, source, (nuint)bytes), "cuMemcpyHtoD_v2", $"{bytes} bytes at offset {byteOffset}");
    }

    protected override void CopyToHostInternal(void* destination, long byteOffset, long bytes)
    {
        _accelerator.Context.MakeCurrent();
        Check(cuMemcpyDtoH_v2(destination, _pointer + (ulong)byteOffset, (nuint)bytes), "cuMemcpyDtoH_v2", $"{bytes} bytes at offset {byteOffset}");
    }

    protected override void DisposeInternal()
    {
        if (_accelerator.IsDisposed) return; // the primary context's release freed it
        _accelerator.Context.MakeCurrent();
        cuMemFree_v2(_pointer);
    }
}
