using System.Globalization;
using GpuHbm.Sampling;

namespace GpuHbm.Results;

/// <summary>
/// Writes draws.csv and sampler.csv: one row per kept draw with the columns .chain, .iteration,
/// .draw (posterior's draws_df names, 1-based) and then every reported parameter (draws.csv) or
/// Stan's sampler diagnostics (sampler.csv). In R:
/// <c>posterior::as_draws_df(read.csv("draws.csv", check.names = FALSE))</c>.
/// </summary>
public static class DrawsCsvWriter
{
    public static void WriteDraws(DrawSet draws, TextWriter writer)
    {
        writer.Write(".chain,.iteration,.draw");
        foreach (var n in draws.Names) { writer.Write(','); writer.Write(CsvText.Quote(n)); }
        writer.WriteLine();
        int global = 0;
        var sb = new System.Text.StringBuilder();
        for (int c = 0; c < draws.ChainCount; c++)
            for (int i = 0; i < draws.DrawCount(c); i++)
            {
                sb.Clear();
                sb.Append(c + 1).Append(',').Append(i + 1).Append(',').Append(++global);
                foreach (var v in draws.Draw(c, i)) sb.Append(',').Append(v.ToString("R", CultureInfo.InvariantCulture));
                writer.WriteLine(sb);
            }
    }

    public static void WriteSamplerStatistics(IReadOnlyList<SamplerStatistics> chains, TextWriter writer)
    {
        writer.WriteLine(".chain,.iteration,.draw,accept_stat__,stepsize__,treedepth__,n_leapfrog__,divergent__,energy__,lp__");
        int global = 0;
        for (int c = 0; c < chains.Count; c++)
        {
            var s = chains[c];
            for (int i = 0; i < s.Count; i++)
                writer.WriteLine(string.Join(",",
                    (c + 1).ToString(CultureInfo.InvariantCulture), (i + 1).ToString(CultureInfo.InvariantCulture), (++global).ToString(CultureInfo.InvariantCulture),
                    R(s.AcceptStat[i]), R(s.StepSize[i]), s.TreeDepth[i].ToString(CultureInfo.InvariantCulture),
                    s.LeapfrogSteps[i].ToString(CultureInfo.InvariantCulture), s.Divergent[i] ? "1" : "0", R(s.Energy[i]), R(s.LogDensity[i])));
        }
    }

    private static string R(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
