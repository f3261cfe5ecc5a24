namespace GpuHbm.Compute;

/// <summary>
/// Whether a backend can be used on this machine, and if not, why: the line
/// <c>gpuhbm devices</c> prints for it.
/// </summary>
/// <param name="Backend">The backend.</param>
/// <param name="IsAvailable">True when at least one device of this backend can run kernels.</param>
/// <param name="Message">When available, a summary (library, driver version); otherwise "unavailable because ...".</param>
public sealed record BackendStatus(BackendKind Backend, bool IsAvailable, string Message)
{
    internal static BackendStatus Available(BackendKind backend, string summary) => new(backend, true, summary);

    internal static BackendStatus Unavailable(BackendKind backend, string because) =>
        new(backend, false, $"{Name(backend)} unavailable because {because}");

    internal static string Name(BackendKind backend) => backend switch
    {
        BackendKind.Cpu => "CPU",
        BackendKind.CpuAccelerator => "CPU accelerator",
        BackendKind.OpenCl => "OpenCL",
        _ => "CUDA",
    };
}
