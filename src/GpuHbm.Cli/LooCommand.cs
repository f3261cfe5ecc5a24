using System.CommandLine;
using GpuHbm.Loo;
using GpuHbm.Predictions;
using GpuHbm.Results;

namespace GpuHbm.Cli;

/// <summary>
/// <c>gpuhbm loo --fit DIR</c> (PSIS-LOO and WAIC of a saved fit, as R's loo) and
/// <c>gpuhbm compare DIR1 DIR2 ...</c> (models ranked by elpd_loo with the differences' SEs, as loo_compare) and
/// <c>gpuhbm kfold --fit DIR</c> (K-fold cross-validation by refitting, as brms's kfold).
/// </summary>
internal static class LooCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var folder = new Option<string?>("--output", "-o") { Description = "Folder for loo.csv (estimates) and loo_pointwise.csv (per observation: elpd_loo, p_loo, Pareto k, n_eff, r_eff, WAIC terms)." };
        var group = new Option<string?>("--group") { Description = "Leave one group out: each level of this grouping (or data column) is a unit, its rows' log likelihoods summed (PSIS-LOGO)." };
        var reloo = new Option<bool>("--reloo") { Description = "Refit the model without each observation whose Pareto k is above 0.7 and use its exact elpd (loo's reloo)." };
        var command = new Command("loo", "PSIS-LOO cross-validation and WAIC of a saved fit: elpd_loo, p_loo, looic with SEs, Pareto k diagnostics.") { folder, group, reloo };
        var saved = SavedFitOptions.AddTo(command);
        command.SetAction(parse =>
        {
            try
            {
                var fit = saved.Load(parse);
                var loo = parse.GetValue(group) is { } g ? PsisLoo.OfGroups(fit, g) : PsisLoo.Of(fit);
                if (parse.GetValue(reloo))
                    loo = KFold.Reloo(fit, loo, options: new KFoldOptions { FoldFinished = (j, n) => error.WriteLine($"refit {j} of {n} done") });
                output.Write(loo.ToText());
                if (parse.GetValue(folder) is { } dir)
                {
                    Directory.CreateDirectory(dir);
                    using (var w = new StreamWriter(Path.Combine(dir, "loo.csv"))) loo.WriteEstimatesCsv(w);
                    using (var w = new StreamWriter(Path.Combine(dir, "loo_pointwise.csv"))) loo.WritePointwiseCsv(w);
                    output.WriteLine($"wrote {Path.Combine(dir, "loo.csv")}, {Path.Combine(dir, "loo_pointwise.csv")}");
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

    public static Command CreateKFold(TextWriter output, TextWriter error)
    {
        var folds = new Option<int>("--folds", "-K") { Description = "Number of folds.", DefaultValueFactory = _ => 10 };
        var group = new Option<string?>("--group") { Description = "Grouped K-fold: whole levels of this grouping (or data column) go to one fold; held-out levels get effects drawn from the fitted population." };
        var chains = new Option<int?>("--chains") { Description = "Chains of each refit (default: the fit's)." };
        var warmup = new Option<int?>("--warmup") { Description = "Warm-up iterations of each refit (default: the fit's)." };
        var draws = new Option<int?>("--draws") { Description = "Kept draws per chain of each refit (default: the fit's)." };
        var seed = new Option<ulong?>("--seed") { Description = "Seed of the split and the refits (default: the fit's)." };
        var file = new Option<string?>("--output", "-o") { Description = "CSV file for elpd_kfold per observation (.row, fold, elpd_kfold)." };
        var command = new Command("kfold", "K-fold cross-validation by refitting the model K times (grouped with --group): elpd_kfold, p_kfold, kfoldic with SEs, as brms's kfold.")
        {
            folds, group, chains, warmup, draws, seed, file,
        };
        var saved = SavedFitOptions.AddTo(command);
        command.SetAction(parse =>
        {
            try
            {
                var fit = saved.Load(parse);
                var result = KFold.Run(fit, new KFoldOptions
                {
                    Folds = parse.GetValue(folds), Group = parse.GetValue(group), Seed = parse.GetValue(seed),
                    Chains = parse.GetValue(chains), Warmup = parse.GetValue(warmup), Draws = parse.GetValue(draws),
                    FoldFinished = (f, k) => error.WriteLine($"fold {f} of {k} refitted"),
                });
                output.Write(result.ToText());
                if (parse.GetValue(file) is { } path)
                {
                    using (var w = new StreamWriter(path)) result.WritePointwiseCsv(w);
                    output.WriteLine($"wrote {path}");
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

    public static Command CreateCompare(TextWriter output, TextWriter error)
    {
        var fits = new Argument<string[]>("fits") { Description = "Two or more fit folders of models of the same data.", Arity = ArgumentArity.OneOrMore };
        var file = new Option<string?>("--output", "-o") { Description = "CSV file for the comparison table." };
        var command = new Command("compare", "Rank saved fits of the same data by PSIS-LOO elpd, with the differences' standard errors (as loo_compare).") { fits, file };
        command.SetAction(parse =>
        {
            try
            {
                var dirs = parse.GetValue(fits) ?? [];
                if (dirs.Length < 2) throw new GpuHbmException("compare needs at least two fit folders");
                var names = dirs.Select(d => Path.GetFileName(Path.TrimEndingDirectorySeparator(d))).ToArray();
                if (names.Distinct().Count() < names.Length) names = dirs;
                var models = new List<(string, LooResult)>();
                var warnings = new List<string>();
                double[]? firstY = null;
                for (int m = 0; m < dirs.Length; m++)
                {
                    var fit = Fit.Load(dirs[m]);
                    var y = PredictionRows.FromFit(fit.Model).Response!.Value.ToArray();
                    if (firstY is null) firstY = y;
                    else if (!y.SequenceEqual(firstY))
                        warnings.Add($"warning: '{names[m]}' was fitted to a different response than '{names[0]}' ({y.Length} and {firstY.Length} observations, or other values); elpd differences then mean nothing");
                    var loo = PsisLoo.Of(fit);
                    warnings.AddRange(loo.Warnings.Select(w => $"warning: {names[m]}: {w}"));
                    models.Add((names[m], loo));
                }
                var rows = LooComparison.Compare(models);
                output.Write(LooComparison.ToText(rows));
                output.Flush();
                // After the table, so that the two streams do not interleave on a terminal.
                foreach (var w in warnings) error.WriteLine(w);
                if (parse.GetValue(file) is { } path)
                {
                    using (var w = new StreamWriter(path)) LooComparison.WriteCsv(rows, w);
                    output.WriteLine($"wrote {path}");
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
