namespace GpuHbm.Compute;

/// <summary>The backend and device a fit runs on, and why they were chosen (the line <c>gpuhbm fit</c> prints).</summary>
/// <param name="Backend">The backend.</param>
/// <param name="Device">The device (the managed CPU pseudo-device for <see cref="BackendKind.Cpu"/>).</param>
/// <param name="Reason">One line: what was asked and why this device.</param>
public sealed record BackendChoice(BackendKind Backend, DeviceInfo Device, string Reason)
{
    /// <summary>"cpu", "cpu-accelerator", "opencl" or "cuda": the --backend value that selects this backend explicitly.</summary>
    public string Name => BackendSelection.NameOf(Backend);

    /// <summary>Whether the chains run as one ensemble on a kernel accelerator (ILGPU's CPU accelerator, OpenCL or CUDA).</summary>
    public bool IsDevice => Backend != BackendKind.Cpu;
}

/// <summary>
/// <c>--backend auto|cpu|cpu-accelerator|opencl|cuda</c> and <c>--device N</c>: picks the backend and device of a fit.
/// </summary>
/// <remarks>
/// auto picks, in order: a usable CUDA device; a usable OpenCL device of type GPU with fp64; the managed CPU backend.
/// ILGPU's CPU accelerator is never picked by auto — it runs the device kernels on .NET threads, for tests and
/// debugging — but <c>--backend cpu-accelerator</c> uses it. <c>--device N</c> is the index within the chosen
/// backend's devices as <c>gpuhbm devices</c> lists them (with auto, within the backend auto settles on). Explicit
/// opencl or cuda with no usable device fails with the catalog's reason (missing library, no driver, a driver ILGPU
/// cannot use).
/// </remarks>
public static class BackendSelection
{
    /// <summary>The accepted --backend values.</summary>
    public static readonly IReadOnlyList<string> Names = ["auto", "cpu", "cpu-accelerator", "opencl", "cuda"];

    /// <summary>The --backend value of a backend.</summary>
    public static string NameOf(BackendKind backend) => backend switch
    {
        BackendKind.Cpu => "cpu",
        BackendKind.CpuAccelerator => "cpu-accelerator",
        BackendKind.OpenCl => "opencl",
        _ => "cuda",
    };

    /// <summary>Throws a <see cref="GpuHbmException"/> unless <paramref name="backend"/> is one of <see cref="Names"/>.</summary>
    public static string Normalize(string? backend)
    {
        string name = (backend ?? "auto").Trim().ToLowerInvariant();
        if (!Names.Contains(name))
            throw new GpuHbmException($"unknown backend '{backend}' (use auto, cpu, cpu-accelerator, opencl or cuda)");
        return name;
    }

    /// <summary>The model as the device kernels take it, or null when they cannot run it.</summary>
    /// <remarks>Every <see cref="Models.CompiledModel"/> (relationship-matrix terms included, the general kinship path);
    /// the kinship fast path (FastLmmModel) stays on the managed CPU.</remarks>
    public static Models.CompiledModel? DeviceModel(Models.IPosteriorModel model) => model as Models.CompiledModel;

    /// <summary>Why the device kernels cannot run <paramref name="model"/> (see <see cref="DeviceModel"/>).</summary>
    public static string DeviceLimitation(Models.IPosteriorModel model) =>
        $"it takes the kinship fast path ({model.GetType().Name}), which runs on the managed CPU backend "
        + "(--fast-path off runs the general path on the device)";

    /// <summary>
    /// Adjusts a choice to the model: a model the device kernels cannot run goes to the managed CPU when the
    /// backend was auto (the reason says so), and is an error when a device backend was asked for explicitly.
    /// </summary>
    public static BackendChoice ForModel(BackendChoice choice, Models.IPosteriorModel model, string? requested, DeviceCatalog? catalog = null)
    {
        ArgumentNullException.ThrowIfNull(choice);
        if (!choice.IsDevice || DeviceModel(model) is not null) return choice;
        if (Normalize(requested) != "auto")
            throw new GpuHbmException($"--backend {choice.Name} cannot run this model: {DeviceLimitation(model)}; use --backend cpu");
        var cpu = (catalog ?? DeviceCatalog.Enumerate()).DevicesOf(BackendKind.Cpu).First();
        return new BackendChoice(BackendKind.Cpu, cpu, $"auto: {choice.Device.Describe()} was found, but {DeviceLimitation(model)}; {cpu.Describe()}");
    }

