using System.CommandLine;
using GpuHbm.Compute;

namespace GpuHbm.Cli;

/// <summary>
/// `gpuhbm devices`: every backend with its status line, every device under it (index for --device, name, type,
/// memory, fp64, compute capability or OpenCL C version), the reason for each missing backend, and what
/// --backend auto would pick.
/// </summary>
internal static class DevicesCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var cmd = new Command("devices", "List the CPU, CPU-accelerator, OpenCL and CUDA devices GpuHbm can use, and why a backend or device is missing.");
        cmd.SetAction(_ =>
        {
            try
            {
                output.Write(Format(DeviceCatalog.Enumerate()));
                return 0;
            }
            catch (Exception e)
            {
                return CliErrors.Report(e, error);
            }
        });
        return cmd;
    }

    /// <summary>The listing for <paramref name="catalog"/>.</summary>
    public static string Format(DeviceCatalog catalog)
    {
        var sb = new System.Text.StringBuilder();
        foreach (var status in catalog.Backends)
        {
            string name = BackendSelection.NameOf(status.Backend);
            sb.AppendLine($"{name}: {status.Message}");
            foreach (var d in catalog.DevicesOf(status.Backend))
            {
                string version = d.Backend switch
                {
                    BackendKind.Cuda => $"compute capability {d.ComputeCapability?.Major}.{d.ComputeCapability?.Minor}",
                    BackendKind.OpenCl => d.Version,
                    _ => d.Version,
                };
                sb.AppendLine($"  --backend {name} --device {d.Index}: {d.Name} ({d.Vendor}), {d.DeviceType}, "
                    + $"{Bytes(d.GlobalMemoryBytes)}, {d.ComputeUnits} compute units, fp64 {(d.SupportsFp64 ? "yes" : "no")}, {version}"
                    + (d.Platform is { } p && d.Backend == BackendKind.OpenCl ? $", platform {p}" : "")
                    + (d.Unsupported is { } why ? $"; NOT USABLE: {why}" : ""));
            }
        }
        try
        {
            var auto = BackendSelection.Select("auto", null, catalog);
            sb.AppendLine($"--backend auto picks {auto.Name}: {auto.Reason}");
        }
        catch (GpuHbmException e)
        {
            sb.AppendLine($"--backend auto: {e.Message}");
        }
        return sb.ToString();
    }

    private static string Bytes(long bytes) => bytes >= 1L << 30
        ? (bytes / (double)(1L << 30)).ToString("0.#", System.Globalization.CultureInfo.InvariantCulture) + " GiB"
        : (bytes / (double)(1L << 20)).ToString("0", System.Globalization.CultureInfo.InvariantCulture) + " MiB";
}
