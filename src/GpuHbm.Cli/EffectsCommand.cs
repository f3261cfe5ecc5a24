using System.CommandLine;
using GpuHbm.Data;
using GpuHbm.Predictions;

namespace GpuHbm.Cli;

/// <summary>
/// <c>gpuhbm effects --fit DIR --variable treat [--contrast 0,1]</c>: the average effect of a covariate or
/// treatment on the expected response, conditional on the groups, in a typical group, and averaged over the
/// random-effects distribution; for logistic models the conditional and marginal odds ratios.
/// </summary>
internal static class EffectsCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var variable = new Option<string>("--variable") { Description = "The covariate or treatment column.", Required = true };
        var contrast = new Option<string?>("--contrast") { Description = "FROM,TO: the two values compared (default: a two-level factor's levels; a numeric variable's average slope)." };
        var averaging = new Option<string[]>("--averaging")
        {
            Description = "conditional (each row's own group effects), typical (group effects at zero) and/or population (averaged over the random-effects distribution); comma-separated.",
            DefaultValueFactory = _ => ["conditional,typical,population"],
        };
        var data = new Option<string?>("--data") { Description = "Rows to average over (default: the fitted rows)." };
        var newLevels = new Option<string>("--new-levels") { Description = "New levels in --data under conditional averaging: error, sample or population.", DefaultValueFactory = _ => "error" };
        var file = new Option<string?>("--output", "-o") { Description = "CSV file for the table." };
        var seed = new Option<ulong?>("--seed") { Description = "Seed of the drawn group effects (default: the fit's seed)." };
        var command = new Command("effects", "Average marginal effects of a covariate or treatment: conditional, typical-group and population-averaged, with posterior intervals.")
        {
            variable, contrast, averaging, data, newLevels, file, seed,
        };
        var saved = SavedFitOptions.AddTo(command);
        command.SetAction(parse =>
        {
            try
            {
                string? from = null, to = null;
                if (parse.GetValue(contrast) is { } c)
                {
                    var parts = c.Split(',', StringSplitOptions.TrimEntries);
                    if (parts.Length != 2 || parts.Any(p => p.Length == 0)) throw new GpuHbmException($"--contrast '{c}': expected FROM,TO, e.g. --contrast 0,1");
                    (from, to) = (parts[0], parts[1]);
                }
                var averagings = PredictCommand.SplitList(parse.GetValue(averaging)).Select(a => a.ToLowerInvariant() switch
                {
                    "conditional" => EffectAveraging.Conditional,
                    "typical" => EffectAveraging.Typical,
                    "population" => EffectAveraging.PopulationAveraged,
                    _ => throw new GpuHbmException($"--averaging must list conditional, typical or population, not '{a}'"),
                }).Distinct().ToArray();
                var options = new EffectOptions
                {
                    Variable = parse.GetRequiredValue(variable), From = from, To = to, Averagings = averagings,
                    NewLevels = PredictCommand.ParseNewLevels(parse.GetValue(newLevels) ?? "error"), Seed = parse.GetValue(seed),
                };
                var fit = saved.Load(parse);
                var table = parse.GetValue(data) is { } path ? DataTable.ReadCsv(path) : null;
                var effect = MarginalEffects.Average(fit, options, table);
                output.Write(effect.ToText());
                if (parse.GetValue(file) is { } outPath)
                {
                    using (var w = new StreamWriter(outPath)) effect.WriteCsv(w);
                    output.WriteLine($"wrote {outPath}");
                }
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
