namespace GpuHbm.Compute;

/// <summary>
/// Device memory owned by one <see cref="Accelerator"/>: the untyped part every buffer shares,
/// so that buffers of any element type can be kernel arguments. Dispose frees the memory.
/// </summary>
public abstract class DeviceBuffer : IDisposable
{
    private int _disposed;

    protected DeviceBuffer(Accelerator accelerator, long length, int elementSize)
    {
        Accelerator = accelerator;
        Length = length;
        ElementSize = elementSize;
    }

    /// <summary>The accelerator whose memory this is.</summary>
    public Accelerator Accelerator { get; }

    /// <summary>Number of elements.</summary>
    public long Length { get; }

    /// <summary>Bytes per element.</summary>
    public int ElementSize { get; }

    /// <summary>Size in bytes.</summary>
    public long LengthInBytes => Length * ElementSize;

    /// <summary>Whether <see cref="Dispose()"/> has run.</summary>
    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>The 8 bytes passed to a kernel for this buffer: a cl_mem handle or a CUdeviceptr.</summary>
    internal abstract ulong ArgumentBits { get; }

    protected void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(IsDisposed, this);

    /// <summary>Frees the device memory (once).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0) DisposeInternal();
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the native allocation.</summary>
    protected abstract void DisposeInternal();
}

/// <summary>
/// A buffer of <typeparamref name="T"/> in device memory. Copies are synchronous and ordered
/// after every launch already issued on the accelerator.
/// </summary>
/// <remarks>
/// Interface notes: a backend supplies the two byte-range copies and <see cref="DeviceBuffer.DisposeInternal"/>;
/// range validation happens here.
/// </remarks>
public abstract unsafe class DeviceBuffer<T> : DeviceBuffer where T : unmanaged
{
    protected DeviceBuffer(Accelerator accelerator, long length) : base(accelerator, length, sizeof(T)) { }

    /// <summary>Copies <paramref name="source"/> into elements [offset, offset + source.Length).</summary>
    public void CopyFromHost(ReadOnlySpan<T> source, long offset = 0)
    {
        ThrowIfDisposed();
        CheckRange(offset, source.Length);
        if (source.IsEmpty) return;
        fixed (T* p = source) CopyFromHostInternal(p, offset * sizeof(T), (long)source.Length * sizeof(T));
        Accelerator.CountHostToDevice((long)source.Length * sizeof(T));
    }

    /// <summary>Copies elements [offset, offset + destination.Length) into <paramref name="destination"/>.</summary>
    public void CopyToHost(Span<T> destination, long offset = 0)
    {
        ThrowIfDisposed();
        CheckRange(offset, destination.Length);
        if (destination.IsEmpty) return;
        fixed (T* p = destination) CopyToHostInternal(p, offset * sizeof(T), (long)destination.Length * sizeof(T));
        Accelerator.CountDeviceToHost((long)destination.Length * sizeof(T));
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

    /// <summary>Writes <paramref name="bytes"/> bytes from host memory at <paramref name="byteOffset"/>; returns when done.</summary>
    protected abstract void CopyFromHostInternal(void* source, long byteOffset, long bytes);

    /// <summary>Reads <paramref name="bytes"/> bytes at <paramref name="byteOffset"/> into host memory; returns when done.</summary>
    protected abstract void CopyToHostInternal(void* destination, long byteOffset, long bytes);
}