    /// <summary>Chooses the backend and device; <paramref name="catalog"/> defaults to a fresh <see cref="DeviceCatalog.Enumerate"/>.</summary>
    /// <exception cref="GpuHbmException">Unknown backend, backend unavailable (with the reason), or no such device.</exception>
    public static BackendChoice Select(string? backend, int? device = null, DeviceCatalog? catalog = null)
    {
        string name = Normalize(backend);
        if (device is < 0) throw new GpuHbmException($"--device must be 0 or more (got {device})");
        catalog ??= DeviceCatalog.Enumerate();
        var cpu = catalog.DevicesOf(BackendKind.Cpu).First();
        switch (name)
        {
            case "cpu":
                if (device is > 0) throw new GpuHbmException($"--backend cpu has a single device 0 (got --device {device})");
                return new BackendChoice(BackendKind.Cpu, cpu, $"--backend cpu: {cpu.Describe()}");
            case "cpu-accelerator":
            {
                if (device is > 0) throw new GpuHbmException($"--backend cpu-accelerator has a single device 0 (got --device {device})");
                var accelerator = catalog.DevicesOf(BackendKind.CpuAccelerator).First();
                return new BackendChoice(BackendKind.CpuAccelerator, accelerator,
                    $"--backend cpu-accelerator: {accelerator.Describe()}: the device kernels on .NET threads, for tests and debugging (much slower than --backend cpu)");
            }
            case "opencl":
            case "cuda":
            {
                var kind = name == "opencl" ? BackendKind.OpenCl : BackendKind.Cuda;
                var status = catalog.Status(kind);
                if (!status.IsAvailable) throw new GpuHbmException($"--backend {name}: {status.Message}");
                var chosen = Pick(catalog, kind, device, name, d => true);
                return new BackendChoice(kind, chosen, $"--backend {name}: {chosen.Describe()}, {DeviceException.FormatBytes(chosen.GlobalMemoryBytes)}");
            }
            default:
                return Auto(catalog, device, cpu);
        }
    }

    private static BackendChoice Auto(DeviceCatalog catalog, int? device, DeviceInfo cpu)
    {
        var cuda = catalog.Status(BackendKind.Cuda);
        if (cuda.IsAvailable && catalog.DevicesOf(BackendKind.Cuda).Any(d => d.IsUsable))
        {
            var d = Pick(catalog, BackendKind.Cuda, device, "auto", _ => true);
            return new BackendChoice(BackendKind.Cuda, d, $"auto: CUDA is available, using {d.Describe()}");
        }
        var openCl = catalog.Status(BackendKind.OpenCl);
        var gpus = catalog.DevicesOf(BackendKind.OpenCl).Where(d => d.IsGpu && d.IsUsable).ToList();
        string noCuda = $"no CUDA ({Because(cuda)})";
        if (openCl.IsAvailable && gpus.Count > 0)
        {
            var d = Pick(catalog, BackendKind.OpenCl, device ?? gpus[0].Index, "auto", x => x.IsGpu);
            return new BackendChoice(BackendKind.OpenCl, d, $"auto: {noCuda}; using the OpenCL GPU {d.Describe()}");
        }
        if (device is > 0)
            throw new GpuHbmException($"--device {device}: auto found no GPU ({noCuda}; no OpenCL GPU) and the CPU backend has only device 0");
        string noOpenClGpu;
        if (!openCl.IsAvailable) noOpenClGpu = $"no OpenCL GPU ({Because(openCl)})";
        else
        {
            var others = catalog.DevicesOf(BackendKind.OpenCl).Where(d => d.IsUsable).Select(d => $"'{d.Name}' ({d.DeviceType})");
            noOpenClGpu = $"no OpenCL GPU (OpenCL offers only {string.Join(", ", others)}; --backend opencl runs on it anyway)";
        }
        return new BackendChoice(BackendKind.Cpu, cpu, $"auto: {noCuda} and {noOpenClGpu}; using {cpu.Describe()}");
    }

    private static string Because(BackendStatus status)
    {
        const string marker = "unavailable because ";
        int i = status.Message.IndexOf(marker, StringComparison.Ordinal);
        return i >= 0 ? status.Message[(i + marker.Length)..] : status.Message;
    }

    private static DeviceInfo Pick(DeviceCatalog catalog, BackendKind kind, int? index, string asked, Func<DeviceInfo, bool> eligible)
    {
        var devices = catalog.DevicesOf(kind).ToList();
        string label = BackendStatus.Name(kind);
        DeviceInfo? chosen = index is { } i
            ? devices.FirstOrDefault(d => d.Index == i)
            : devices.FirstOrDefault(d => d.IsUsable && eligible(d));
        if (chosen is null)
        {
            string listing = devices.Count == 0 ? "none" : string.Join(", ", devices.Select(d => $"{d.Index} '{d.Name}'"));
            throw new GpuHbmException(index is null
                ? $"--backend {asked}: no {label} device can run GpuHbm's kernels (devices: {listing})"
                : $"--device {index}: no such {label} device (devices: {listing}; see `gpuhbm devices`)");
        }
        if (chosen.Unsupported is { } why)
            throw new GpuHbmException($"--device {chosen.Index}: {chosen.Describe()} cannot run GpuHbm's kernels: {why}");
        if (!eligible(chosen))
            throw new GpuHbmException($"--device {chosen.Index}: {chosen.Describe()} is a {chosen.DeviceType} device; auto only picks GPUs (use --backend {NameOf(kind)})");
        return chosen;
    }
}
