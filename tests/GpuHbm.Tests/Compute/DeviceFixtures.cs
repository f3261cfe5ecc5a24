using GpuHbm.Compute;

namespace GpuHbm.Tests.Compute;

/// <summary>
/// One device catalog and at most one accelerator per backend for the whole test run, so each
/// kernel program is compiled once (PoCL compiles take seconds when its cache is cold).
/// </summary>
internal static class DeviceFixtures
{
    public const string RequireOpenClVariable = "GPUHBM_REQUIRE_OPENCL";
    public const string RequireCudaVariable = "GPUHBM_REQUIRE_CUDA";

    private static readonly Lazy<DeviceCatalog> LazyCatalog = new(DeviceCatalog.Enumerate);
    private static readonly Lazy<Accelerator> LazyOpenCl = new(() => Open(BackendKind.OpenCl));
    private static readonly Lazy<Accelerator> LazyCuda = new(() => Open(BackendKind.Cuda));

    public static DeviceCatalog Catalog => LazyCatalog.Value;

    /// <summary>The first OpenCL device; throws the catalog's "unavailable because" message when there is none.</summary>
    public static Accelerator OpenCl => LazyOpenCl.Value;

    /// <summary>The first CUDA device; throws the catalog's "unavailable because" message when there is none.</summary>
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
