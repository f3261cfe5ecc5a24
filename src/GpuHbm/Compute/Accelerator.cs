using System.Collections.Concurrent;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;

namespace GpuHbm.Compute;

/// <summary>
/// One device opened for work through ILGPU: its own ILGPU context and accelerator, buffers (out of memory
/// turned into GpuHbm's message with the bytes needed), the kernels loaded on it (compiled once per
/// accelerator), the launch shape every kernel uses, and counters of host ↔ device traffic and launches.
/// </summary>
/// <remarks>
/// Launch shape: every kernel takes groups of <see cref="GroupSize"/> threads (a power of two; the fixed
/// reduction trees depend on it) and at most <see cref="MaxGroups"/> groups, and spreads its work by grid-stride
/// or group-stride loops, so a result never depends on the grid. On a GPU the group is 128 threads and the grid
/// one full wave of the device; ILGPU's CPU accelerator runs every group lane as an OS thread that spins at each
/// barrier, and pays a barrier per group, so there the group is <see cref="CpuAcceleratorGroupSize"/> threads on
/// one simulated multiprocessor (measured on the 2-core development machine: a trivial launch costs 20–100 µs with
/// 2 or 4 threads and 140–450 µs with 16; a launch with a few group reductions ~1 ms with groups of 2 and ~6 ms with
/// groups of 4 at load average 55). The wide reduction trees of a GPU are tested on a CPU accelerator with groups of
/// 128 (<see cref="CreateCpu(int, int?, int)"/>).
/// Launches are asynchronous on the accelerator's default stream; copies and <see cref="Synchronize"/> wait for
/// them. ILGPU binds the CUDA context to the calling thread itself, so an accelerator may move between threads,
/// but one accelerator serves one sampler at a time.
/// </remarks>
public sealed class Accelerator : IDisposable, Models.Kinship.IGramDevice
{
    /// <summary>Threads per group on ILGPU's CPU accelerator (one warp, one multiprocessor).</summary>
    public const int CpuAcceleratorGroupSize = 2;

    /// <summary>Threads per group on a GPU.</summary>
    public const int GpuGroupSize = 128;

    private readonly Context _context;
    private readonly ConcurrentDictionary<string, object> _kernels = new();
    private long _bytesToDevice, _bytesToHost, _launches;
    private int _disposed;

    private Accelerator(DeviceInfo device, Context context, ILGPU.Runtime.Accelerator native, int? groupSize = null)
    {
        Device = device;
        _context = context;
        Native = native;
        int max = Math.Min(native.MaxNumThreadsPerGroup, GroupReduceLimit);
        GroupSize = groupSize ?? Math.Min(GpuGroupSize, 1 << (31 - System.Numerics.BitOperations.LeadingZeroCount((uint)max)));
        MaxGroups = native is CPUAccelerator
            ? 2 * native.NumMultiprocessors
            : native.NumMultiprocessors * Math.Max(1, native.MaxNumThreadsPerMultiprocessor / GroupSize);
    }

    private const int GroupReduceLimit = Kernels.GroupReduce.MaxGroupSize;

