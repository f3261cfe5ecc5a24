using GpuHbm.Compute.Cuda;
using GpuHbm.Compute.OpenCl;

namespace GpuHbm.Compute;

/// <summary>
/// One device opened for work: allocates buffers, compiles and caches kernels, launches them
/// in issue order, synchronizes, and reports its capabilities.
/// </summary>
/// <remarks>
/// Interface notes: a backend supplies the <c>...Internal</c> members; the public members
/// validate their arguments first. Launches are asynchronous; buffer copies and
/// <see cref="Synchronize"/> wait for every launch issued before them. Errors are
/// <see cref="DeviceException"/>s. An accelerator may be used from several threads.
/// </remarks>
public abstract class Accelerator : IDisposable
{
    private int _disposed;
    private long _bytesToDevice, _bytesToHost, _launches;

    protected Accelerator(DeviceInfo device)
    {
        Device = device;
        Kernels = new KernelCache(this);
    }

    /// <summary>Opens <paramref name="device"/> (from <see cref="DeviceCatalog.Enumerate"/>).</summary>
    /// <exception cref="DeviceException">The device cannot be opened, or it is the managed CPU backend, which has no kernel accelerator.</exception>
    public static Accelerator Create(DeviceInfo device)
    {
        ArgumentNullException.ThrowIfNull(device);
        return device.Backend switch
        {
            BackendKind.OpenCl => new OpenClAccelerator(device),
            BackendKind.Cuda => new CudaAccelerator(device),
            _ => throw new DeviceException(
                "The managed CPU backend runs chains as managed code and has no kernel accelerator; choose an OpenCL or CUDA device."),
        };
    }

    /// <summary>The device.</summary>
    public DeviceInfo Device { get; }

    /// <summary>The device's backend.</summary>
    public BackendKind Backend => Device.Backend;

    /// <summary>The dialect kernel sources must be prepared for.</summary>
    public abstract KernelDialect Dialect { get; }

    /// <summary>SIMD width kernels should be sized for: CUDA's warp size; 1 on OpenCL, whose 1.2 API reports it only per kernel.</summary>
    public virtual int WarpSize => 1;

    /// <summary>The largest group (block) size of the device.</summary>
    public int MaxGroupSize => Device.MaxGroupSize;

    /// <summary>Local (shared) memory one group may use, in bytes.</summary>
    public long MaxLocalMemoryBytes => Device.MaxLocalMemoryBytes;

    /// <summary>Whether the device computes in double precision.</summary>
    public bool SupportsFp64 => Device.SupportsFp64;

    /// <summary>The compiled programs of this accelerator.</summary>
    public KernelCache Kernels { get; }

    /// <summary>Whether <see cref="Dispose()"/> has run.</summary>
    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>Bytes copied host → device so far (every <see cref="DeviceBuffer{T}.CopyFromHost"/>).</summary>
    public long BytesHostToDevice => Interlocked.Read(ref _bytesToDevice);

    /// <summary>Bytes copied device → host so far (every <see cref="DeviceBuffer{T}.CopyToHost"/>).</summary>
    public long BytesDeviceToHost => Interlocked.Read(ref _bytesToHost);

    /// <summary>Kernel launches issued so far.</summary>
    public long Launches => Interlocked.Read(ref _launches);

    /// <summary>A snapshot of the transfer and launch counters; subtract two snapshots for what happened in between.</summary>
    public TransferCounters Counters => new(BytesHostToDevice, BytesDeviceToHost, Launches);

    internal void CountHostToDevice(long bytes) => Interlocked.Add(ref _bytesToDevice, bytes);

    internal void CountDeviceToHost(long bytes) => Interlocked.Add(ref _bytesToHost, bytes);

