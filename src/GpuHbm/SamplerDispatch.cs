using GpuHbm.Compute;
using GpuHbm.Compute.Cpu;
using GpuHbm.Models;
using GpuHbm.Sampling;
using GpuHbm.Sampling.Chees;

namespace GpuHbm;

/// <summary>
/// Runs the chosen sampler on the chosen backend (the composition root, beside <see cref="FitPlan"/>: the samplers
/// take their ensemble factory, the backends know nothing of the samplers): on the managed CPU, NUTS with one chain
/// per worker or ChEES with one <see cref="CpuChainEnsemble"/> of all chains; on a device (ILGPU's CPU accelerator,
/// OpenCL or CUDA), ONE <see cref="DeviceChainEnsemble"/> of all chains over a <see cref="DeviceGlmmDensity"/>, so
/// positions, momenta and gradients never leave the device.
/// </summary>
public static class SamplerDispatch
{
    /// <summary>Samples <paramref name="model"/>; <paramref name="sampler"/> is "nuts" or "chees".</summary>
    /// <exception cref="DeviceException">The device failed or ran out of memory (the message says how much was needed and suggests fewer chains).</exception>
    public static SamplerResult Run(BackendChoice backend, string sampler, IPosteriorModel model, SamplerOptions options,
        IProgress<ChainProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        bool chees = string.Equals(sampler, "chees", StringComparison.OrdinalIgnoreCase);
        if (!backend.IsDevice)
            return chees
                ? new CheesSampler(CpuChainEnsemble.Factory, options.Chees).Run(model, options, progress, cancellationToken)
                : new NutsSampler(CpuChainEnsemble.Factory, ensemblesEvaluateTheirDensity: true).Run(model, options, progress, cancellationToken);

        var compiled = BackendSelection.DeviceModel(model)
            ?? throw new GpuHbmException($"the {backend.Name} backend cannot run this model: {BackendSelection.DeviceLimitation(model)}; use --backend cpu");
        int chains = options.Chains;
        using var accelerator = Accelerator.Create(backend.Device);
        DeviceGlmmDensity density;
        try
        {
            density = new DeviceGlmmDensity(accelerator, compiled, chains);
        }
        catch (DeviceException e) when (e.RequestedBytes is not null)
        {
            throw new DeviceException($"{e.Message} The model's data and scratch for {chains} chains do not fit on {backend.Device.Describe()}; "
                + "try a smaller --chains.", e);
        }
        using (density)
        {
            ChainEnsembleFactory factory = (_, ids, slots, seed) => new DeviceChainEnsemble(density, ids, slots, seed);
            return chees
                ? new CheesSampler(factory, options.Chees).Run(model, options, progress, cancellationToken)
                : new NutsSampler(factory, chainsPerEnsemble: chains).Run(model, options, progress, cancellationToken);
        }
    }
}
