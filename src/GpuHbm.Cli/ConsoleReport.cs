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
        output.Write(fit.Summary.ToText(showGroupEffects));
        output.WriteLine();
        output.WriteLine(fit.Report.ToText());
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
