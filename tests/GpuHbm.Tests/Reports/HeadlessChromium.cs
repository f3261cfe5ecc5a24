using System.Diagnostics;
using StbImageSharp;

namespace GpuHbm.Tests.Reports;

/// <summary>
/// Headless Chromium (/usr/bin/chromium, or GPUHBM_CHROMIUM) run as a person would open a file:
/// screenshots of a page (at a #fragment, so the browser scrolls to that section) and the
/// browser's console log (--enable-logging=stderr), with no network.
/// </summary>
internal static class HeadlessChromium
{
    public static string? Path
    {
        get
        {
            var p = Environment.GetEnvironmentVariable("GPUHBM_CHROMIUM") ?? "/usr/bin/chromium";
            return File.Exists(p) ? p : null;
        }
    }

    /// <summary>Screenshot of <paramref name="url"/> into <paramref name="png"/>; returns Chromium's stderr (console messages included).</summary>
    public static string Screenshot(string url, string png, int width = 1200, int height = 900)
    {
        string profile = Directory.CreateTempSubdirectory("gpuhbm-chromium-").FullName;
        try
        {
            var psi = new ProcessStartInfo(Path ?? throw new InvalidOperationException("no chromium"))
            {
                RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false,
            };
            foreach (var a in new[]
            {
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-extensions",
                "--disable-sync", "--no-first-run", "--no-default-browser-check", "--hide-scrollbars", "--mute-audio",
                "--enable-logging=stderr", "--v=0", $"--user-data-dir={profile}", $"--window-size={width},{height}",
                "--virtual-time-budget=3000", $"--screenshot={png}", url,
            }) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            var stderr = p.StandardError.ReadToEndAsync();
            _ = p.StandardOutput.ReadToEndAsync();
            if (!p.WaitForExit(120_000)) { p.Kill(true); throw new TimeoutException("chromium did not finish in 120 s"); }
            return stderr.Result;
        }
        finally
        {
            try { Directory.Delete(profile, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>The share of pixels that differ from the most common colour (the background), and the number of distinct colours.</summary>
    public static (double NonBackground, int Colours) Ink(string png)
    {
        using var stream = File.OpenRead(png);
        var image = ImageResult.FromStream(stream, ColorComponents.RedGreenBlue);
        var counts = new Dictionary<int, int>();
        var d = image.Data;
        for (int i = 0; i + 2 < d.Length; i += 3)
        {
            int key = (d[i] << 16) | (d[i + 1] << 8) | d[i + 2];
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }
        int total = d.Length / 3, background = counts.Values.Max();
        return (1 - (double)background / total, counts.Count);
    }
}
