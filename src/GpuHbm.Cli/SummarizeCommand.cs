using System.CommandLine;
using GpuHbm.Results;

namespace GpuHbm.Cli;

/// <summary>
/// <c>gpuhbm summarize DIR</c>: the summary table and sampler warnings of a fit folder from its draws.csv and
/// sampler.csv, including a fit that is still running or was killed or stopped (it says so, and how far each chain got).
/// </summary>
internal static class SummarizeCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var dir = new Argument<string>("DIR") { Description = "A folder written by gpuhbm fit --output." };
        var showGroups = new Option<bool>("--show-group-effects") { Description = "Also print the r_* rows." };
        var cmd = new Command("summarize", "Summarize the draws in a fit folder, finished or not (a running, killed or stopped fit is summarized as far as it got).")
        { dir, showGroups };
        cmd.SetAction(parse =>
        {
            try
            {
                return Run(parse.GetValue(dir)!, parse.GetValue(showGroups), output);
            }
            catch (Exception e)
            {
                return CliErrors.Report(e, error);
            }
        });
        return cmd;
    }

    private static int Run(string directory, bool showGroups, TextWriter output)
    {
        if (!Directory.Exists(directory)) throw new GpuHbmException($"'{directory}' is not a folder");
        var manifest = FitFolder.TryReadManifest(directory);
        var (draws, statistics) = FitFolder.ReadDraws(directory);
        var counts = Enumerable.Range(0, draws.ChainCount).Select(draws.DrawCount).ToArray();

        string status = manifest is null ? "no manifest.json (saved with Fit.Save)" : FitFolderStatus.Describe(directory, manifest);
        output.WriteLine($"fit in {directory}: {status}");
        if (manifest is { } m)
            output.WriteLine($"{m.Settings.Formula}  [{m.Settings.Family}]  {m.Settings.Sampler}, {m.Settings.Chains} chains x ({(m.Settings.Warmup is { } wu ? $"{wu}" : $"auto (at most {m.Settings.MaxWarmup})")} warm-up + {m.Settings.Draws} draws), seed {m.Settings.Seed}");
        output.WriteLine($"draws per chain: {string.Join(", ", counts)}");
        if (draws.CommonDrawCount < 4)
        {
            output.WriteLine($"only {draws.CommonDrawCount} draws per chain so far: too few to summarize.");
            return 0;
        }
        if (counts.Distinct().Count() > 1)
            output.WriteLine($"note: the summary uses the first {draws.CommonDrawCount} draws of every chain that has draws (the length all reached).");
        int? superchains = null;
        if (manifest is { Settings: var s })
            superchains = new FitOptions { Sampler = s.Sampler, Chains = draws.SummarizedChains.Count, Superchains = s.Superchains }.NestedRhatSuperchains();
        if (superchains is { } k && draws.SummarizedChains.Count % k != 0) superchains = null;
        var summary = PosteriorSummary.Compute(DrawsWithDraws(draws), superchains);
        var report = new SamplerReport(statistics, manifest?.Settings.MaxDepth ?? 10, summary,
            manifest?.Settings.Sampler == "chees" ? null : manifest?.Settings.Warmup, manifest?.Settings.AdaptDelta);
        output.WriteLine();
        output.Write(summary.ToText(showGroups));
        output.WriteLine();
        output.WriteLine(report.ToText());
        foreach (var w in report.Warnings) output.WriteLine("warning: " + w);
        if (manifest is { Status: not FitManifest.Finished })
            output.WriteLine("note: this fit is unfinished; the summary covers the draws written so far.");
        return 0;
    }

    /// <summary>Only the chains that hold draws (a chain that had not begun sampling is left out).</summary>
    private static DrawSet DrawsWithDraws(DrawSet draws)
    {
        var chains = draws.SummarizedChains;
        if (chains.Count == draws.ChainCount) return draws;
        var values = chains.Select(c => Enumerable.Range(0, draws.DrawCount(c)).SelectMany(i => draws.Draw(c, i).ToArray()).ToArray()).ToArray();
        return new DrawSet(draws.Names, values);
    }
}
