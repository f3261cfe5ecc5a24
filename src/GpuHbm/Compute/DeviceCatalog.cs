using ILGPU.Runtime.OpenCL;

namespace GpuHbm.Compute;

/// <summary>
/// The devices this machine offers, per backend, and for each backend that offers none the reason why
/// (library missing, no driver registered, a driver whose devices ILGPU cannot use). Backs <c>gpuhbm devices</c>.
/// </summary>
/// <remarks>
/// Enumeration never throws for a missing library or driver: it reports. The managed CPU backend and ILGPU's
/// CPU accelerator are always available. Each call probes afresh (cheap: no accelerator is created).
/// </remarks>
public sealed class DeviceCatalog
{
    /// <summary>Every device found: the managed CPU, the CPU accelerator, then OpenCL, then CUDA.</summary>
    public IReadOnlyList<DeviceInfo> Devices { get; }

    /// <summary>One status per backend, in <see cref="BackendKind"/> order.</summary>
    public IReadOnlyList<BackendStatus> Backends { get; }

    private DeviceCatalog(IReadOnlyList<DeviceInfo> devices, IReadOnlyList<BackendStatus> backends)
    {
        Devices = devices;
        Backends = backends;
    }

    /// <summary>Serializes the probes: the OpenCL ICD loader and drivers are not safe to enumerate from two threads at once.</summary>
    private static readonly object ProbeLock = new();

    /// <summary>Probes every backend (one probe at a time in the process).</summary>
    public static DeviceCatalog Enumerate()
    {
        lock (ProbeLock) return EnumerateUnlocked();
    }

    private static DeviceCatalog EnumerateUnlocked()
    {
        var devices = new List<DeviceInfo>();
        var statuses = new List<BackendStatus>();

        var cpu = CpuDevice();
        devices.Add(cpu);
        statuses.Add(BackendStatus.Available(BackendKind.Cpu, $"CPU available: managed .NET backend, {cpu.ComputeUnits} cores"));

        var accelerator = CpuAcceleratorDevice(Accelerator.CpuAcceleratorGroupSize, 1);
        devices.Add(accelerator);
        statuses.Add(BackendStatus.Available(BackendKind.CpuAccelerator,
            $"CPU accelerator available: ILGPU {CudaProbe.IlgpuVersion} runs the device kernels on .NET threads "
            + $"(groups of {accelerator.MaxGroupSize}); for tests and debugging, much slower than --backend cpu"));

        statuses.Add(OpenClProbe.Probe(devices));
        statuses.Add(CudaProbe.Probe(devices));
        return new DeviceCatalog(devices, statuses);
    }

    /// <summary>The status of one backend.</summary>
    public BackendStatus Status(BackendKind backend) => Backends.First(s => s.Backend == backend);

    /// <summary>The devices of one backend (empty when it has none).</summary>
    public IEnumerable<DeviceInfo> DevicesOf(BackendKind backend) => Devices.Where(d => d.Backend == backend);

    /// <summary>The first device of <paramref name="backend"/> that can run kernels, or null.</summary>
    public DeviceInfo? FirstUsable(BackendKind backend) =>
        Status(backend).IsAvailable ? DevicesOf(backend).FirstOrDefault(d => d.IsUsable) : null;

    /// <summary>A human-readable listing: one line per backend status, one per device.</summary>
    public override string ToString()
    {
        var sb = new System.Text.StringBuilder();
        foreach (var status in Backends)
        {
            sb.AppendLine(status.Message);
            foreach (var d in DevicesOf(status.Backend))
            {
                string cc = d.ComputeCapability is { } c ? $"sm_{c.Major}{c.Minor}, " : "";
                sb.AppendLine($"  [{d.Index}] {d.Name} ({d.Vendor}): {cc}{DeviceException.FormatBytes(d.GlobalMemoryBytes)}, "
                    + $"{d.ComputeUnits} compute units, max group {d.MaxGroupSize}, fp64 {(d.SupportsFp64 ? "yes" : "no")}, {d.Version}"
                    + (d.Unsupported is { } why ? $"; not usable: {why}" : ""));
            }
        }
        return sb.ToString();
    }

    /// <summary>ILGPU's OpenCL device filter that lets every device through, so the catalog can say why one is unusable.</summary>
    internal static bool AnyOpenClDevice(CLDevice device) => true;

    private static DeviceInfo CpuDevice()
    {
        long memory = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        return new DeviceInfo(
            BackendKind.Cpu, 0, "Managed CPU", System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString(),
            memory, SupportsFp64: true, Version: System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription,
            ComputeCapability: null, MaxGroupSize: 1, ComputeUnits: Environment.ProcessorCount,
            MaxLocalMemoryBytes: 0, MaxAllocationBytes: Array.MaxLength * 8L,
            DriverVersion: Environment.Version.ToString(), Platform: null) { DeviceType = "CPU" };
    }

    /// <summary>ILGPU's CPU accelerator with groups of <paramref name="groupSize"/> on <paramref name="multiprocessors"/> simulated multiprocessors.</summary>
    internal static DeviceInfo CpuAcceleratorDevice(int groupSize, int multiprocessors)
    {
        long memory = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        return new DeviceInfo(
            BackendKind.CpuAccelerator, 0, "CPUAccelerator", "ILGPU", memory, SupportsFp64: true,
            Version: $"ILGPU {CudaProbe.IlgpuVersion} on {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}",
            ComputeCapability: null, MaxGroupSize: groupSize, ComputeUnits: multiprocessors,
            MaxLocalMemoryBytes: int.MaxValue, MaxAllocationBytes: memory,
            DriverVersion: CudaProbe.IlgpuVersion, Platform: "ILGPU CPU accelerator") { DeviceType = "CPU" };
    }
}
