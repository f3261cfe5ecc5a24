using GpuHbm.Compute;

namespace GpuHbm.Tests.Compute;

/// <summary>
/// One device catalog and at most one accelerator per backend for the whole test run, so each kernel is
/// compiled once per backend. The CPU accelerator is the catalog's (groups of 4 threads); the "wide" one runs
/// the same kernels at a GPU's group size (128) and, for the Gram product, its 16 × 16 groups (256).
/// </summary>
internal static class DeviceFixtures
{
    public const string RequireOpenClVariable = "GPUHBM_REQUIRE_OPENCL";
    public const string RequireCudaVariable = "GPUHBM_REQUIRE_CUDA";

    private static readonly Lazy<DeviceCatalog> LazyCatalog = new(DeviceCatalog.Enumerate);
    private static readonly Lazy<Accelerator> LazyCpu = new(() => Open(BackendKind.CpuAccelerator));
    private static readonly Lazy<Accelerator> LazyWide = new(() => Accelerator.CreateCpu(Accelerator.GpuGroupSize, maxGroupSize: 256));
    private static readonly Lazy<Accelerator> LazyOpenCl = new(() => Open(BackendKind.OpenCl));
    private static readonly Lazy<Accelerator> LazyCuda = new(() => Open(BackendKind.Cuda));

    public static DeviceCatalog Catalog => LazyCatalog.Value;

    /// <summary>ILGPU's CPU accelerator as the catalog lists it.</summary>
    public static Accelerator CpuAccelerator => LazyCpu.Value;

    /// <summary>A CPU accelerator with groups up to 256 threads (the GPU launch shapes).</summary>
    public static Accelerator WideCpuAccelerator => LazyWide.Value;

    /// <summary>The first usable OpenCL device; throws the catalog's "unavailable because" message when there is none.</summary>
    public static Accelerator OpenCl => LazyOpenCl.Value;

    /// <summary>The first usable CUDA device; throws the catalog's "unavailable because" message when there is none.</summary>
    public static Accelerator Cuda => LazyCuda.Value;

    public static bool Required(string variable) => Environment.GetEnvironmentVariable(variable) == "1";

    /// <summary>Null when the backend is usable (or required by the environment), else the reason to skip.</summary>
    public static string? SkipReason(BackendKind backend, string variable)
    {
        var status = Catalog.Status(backend);
        if (status.IsAvailable || Required(variable)) return null;
        return $"{status.Message} (set {variable}=1 to fail instead of skipping)";
    }

    private static Accelerator Open(BackendKind backend)
    {
        var device = Catalog.FirstUsable(backend)
            ?? throw new InvalidOperationException(Catalog.Status(backend).Message);
        return Accelerator.Create(device);
    }
}
