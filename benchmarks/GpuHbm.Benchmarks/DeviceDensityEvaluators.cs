using GpuHbm.Models;

namespace GpuHbm.Benchmarks;

internal static partial class DensityEvaluators
{
    // Device evaluators arrive with the device GLMM density (DeviceGlmmDensity).
    private static partial IEnumerable<IDensityEvaluator> DeviceEvaluators(CompiledModel model, string backend, int maxChains) => [];
}