    /// <summary>Opens <paramref name="device"/> (from <see cref="DeviceCatalog.Enumerate"/>).</summary>
    /// <exception cref="DeviceException">The device cannot be opened or cannot run GpuHbm's kernels, or it is the managed CPU backend.</exception>
    public static Accelerator Create(DeviceInfo device)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (device.Backend == BackendKind.Cpu)
            throw new DeviceException("The managed CPU backend runs chains as managed code and has no kernel accelerator; "
                + "choose the CPU accelerator (--backend cpu-accelerator), an OpenCL GPU or a CUDA device.");
        if (device.Unsupported is { } why) throw new DeviceException($"{device.Describe()} cannot run GpuHbm's kernels: {why}.");
        return device.Backend switch
        {
            BackendKind.CpuAccelerator => CreateCpu(device.MaxGroupSize, device.MaxGroupSize, device.ComputeUnits, device),
            BackendKind.OpenCl => Open(device, b => b.OpenCL(DeviceCatalog.AnyOpenClDevice), c => c.GetCLDevices()[device.Index]),
            _ => Open(device, b => b.Cuda(), c => c.GetCudaDevices()[device.Index]),
        };
    }

    /// <summary>
    /// ILGPU's CPU accelerator whose kernels run in groups of <paramref name="groupSize"/> threads (a power of two, at
    /// most 256) on a simulated device allowing groups of up to <paramref name="maxGroupSize"/> threads (the Gram
    /// product takes the largest square group) on <paramref name="multiprocessors"/> multiprocessors. The catalog's
    /// CPU accelerator is (4, 4, 1); tests open wider ones to run the kernels at a GPU's launch shapes.
    /// </summary>
    public static Accelerator CreateCpu(int groupSize = CpuAcceleratorGroupSize, int? maxGroupSize = null, int multiprocessors = 1) =>
        CreateCpu(groupSize, maxGroupSize ?? groupSize, multiprocessors, null);

    private static Accelerator CreateCpu(int groupSize, int maxGroupSize, int multiprocessors, DeviceInfo? device)
    {
        if (groupSize < 2 || groupSize > GroupReduceLimit || (groupSize & (groupSize - 1)) != 0)
            throw new ArgumentOutOfRangeException(nameof(groupSize), $"the CPU accelerator takes groups of 2 to {GroupReduceLimit} threads, a power of two");
        if (maxGroupSize < groupSize || maxGroupSize > GroupReduceLimit || (maxGroupSize & (maxGroupSize - 1)) != 0)
            throw new ArgumentOutOfRangeException(nameof(maxGroupSize), $"the largest group must be a power of two from {groupSize} to {GroupReduceLimit}");
        var cpu = new CPUDevice(maxGroupSize, 1, multiprocessors);
        var context = Context.Create(b => Options(b).CPU(cpu));
        try
        {
            var native = cpu.CreateCPUAccelerator(context, CPUAcceleratorMode.Parallel);
            return new Accelerator(device ?? DeviceCatalog.CpuAcceleratorDevice(maxGroupSize, multiprocessors), context, native, groupSize);
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    private static Accelerator Open(DeviceInfo device, Func<Context.Builder, Context.Builder> backend, Func<Context, Device> pick)
    {
        Context? context = null;
        try
        {
            context = Context.Create(b => backend(Options(b)));
            var native = pick(context).CreateAccelerator(context);
            return new Accelerator(device, context, native);
        }
        catch (Exception e) when (e is AcceleratorException or InvalidOperationException or NotSupportedException or ArgumentOutOfRangeException)
        {
            context?.Dispose();
            throw new DeviceException($"Opening {device.Describe()} failed: {e.Message}", e);
        }
    }

    /// <summary>The ILGPU options every GpuHbm context uses: O2, IEEE math (no fast math), ILGPU.Algorithms enabled.</summary>
    internal static Context.Builder Options(Context.Builder builder) =>
        builder.Optimize(OptimizationLevel.O2).Math(MathMode.Default).EnableAlgorithms();

    /// <summary>The device.</summary>
    public DeviceInfo Device { get; }

    /// <summary>The device's backend.</summary>
    public BackendKind Backend => Device.Backend;

    /// <summary>The ILGPU accelerator (for the kernel launchers and for native interop such as cuSOLVER on its stream).</summary>
    internal ILGPU.Runtime.Accelerator Native { get; }

    /// <summary>Threads per group of every GpuHbm launch (a power of two).</summary>
    public int GroupSize { get; }

    /// <summary>The most groups one launch uses (grid-stride and group-stride loops cover the rest).</summary>
    public int MaxGroups { get; }

    /// <summary>Whether the device computes in double precision.</summary>
    public bool SupportsFp64 => Device.SupportsFp64;

    /// <summary>Whether <see cref="Dispose()"/> has run.</summary>
    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>Bytes copied host → device so far.</summary>
    public long BytesHostToDevice => Interlocked.Read(ref _bytesToDevice);

    /// <summary>Bytes copied device → host so far.</summary>
    public long BytesDeviceToHost => Interlocked.Read(ref _bytesToHost);

    /// <summary>Kernel launches issued so far.</summary>
    public long Launches => Interlocked.Read(ref _launches);

    /// <summary>A snapshot of the transfer and launch counters; subtract two snapshots for what happened in between.</summary>
    public TransferCounters Counters => new(BytesHostToDevice, BytesDeviceToHost, Launches);

    internal void CountHostToDevice(long bytes) => Interlocked.Add(ref _bytesToDevice, bytes);

    internal void CountDeviceToHost(long bytes) => Interlocked.Add(ref _bytesToHost, bytes);

    /// <summary>Groups for a grid-stride launch over <paramref name="items"/> work items (at least 1, at most <see cref="MaxGroups"/>).</summary>
    public int GroupsFor(long items) => (int)Math.Clamp((items + GroupSize - 1) / GroupSize, 1, MaxGroups);

    /// <summary>Groups for a group-stride launch over <paramref name="groupItems"/> items of a group each.</summary>
    public int GroupsForGroups(long groupItems) => (int)Math.Clamp(groupItems, 1, MaxGroups);

    /// <summary>The launch shape: <paramref name="groups"/> groups of <see cref="GroupSize"/>.</summary>
    internal KernelConfig Shape(int groups) => new(groups, GroupSize);

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
        try
        {
            return new DeviceBuffer<T>(this, Native.Allocate1D<T>(length));
        }
        catch (Exception e) when (OutOfMemoryError(e) is { } error)
        {
            throw DeviceException.OutOfMemory(Device, bytes, error);
        }
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

    /// <summary>The name of an out-of-memory error, or null when <paramref name="e"/> is something else.</summary>
    internal static string? OutOfMemoryError(Exception e) => e switch
    {
        OutOfMemoryException => "OutOfMemoryException",
        CudaException c when c.Error == "CUDA_ERROR_OUT_OF_MEMORY" => c.Error,
        CLException c when c.Error is CLError.CL_MEM_OBJECT_ALLOCATION_FAILURE or CLError.CL_OUT_OF_RESOURCES
            or CLError.CL_OUT_OF_HOST_MEMORY or CLError.CL_INVALID_BUFFER_SIZE => c.Error.ToString(),
        _ => null,
    };

    /// <summary>
    /// The kernel <paramref name="name"/>, compiled for this device on first use by <paramref name="load"/> (an ILGPU
    /// <c>LoadStreamKernel</c>) and kept: later calls return the same launcher.
    /// </summary>
    /// <exception cref="DeviceException">ILGPU could not compile the kernel for this device.</exception>
    internal TLauncher Kernel<TLauncher>(string name, Func<ILGPU.Runtime.Accelerator, TLauncher> load) where TLauncher : Delegate
    {
        ThrowIfDisposed();
        return (TLauncher)_kernels.GetOrAdd(name, _ =>
        {
            try
            {
                return load(Native);
            }
            catch (Exception e) when (e is not DeviceException)
            {
                throw new DeviceException($"Compiling kernel {name} for {Device.Describe()} failed: {e.Message}", e);
            }
        });
    }

    /// <summary>The device's description, for the GRM's record of where its Gram product ran.</summary>
    string Models.Kinship.IGramDevice.Description => Device.Describe();

    /// <summary>The Gram product of the GRM on this device (<see cref="DeviceGram"/>).</summary>
    Models.Kinship.IGramAccumulator Models.Kinship.IGramDevice.Open(int n, int maxColumns) => new DeviceGram(this, n, maxColumns);

    /// <summary>Counts one launch (the launchers call it after issuing a kernel).</summary>
    internal void Launched() => Interlocked.Increment(ref _launches);

    /// <summary>Waits until every launch issued so far has finished; reports errors they raised.</summary>
    public void Synchronize()
    {
        ThrowIfDisposed();
        Guard("synchronizing", () => Native.Synchronize());
    }

    /// <summary>Runs a runtime call, turning ILGPU's accelerator errors into a <see cref="DeviceException"/> naming the operation.</summary>
    internal void Guard(string operation, Action call)
    {
        try
        {
            call();
        }
        catch (AcceleratorException e)
        {
            string? name = e switch { CudaException c => c.Error, CLException c => c.Error.ToString(), _ => null };
            throw new DeviceException($"{Device.Describe()} failed while {operation}: {e.Message}", name, inner: e);
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(IsDisposed, this);

    /// <summary>Releases the accelerator and its ILGPU context (buffers should be disposed first).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        Native.Dispose();
        _context.Dispose();
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
