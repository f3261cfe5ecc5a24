using static GpuHbm.Compute.Native.OpenClApi;

namespace GpuHbm.Compute.OpenCl;

/// <summary>A cl_mem buffer; copies are blocking reads and writes on the accelerator's in-order queue.</summary>
public sealed unsafe class OpenClBuffer<T> : DeviceBuffer<T> where T : unmanaged
{
    private readonly OpenClAccelerator _accelerator;
    private readonly nint _mem;

    internal OpenClBuffer(OpenClAccelerator accelerator, nint mem, long length) : base(accelerator, length)
    {
        _accelerator = accelerator;
        _mem = mem;
    }

    internal override ulong ArgumentBits => (ulong)_mem;

    protected override void CopyFromHostInternal(void* source, long byteOffset, long bytes) =>
        Check(clEnqueueWriteBuffer(_accelerator.Queue, _mem, CL_TRUE, (nuint)byteOffset, (nuint)bytes, source, 0, null, null),
            "clEnqueueWriteBuffer", $"{bytes} bytes at offset {byteOffset}");

    protected override void CopyToHostInternal(void* destination, long byteOffset, long bytes) =>
        Check(clEnqueueReadBuffer(_accelerator.Queue, _mem, CL_TRUE, (nuint)byteOffset, (nuint)bytes, destination, 0, null, null),
            "clEnqueueReadBuffer", $"{bytes} bytes at offset {byteOffset}");

    protected override void DisposeInternal() => clReleaseMemObject(_mem);
}
