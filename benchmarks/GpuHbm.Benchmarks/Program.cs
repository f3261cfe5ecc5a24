using BenchmarkDotNet.Running;

namespace GpuHbm.Benchmarks;

/// <summary>
/// `dotnet run -c Release --project benchmarks/GpuHbm.Benchmarks -- radon [--repeats N] [--output FILE]`
/// runs the end-to-end radon fit; `-- kinship --n 2000` the end-to-end kinship fit (FaST-LMM fast path);
/// `-- metrics` NUTS with each metric adaptation on the rstan peer models (<see cref="MetricComparison"/>);
/// `-- chees` many short ChEES chains against 4 NUTS chains on the same models (<see cref="CheesComparison"/>);
/// `-- crossed` the crossed 75,000-row design against the memory-bandwidth floor (<see cref="CrossedDensity"/>);
/// `-- gradient` the per-gradient time of the managed CPU backend per family (load-robust minimum); `-- devices` the device
/// catalog (what ILGPU finds and why a backend is missing);
/// any other arguments go to BenchmarkDotNet
/// (e.g. `-- --filter '*Density*'`).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        try
        {
            return Run(args);
        }
        catch (GpuHbm.GpuHbmException e)
        {
            // A user-facing error (e.g. the backend asked for is unavailable, and why): the message, not a stack trace.
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }

    private static int Run(string[] args)
    {
        if (args.Length > 0 && args[0] == "radon") return RadonEndToEnd.Run(args[1..]);
        if (args.Length > 0 && args[0] == "density") return DensityThroughput.Run(args[1..]);
        if (args.Length > 0 && args[0] == "hospitals") return HospitalEndToEnd.Run(args[1..]);
        if (args.Length > 0 && args[0] == "kinship") return KinshipEndToEnd.Run(args[1..]);
        if (args.Length > 0 && args[0] == "metrics") return MetricComparison.Run(args[1..]);
        if (args.Length > 0 && args[0] == "chees") return CheesComparison.Run(args[1..]);
        if (args.Length > 0 && args[0] == "crossed") return CrossedDensity.Run(args[1..]);
        if (args.Length > 0 && args[0] == "gradient") return GradientTiming.Run(args[1..]);
        if (args.Length > 0 && args[0] == "devices")
        {
            Console.Write(GpuHbm.Compute.DeviceCatalog.Enumerate());
            return 0;
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