    /// <summary>A new, uninitialized buffer of <paramref name="length"/> elements.</summary>
    /// <exception cref="DeviceException">Out of memory; the message gives the bytes requested.</exception>
    public DeviceBuffer<T> Allocate<T>(long length) where T : unmanaged
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        long bytes = checked(length * System.Runtime.CompilerServices.Unsafe.SizeOf<T>());
        if (bytes > Device.MaxAllocationBytes)
            throw DeviceException.OutOfMemory(Device, bytes, null,
                $"the device's largest single allocation is {DeviceException.FormatBytes(Device.MaxAllocationBytes)}, {Device.MaxAllocationBytes} bytes");
        return AllocateInternal<T>(length);
    }

    /// <summary>A new buffer holding a copy of <paramref name="values"/>.</summary>
    public DeviceBuffer<T> Allocate<T>(ReadOnlySpan<T> values) where T : unmanaged
    {
        var buffer = Allocate<T>(values.Length);
        try
        {
            buffer.CopyFromHost(values);
            return buffer;
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
    }

    /// <summary>The entry point <paramref name="entryPoint"/> of <paramref name="source"/>, compiled (once, through <see cref="Kernels"/>) with <paramref name="options"/>.</summary>
    /// <exception cref="DeviceException">Compilation failed; <see cref="DeviceException.BuildLog"/> has the compiler's log.</exception>
    public CompiledKernel LoadKernel(KernelSource source, string entryPoint, string options = "")
    {
        ThrowIfDisposed();
        return Kernels.GetOrCompile(source, options).GetKernel(entryPoint);
    }

    /// <summary>Issues <paramref name="kernel"/> over <paramref name="config"/> with <paramref name="arguments"/>; returns without waiting.</summary>
    public void Launch(CompiledKernel kernel, LaunchConfig config, params ReadOnlySpan<KernelArgument> arguments)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(kernel);
        if (kernel.Module.Accelerator != this)
            throw new ArgumentException($"Kernel {kernel} belongs to another accelerator.", nameof(kernel));
        config.Validate();
        if (config.GroupSize > Math.Min(kernel.MaxGroupSize, MaxGroupSize))
            throw new ArgumentOutOfRangeException(nameof(config),
                $"Group size {config.GroupSize} exceeds the limit {Math.Min(kernel.MaxGroupSize, MaxGroupSize)} of kernel {kernel.Name} on {Device.Describe()}.");
        if (config.DynamicLocalBytes > MaxLocalMemoryBytes)
            throw new ArgumentOutOfRangeException(nameof(config),
                $"{config.DynamicLocalBytes} bytes of dynamic local memory exceed the {MaxLocalMemoryBytes} bytes of {Device.Describe()}.");
        foreach (var a in arguments)
        {
            if (a.Buffer is not { } b) continue;
            if (b.Accelerator != this) throw new ArgumentException($"A buffer passed to {kernel.Name} belongs to another accelerator.", nameof(arguments));
            if (b.IsDisposed) throw new ObjectDisposedException($"A buffer passed to {kernel.Name} has been disposed.");
        }
        kernel.Signature?.Check(arguments, config);
        if (config.Groups == 0) return;
        LaunchInternal(kernel, config, arguments);
        Interlocked.Increment(ref _launches);
    }

    /// <summary>Waits until every launch issued so far has finished; reports errors they raised.</summary>
    public void Synchronize()
    {
        ThrowIfDisposed();
        SynchronizeInternal();
    }

    /// <summary>Allocates device memory (length ≥ 1, within the device's allocation limit).</summary>
    protected abstract DeviceBuffer<T> AllocateInternal<T>(long length) where T : unmanaged;

    /// <summary>Compiles <paramref name="source"/> (already checked to be in this dialect). Called by <see cref="KernelCache"/> on a miss.</summary>
    protected internal abstract CompiledModule CompileInternal(KernelSource source, string options);

    /// <summary>Issues a validated launch (Groups ≥ 1).</summary>
    protected abstract void LaunchInternal(CompiledKernel kernel, LaunchConfig config, ReadOnlySpan<KernelArgument> arguments);

    /// <summary>Blocks until the device is idle.</summary>
    protected abstract void SynchronizeInternal();

    /// <summary>Releases the device context and queue (after the cache's modules are released).</summary>
    protected abstract void DisposeInternal();

    protected void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(IsDisposed, this);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        Kernels.Dispose();
        DisposeInternal();
        GC.SuppressFinalize(this);
    }

    public override string ToString() => Device.Describe();
}

/// <summary>Host ↔ device traffic and kernel launches of one <see cref="Accelerator"/> (a snapshot of its counters).</summary>
/// <param name="HostToDevice">Bytes copied host → device.</param>
/// <param name="DeviceToHost">Bytes copied device → host.</param>
/// <param name="Launches">Kernel launches.</param>
public readonly record struct TransferCounters(long HostToDevice, long DeviceToHost, long Launches)
{
    /// <summary>Bytes moved in both directions.</summary>
    public long TotalBytes => HostToDevice + DeviceToHost;

    /// <summary>What happened between two snapshots.</summary>
    public static TransferCounters operator -(TransferCounters later, TransferCounters earlier) =>
        new(later.HostToDevice - earlier.HostToDevice, later.DeviceToHost - earlier.DeviceToHost, later.Launches - earlier.Launches);

    public override string ToString() => $"{HostToDevice} B host→device, {DeviceToHost} B device→host, {Launches} launches";
}
