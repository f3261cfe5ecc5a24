using System.Diagnostics;

namespace GpuHbm.Results;

/// <summary>What state a fit folder is in, as `gpuhbm summarize` reports it.</summary>
public static class FitFolderStatus
{
    /// <summary>
    /// True when the manifest says running and its process is alive on this machine and wrote the manifest in the last
    /// minute (a process id reused by another program does not keep a dead run "running").
    /// </summary>
    public static bool IsAlive(FitManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        if (manifest.Status != FitManifest.Running || manifest.MachineName != Environment.MachineName) return false;
        if (DateTime.UtcNow - manifest.UpdatedUtc > TimeSpan.FromMinutes(1)) return false;
        try
        {
            using var p = Process.GetProcessById(manifest.ProcessId);
            return !p.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>One line: finished, or why and where the run is unfinished.</summary>
    public static string Describe(string directory, FitManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        int expected = manifest.DrawsPerChain;
        string progress = string.Join(", ", manifest.Chains.Select(c => $"chain {c.Chain}: {c.DrawsWritten}/{expected}"));
        return manifest.Status switch
        {
            FitManifest.Finished => "finished",
            FitManifest.Running when IsAlive(manifest) => $"UNFINISHED: still running (process {manifest.ProcessId}); draws so far: {progress}",
            FitManifest.Running => $"UNFINISHED: the run ended without finishing (killed or crashed; last update {manifest.UpdatedUtc:u}); draws written: {progress}. " +
                                   $"`gpuhbm fit --resume {directory}` continues it",
            FitManifest.Stopped => $"UNFINISHED: stopped early ({manifest.Message ?? "Ctrl-C"}); draws written: {progress}. `gpuhbm fit --resume {directory}` continues it",
            _ => $"UNFINISHED: failed ({manifest.Message}); draws written: {progress}. `gpuhbm fit --resume {directory}` continues it from the last checkpoint",
        };
    }
}
