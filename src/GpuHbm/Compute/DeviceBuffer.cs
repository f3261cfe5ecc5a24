using ILGPU;
using ILGPU.Runtime;

namespace GpuHbm.Compute;

/// <summary>
/// A buffer of <typeparamref name="T"/> in one <see cref="Accelerator"/>'s memory (an ILGPU 1D buffer): kernels
/// take its <see cref="View"/>; copies are synchronous, ordered after every launch already issued, and counted
/// by the accelerator. Dispose frees the memory.
/// </summary>
public sealed class DeviceBuffer<T> : IDisposable where T : unmanaged
{
    private readonly MemoryBuffer1D<T, Stride1D.Dense> _buffer;
    private int _disposed;

    internal DeviceBuffer(Accelerator accelerator, MemoryBuffer1D<T, Stride1D.Dense> buffer)
    {
        Accelerator = accelerator;
        _buffer = buffer;
    }

    /// <summary>The accelerator whose memory this is.</summary>
    public Accelerator Accelerator { get; }

    /// <summary>Number of elements.</summary>
    public long Length => _buffer.Length;

    /// <summary>Size in bytes.</summary>
    public long LengthInBytes => _buffer.LengthInBytes;

    /// <summary>Whether <see cref="Dispose()"/> has run.</summary>
    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>The whole buffer as a kernel argument.</summary>
    public ArrayView<T> View
    {
        get
        {
            ThrowIfDisposed();
            return _buffer.View;
        }
    }

    /// <summary>The device address of element 0 (CUDA: a CUdeviceptr), for native libraries on the same device.</summary>
    internal nint NativePointer => _buffer.NativePtr;

    /// <summary>Copies <paramref name="source"/> into elements [offset, offset + source.Length).</summary>
    public unsafe void CopyFromHost(ReadOnlySpan<T> source, long offset = 0)
    {
        ThrowIfDisposed();
        CheckRange(offset, source.Length);
        if (source.IsEmpty) return;
        var view = _buffer.View.SubView(offset, source.Length);
        int length = source.Length;
        fixed (T* p = source)
        {
            nint address = (nint)p;
            Accelerator.Guard("copying to the device", () => view.CopyFromCPU(ref *(T*)address, length));
        }
        Accelerator.CountHostToDevice((long)length * sizeof(T));
    }

    /// <summary>Copies elements [offset, offset + destination.Length) into <paramref name="destination"/>.</summary>
    public unsafe void CopyToHost(Span<T> destination, long offset = 0)
    {
        ThrowIfDisposed();
        CheckRange(offset, destination.Length);
        if (destination.IsEmpty) return;
        var view = _buffer.View.SubView(offset, destination.Length);
        int length = destination.Length;
        fixed (T* p = destination)
        {
            nint address = (nint)p;
            Accelerator.Guard("copying to the host", () => view.CopyToCPU(ref *(T*)address, length));
        }
        Accelerator.CountDeviceToHost((long)length * sizeof(T));
    }

    /// <summary>The whole buffer as a new array.</summary>
    public T[] ToArray()
    {
        var result = new T[Length];
        CopyToHost(result);
        return result;
    }

    private void CheckRange(long offset, int count)
    {
        if (offset < 0 || offset + count > Length)
            throw new ArgumentOutOfRangeException(nameof(offset),
                $"Elements [{offset}, {offset + count}) are outside the device buffer of {Length} {typeof(T).Name}.");
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(IsDisposed, this);

    /// <summary>Frees the device memory (once).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0) _buffer.Dispose();
    }
}
