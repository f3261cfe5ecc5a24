using System.CommandLine;
using System.Globalization;
using GpuHbm.Data;
using GpuHbm.Predictions;

namespace GpuHbm.Cli;

/// <summary>
/// <c>gpuhbm predict --fit DIR [--data new.csv] --output pred.csv</c>: per row, the posterior mean, sd and
/// quantiles of the expected response and of posterior predictive draws (and the linear predictor on request),
/// optionally every draw.
/// </summary>
internal static class PredictCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var data = new Option<string?>("--data") { Description = "CSV of rows to predict for (default: the fit's own rows). Needs the model's predictor and grouping columns, and binomial trials." };
        var file = new Option<string>("--output", "-o") { Description = "CSV to write: .row, the new data's columns, then mean, sd and quantiles per type.", Required = true };
        var type = new Option<string[]>("--type")
        {
            Description = "linpred (linear predictor), epred (expected response) and/or predict (posterior predictive draws); comma-separated or repeated.",
            DefaultValueFactory = _ => ["epred", "predict"],
        };
        var newLevels = new Option<string>("--new-levels")
        {
            Description = "Levels of a grouping factor the fit did not see: error, sample (draw their effects from the fitted population, as brms's sample_new_levels = \"gaussian\") or population (no group effect).",
            DefaultValueFactory = _ => "error",
        };
        var noGroups = new Option<bool>("--no-group-effects") { Description = "Leave every group-level effect out (brms's re_formula = NA)." };
        var exclude = new Option<string[]>("--exclude-group") { Description = "Leave out the effects of this grouping (e.g. hospital); repeatable." };
        var probs = new Option<string>("--probs") { Description = "Quantiles to report, comma-separated.", DefaultValueFactory = _ => "0.05,0.5,0.95" };
        var drawsOut = new Option<string?>("--draws-output") { Description = "Also write every draw (long CSV: .chain, .iteration, .draw, .row, one column per type)." };
        var seed = new Option<ulong?>("--seed") { Description = "Seed of the predictive draws and new-level effects (default: the fit's seed)." };
        var command = new Command("predict", "Predictions from a saved fit for new rows or the fitted ones: expected response, posterior predictive draws, linear predictor.")
        {
            data, file, type, newLevels, noGroups, exclude, probs, drawsOut, seed,
        };
        var saved = SavedFitOptions.AddTo(command);
        command.SetAction(parse =>
        {
            try
            {
                var options = new PredictOptions
                {
                    Scales = SplitList(parse.GetValue(type)).Select(PredictionSummary.ParseScale).Distinct().ToArray(),
                    Probabilities = SplitList([parse.GetValue(probs) ?? ""]).Select(p => ParseProbability(p)).ToArray(),
                    NewLevels = ParseNewLevels(parse.GetValue(newLevels) ?? "error"),
                    IncludeGroupEffects = !parse.GetValue(noGroups),
                    ExcludeGroups = parse.GetValue(exclude) ?? [],
                    Seed = parse.GetValue(seed),
                };
                var fit = saved.Load(parse);
                var table = parse.GetValue(data) is { } path ? DataTable.ReadCsv(path) : null;
                string outPath = parse.GetRequiredValue(file);
                StreamWriter? draws = parse.GetValue(drawsOut) is { } d ? new StreamWriter(d) : null;
                PredictionSummary summary;
                using (draws)
                    summary = fit.Predict(table, options with { DrawsOutput = draws });
                using (var w = new StreamWriter(outPath)) summary.WriteCsv(w, table ?? fit.Settings.Data);
                var newCounts = fit.Model.RandomTerms.Select((t, i) => (t.GroupName, Count: summary.NewLevels[i].Count)).Where(x => x.Count > 0).ToArray();
                output.WriteLine($"predicted {summary.RowCount} rows of {table?.Source ?? "the fitted data"} ({string.Join(", ", options.Scales.Select(PredictionSummary.Name))}) from {fit.Draws.TotalDrawCount} draws"
                    + (newCounts.Length > 0 ? "; new levels: " + string.Join(", ", newCounts.Select(x => $"{x.Count} of {x.GroupName} ({options.NewLevels.ToString().ToLowerInvariant()})")) : ""));
                output.WriteLine($"wrote {outPath}" + (parse.GetValue(drawsOut) is { } dp ? $", {dp}" : ""));
                return 0;
            }
            catch (Exception e)
            {
                return CliErrors.Report(e, error);
            }
        });
        return command;
    }

    internal static IEnumerable<string> SplitList(IEnumerable<string>? values) =>
        (values ?? []).SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    private static double ParseProbability(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double p) && p >= 0 && p <= 1
            ? p : throw new GpuHbmException($"--probs: '{text}' is not a probability between 0 and 1");

    internal static NewLevelMode ParseNewLevels(string text) => text.Trim().ToLowerInvariant() switch
    {
        "error" => NewLevelMode.Error,
        "sample" => NewLevelMode.Sample,
        "population" => NewLevelMode.Population,
        _ => throw new GpuHbmException($"--new-levels must be error, sample or population, not '{text}'"),
    };
}
