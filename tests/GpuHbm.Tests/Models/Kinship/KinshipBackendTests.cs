using GpuHbm.Compute;
using GpuHbm.Tests.Compute;
using Xunit;

namespace GpuHbm.Tests.Models.Kinship;

/// <summary>The device kernels have no kinship terms yet: auto falls back to the CPU, an explicit device is an error.</summary>
public class KinshipBackendTests
{
    [OpenClFact]
    public void Kinship_model_on_a_device_falls_back_with_auto_and_fails_when_explicit()
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

        var general = Glmm.Plan("y ~ 1 + x + (1 | gr(id, cov = K))", data, options with { Backend = "cpu", KinshipFastPath = false });
        Assert.Contains("kinship", Assert.Throws<GpuHbmException>(() => BackendSelection.ForModel(device, general.Model, "opencl", catalog)).Message);
    }
}
