using GpuHbm.Compute;
using GpuHbm.Models;

namespace GpuHbm.Benchmarks;

internal static partial class DensityEvaluators
{
    /// <summary>One evaluator per usable CUDA / OpenCL device, and ILGPU's CPU accelerator, as the catalog lists them, when asked for.</summary>
    private static partial IEnumerable<IDensityEvaluator> DeviceEvaluators(CompiledModel model, string backend, int maxChains)
    {
        var catalog = DeviceCatalog.Enumerate();
        foreach (var kind in new[] { BackendKind.Cuda, BackendKind.OpenCl, BackendKind.CpuAccelerator })
        {
            string name = BackendSelection.NameOf(kind);
            // The CPU accelerator is for tests: only when asked for by name.
            if (backend != name && (backend != "all" || kind == BackendKind.CpuAccelerator)) continue;
            var status = catalog.Status(kind);
            if (!status.IsAvailable) { Console.Error.WriteLine($"skipping {name}: {status.Message}"); continue; }
            foreach (var device in catalog.DevicesOf(kind).Where(d => d.IsUsable))
                yield return new DeviceDensityEvaluator(device, model, maxChains);
        }
    }
}

/// <summary>DeviceGlmmDensity on one device: positions and gradients stay on the device between calls.</summary>
internal sealed class DeviceDensityEvaluator : IDensityEvaluator
{
    private readonly Accelerator _accelerator;
    private readonly DeviceGlmmDensity _density;
    private readonly CompiledModel _model;
    private DeviceBuffer<double>? _q, _g, _lp;
    private DeviceBuffer<int>? _active;
    private int _chains;

    public DeviceDensityEvaluator(DeviceInfo device, CompiledModel model, int maxChains)
    {
        _model = model;
        _accelerator = Accelerator.Create(device);
        _density = new DeviceGlmmDensity(_accelerator, model, maxChains);
        Device = device.Name;
        Backend = BackendSelection.NameOf(device.Backend);
        MaxChains = maxChains;
    }

    public string Backend { get; }
    public string Device { get; }
    public int MaxChains { get; }

    public void Prepare(int chains)
    {
        FreeBuffers();
        _chains = chains;
        var rng = new Random(1);
        var q = Enumerable.Range(0, chains * _model.Dimension).Select(_ => (rng.NextDouble() - 0.5) * 0.2).ToArray();
        _q = _accelerator.Allocate<double>(q);
        _g = _accelerator.Allocate<double>((long)chains * _model.Dimension);
        _lp = _accelerator.Allocate<double>(chains);
        _active = _accelerator.Allocate<int>(Enumerable.Repeat(1, chains).ToArray());
    }

    public void Evaluate() => _density.Evaluate(_q!.View, _g!.View, _lp!.View, _active!.View, _chains);

    public void Synchronize() => _accelerator.Synchronize();

    private void FreeBuffers()
    {
        _q?.Dispose(); _g?.Dispose(); _lp?.Dispose(); _active?.Dispose();
    }

    public void Dispose()
    {
        FreeBuffers();
        _density.Dispose();
        _accelerator.Dispose();
    }
}
