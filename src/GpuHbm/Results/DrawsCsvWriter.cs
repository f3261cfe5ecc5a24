using System.Globalization;
using System.Text;
using GpuHbm.Sampling;

namespace GpuHbm.Results;

/// <summary>
/// Writes draws.csv and sampler.csv: one row per kept draw with the columns .chain, .iteration,
/// .draw (posterior's draws_df names, 1-based) and then every reported parameter (draws.csv) or
/// Stan's sampler diagnostics (sampler.csv). Values are written with the shortest text that reads
/// back to the same double ("R"), so a reader recovers the draws bit for bit. In R:
/// <c>posterior::as_draws_df(read.csv("draws.csv", check.names = FALSE))</c>.
/// </summary>
public static class DrawsCsvWriter
{
    /// <summary>The header of sampler.csv.</summary>
    public const string SamplerHeader = ".chain,.iteration,.draw,accept_stat__,stepsize__,treedepth__,n_leapfrog__,divergent__,energy__,lp__";

    public static void WriteDraws(DrawSet draws, TextWriter writer)
    {
        writer.WriteLine(DrawsHeader(draws.Names));
        int global = 0;
        var sb = new StringBuilder();
        for (int c = 0; c < draws.ChainCount; c++)
            for (int i = 0; i < draws.DrawCount(c); i++)
            {
                sb.Clear();
                AppendDrawRow(sb, c + 1, i + 1, ++global, draws.Draw(c, i));
                writer.WriteLine(sb);
            }
    }

    public static void WriteSamplerStatistics(IReadOnlyList<SamplerStatistics> chains, TextWriter writer)
    {
        writer.WriteLine(SamplerHeader);
        int global = 0;
        var sb = new StringBuilder();
        for (int c = 0; c < chains.Count; c++)
        {
            var s = chains[c];
            for (int i = 0; i < s.Count; i++)
            {
                sb.Clear();
                AppendSamplerRow(sb, c + 1, i + 1, ++global, s.AcceptStat[i], s.StepSize[i], s.TreeDepth[i], s.LeapfrogSteps[i], s.Divergent[i], s.Energy[i], s.LogDensity[i]);
                writer.WriteLine(sb);
            }
        }
    }

    /// <summary>The header of draws.csv for these parameter names.</summary>
    public static string DrawsHeader(IReadOnlyList<string> names) =>
        ".chain,.iteration,.draw" + string.Concat(names.Select(n => "," + CsvText.Quote(n)));

    /// <summary>One row of draws.csv (without the line break).</summary>
    internal static void AppendDrawRow(StringBuilder sb, int chain, int iteration, int draw, ReadOnlySpan<double> values)
    {
        sb.Append(chain).Append(',').Append(iteration).Append(',').Append(draw);
        foreach (var v in values) sb.Append(',').Append(v.ToString("R", CultureInfo.InvariantCulture));
    }

    /// <summary>One row of sampler.csv (without the line break).</summary>
    internal static void AppendSamplerRow(StringBuilder sb, int chain, int iteration, int draw, double acceptStat, double stepSize, int treeDepth,
        int leapfrogSteps, bool divergent, double energy, double logDensity)
    {
        sb.Append(chain).Append(',').Append(iteration).Append(',').Append(draw).Append(',')
            .Append(R(acceptStat)).Append(',').Append(R(stepSize)).Append(',').Append(treeDepth).Append(',')
            .Append(leapfrogSteps).Append(',').Append(divergent ? '1' : '0').Append(',').Append(R(energy)).Append(',').Append(R(logDensity));
    }

    private static string R(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
