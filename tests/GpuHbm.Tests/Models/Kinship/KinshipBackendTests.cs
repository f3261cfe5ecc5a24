using GpuHbm.Compute;
using GpuHbm.Tests.Compute;
using Xunit;

namespace GpuHbm.Tests.Models.Kinship;

/// <summary>The kinship fast path stays on the CPU (auto falls back, an explicit device is an error); the general path runs on a device.</summary>
public class KinshipBackendTests
{
    [OpenClFact]
    public void Fast_path_falls_back_or_fails_on_a_device_and_the_general_path_is_accepted()
    {
        var (k, data, _) = KinshipModelData.Simulate(10, 2, 10, 300, 1.0, 0.5, 1.0, 1.0, 11);
        var options = new FitOptions { RelationshipMatrices = new Dictionary<string, GpuHbm.Models.Kinship.RelationshipMatrix> { ["K"] = k } };
        var plan = Glmm.Plan("y ~ 1 + x + (1 | gr(id, cov = K))", data, options with { Backend = "cpu" });
        var catalog = DeviceCatalog.Enumerate();
        var device = new BackendChoice(BackendKind.OpenCl, catalog.DevicesOf(BackendKind.OpenCl).First(), "test");

        var fallback = BackendSelection.ForModel(device, plan.Model, "auto", catalog);
        Assert.Equal(BackendKind.Cpu, fallback.Backend);
        Assert.Contains("fast path", fallback.Reason);

        var e = Assert.Throws<GpuHbmException>(() => BackendSelection.ForModel(device, plan.Model, "opencl", catalog));
        Assert.Contains("--backend cpu", e.Message);

        // The general path (a CompiledModel with the relationship-matrix term) runs on the device kernels.
        var general = Glmm.Plan("y ~ 1 + x + (1 | gr(id, cov = K))", data, options with { Backend = "cpu", KinshipFastPath = false });
        Assert.NotNull(BackendSelection.DeviceModel(general.Model));
        Assert.Equal(device, BackendSelection.ForModel(device, general.Model, "opencl", catalog));
        Assert.Equal(device, BackendSelection.ForModel(device, general.Model, "auto", catalog));
    }
}
