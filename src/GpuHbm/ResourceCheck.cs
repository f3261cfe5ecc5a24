using GpuHbm.Compute;
using GpuHbm.Models;
using GpuHbm.Sampling;

namespace GpuHbm;

/// <summary>
/// Before sampling: the memory the chains and their draws will take, from chains, parameters and draws, against what
/// the machine (and the device) has. A run that cannot fit is refused with the figure and what to lower, instead of
/// running for minutes and being killed.
/// </summary>
internal static class ResourceCheck
{
    /// <summary>Fraction of the available memory a fit may plan to use.</summary>
    private const double Headroom = 0.9;

    public static void Memory(IPosteriorModel model, FitOptions o, BackendChoice backend)
    {
        double d = model.Dimension, outputs = model.OutputNames.Count, chains = o.Chains, draws = o.Draws;
        bool chees = string.Equals(o.Sampler, "chees", StringComparison.OrdinalIgnoreCase);
        int slots = (chees ? Sampling.Chees.CheesSampler.SlotCount : new NutsLayout(o.MaxDepth).SlotCount) + 1; // + the metric
        // NUTS on the CPU holds the trajectory vectors only of the chains running at once.
        double running = !chees && !backend.IsDevice ? Math.Min(chains, o.MaxParallelism ?? Environment.ProcessorCount) : chains;
        double ensembleBytes = running * slots * d * sizeof(double);
        // Kept draws: unconstrained (the sampler's) and reported (the fit's), and seven sampler statistics per draw.
        double perChainDraws = draws * (d + outputs + 7) * sizeof(double);
        double hostBytes = chains * perChainDraws + (backend.IsDevice ? chains * 4 * d * sizeof(double) : ensembleBytes);
        long available = MachineMemory.AvailableBytes;
        if (hostBytes > Headroom * available)
        {
            double perChain = perChainDraws + (backend.IsDevice ? 4 * d * sizeof(double) : chees ? slots * d * sizeof(double) : 0);
            double fixedPart = !chees && !backend.IsDevice ? ensembleBytes : 0;
            long maxChains = (long)Math.Max(0, (Headroom * available - fixedPart) / perChain);
            long maxDraws = (long)Math.Max(0, (Headroom * available - (hostBytes - chains * perChainDraws)) / (chains * (d + outputs + 7) * sizeof(double)));
            throw new GpuHbmResourceException(
                $"this fit needs about {MachineMemory.Format(hostBytes)} of memory ({o.Chains} chains × {o.Draws} draws × {model.OutputNames.Count} parameters, " +
                $"plus the sampler's vectors), more than the {MachineMemory.Format(available)} this machine offers; " +
                (maxChains < 1 ? "lower --chains and --draws"
                    : $"with these settings at most about {maxChains} chains fit (--chains)" + (maxDraws >= 1 ? $", or {maxDraws} draws per chain (--draws)" : "")));
        }
        if (backend.IsDevice && ensembleBytes > backend.Device.GlobalMemoryBytes)
        {
            long maxChains = (long)(backend.Device.GlobalMemoryBytes / (slots * d * sizeof(double)));
            throw new GpuHbmResourceException(
                $"the ensemble of {o.Chains} chains needs about {MachineMemory.Format(ensembleBytes)} on {backend.Device.Describe()} " +
                $"({slots} vectors of {model.Dimension} values per chain), more than its {MachineMemory.Format(backend.Device.GlobalMemoryBytes)}; " +
                $"lower --chains (at most about {maxChains} fit), or use --backend cpu");
        }
    }
}
