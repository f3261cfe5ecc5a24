using System.Globalization;
using GpuHbm.Results;

namespace GpuHbm.Cli;

/// <summary>What `gpuhbm fit` prints after sampling: the summary table, sampler health, warnings, timing.</summary>
internal static class ConsoleReport
{
    public static void Print(Fit fit, TextWriter output, bool showGroupEffects)
    {
        output.WriteLine();
        if (fit.Draws.CommonDrawCount < 4)
        {
            output.WriteLine($"only {fit.Draws.CommonDrawCount} draws per chain: too few to summarize.");
            return;
        }
        var missing = Enumerable.Range(0, fit.Draws.ChainCount).Where(c => fit.Draws.DrawCount(c) == 0).ToList();
        if (missing.Count > 0)
            output.WriteLine($"note: chain(s) {string.Join(", ", missing.Select(c => c + 1))} stopped before sampling; the summary uses the other chains, each cut to {fit.Draws.CommonDrawCount} draws.");
        else if (fit.StoppedEarly)
            output.WriteLine($"note: the summary uses the first {fit.Draws.CommonDrawCount} draws of every chain (the length all reached).");
        output.Write(fit.Summary.ToText(showGroupEffects));
        output.WriteLine();
        output.WriteLine(fit.Report.ToText());
        if (fit.Ensemble is { } ensemble) output.WriteLine(ensemble.Describe());
        if (CentringReport.ToText(CentringReport.Describe(fit)) is { } centring) output.WriteLine(centring);
        foreach (var w in fit.Report.Warnings) output.WriteLine("warning: " + w);
        var s = fit.Settings;
        double sampling = fit.ChainTimes.Count == 0 ? 0 : fit.ChainTimes.Max(t => t.Sampling.TotalSeconds);
        double warm = fit.ChainTimes.Count == 0 ? 0 : fit.ChainTimes.Max(t => t.Warmup.TotalSeconds);
        double setup = fit.Model.SetupTime.TotalSeconds;
        string setupText = setup > 0
            ? string.Create(CultureInfo.InvariantCulture, $"set-up {setup:F2} s ({(fit.Model.Method == "fastlmm" ? "eigendecomposition of K" : "Cholesky of K")}), ")
            : "";
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"time: {s.TotalTime.TotalSeconds:F2} s total ({setupText}slowest chain: warm-up {warm:F2} s, sampling {sampling:F2} s); {fit.GradientEvaluations} gradient evaluations"));
        foreach (var note in fit.Model.Notes) output.WriteLine("note: " + note);
        if (s.RowsDropped > 0) output.WriteLine($"note: {s.RowsDropped} rows with missing values were dropped (--drop-missing).");
    }
}
