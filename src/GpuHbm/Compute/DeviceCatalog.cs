using GpuHbm.Compute.Cuda;
using GpuHbm.Compute.OpenCl;

namespace GpuHbm.Compute;

/// <summary>
/// The devices this machine offers, per backend, and for each backend that offers none the
/// reason why (library missing, no platform, driver error). Backs <c>gpuhbm devices</c>.
/// </summary>
/// <remarks>
/// Enumeration never throws for a missing library or driver: it reports. The managed CPU
/// backend is always available. Each call probes afresh (cheap: no context is created).
/// </remarks>
public sealed class DeviceCatalog
{
    /// <summary>Every device found, CPU first, then OpenCL, then CUDA.</summary>
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

        statuses.Add(OpenClDeviceProbe.Probe(devices));
        statuses.Add(CudaDeviceProbe.Probe(devices));
        return new DeviceCatalog(devices, statuses);
    }

    /// <summary>The status of one backend.</summary>
    public BackendStatus Status(BackendKind backend) => Backends.First(s => s.Backend == backend);

    /// <summary>The devices of one backend (empty when it is unavailable).</summary>
    public IEnumerable<DeviceInfo> DevicesOf(BackendKind backend) => Devices.Where(d => d.Backend == backend);

    /// <summary>The first device of <paramref name="backend"/> that can run kernels, or null.</summary>
    public DeviceInfo? FirstUsable(BackendKind backend) =>
        Status(backend).IsAvailable ? DevicesOf(backend).FirstOrDefault() : null;

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
                    + $"{d.ComputeUnits} compute units, max group {d.MaxGroupSize}, fp64 {(d.SupportsFp64 ? "yes" : "no")}, {d.Version}");
            }
        }
        return sb.ToString();
    }

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
}
