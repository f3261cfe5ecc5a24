using System.CommandLine;
using GpuHbm.Predictions;
using GpuHbm.Reports;

namespace GpuHbm.Cli;

/// <summary>
/// <c>gpuhbm check --fit DIR --output DIR</c>: posterior predictive checks — replicated data sets, test statistics
/// with posterior predictive p-values, per-group means — as tables and SVG plots.
/// </summary>
internal static class CheckCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var folder = new Option<string>("--output", "-o") { Description = "Folder for ppc_statistics.csv, ppc_groups.csv and the SVG plots.", Required = true };
        var replicates = new Option<int>("--replicates") { Description = "Replicated data sets (from evenly spaced draws).", DefaultValueFactory = _ => 500 };
        var group = new Option<string?>("--group") { Description = "Grouping whose per-level means are checked (default: the first group-level term's)." };
        var seed = new Option<ulong?>("--seed") { Description = "Seed of the replicated responses (default: the fit's seed)." };
        var command = new Command("check", "Posterior predictive checks of a saved fit: statistics of replicated data against the data, p-values, density overlay, group means (SVG).")
        {
            folder, replicates, group, seed,
        };
        var saved = SavedFitOptions.AddTo(command);
        command.SetAction(parse =>
        {
            try
            {
                string dir = parse.GetRequiredValue(folder);
                var fit = saved.Load(parse);
                var check = PosteriorPredictiveCheck.Compute(fit, new CheckOptions
                {
                    Replicates = parse.GetValue(replicates), Group = parse.GetValue(group), Seed = parse.GetValue(seed),
                });
                try { Directory.CreateDirectory(dir); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new GpuHbmException($"cannot create the output folder '{dir}': {e.Message}"); }
                output.Write(check.ToText());
                var files = new List<string> { "ppc_statistics.csv" };
                CsvTables.Save(Path.Combine(dir, "ppc_statistics.csv"), check.WriteStatisticsCsv);
                if (check.Groups.Count > 0)
                {
                    CsvTables.Save(Path.Combine(dir, "ppc_groups.csv"), check.WriteGroupsCsv);
                    files.Add("ppc_groups.csv");
                }
                files.AddRange(CheckPlots.SaveAll(check, dir));
                output.WriteLine($"wrote {string.Join(", ", files.Select(f => Path.Combine(dir, f)))}");
                return 0;
            }
            catch (Exception e)
            {
                return CliErrors.Report(e, error);
            }
        });
        return command;
    }
}
