using System.CommandLine;
using System.Globalization;
using GpuHbm.Data;

namespace GpuHbm.Cli;

/// <summary>`gpuhbm fit`: read a CSV, fit the formula, print the summary, optionally write the results.</summary>
internal static class FitCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var data = new Option<string>("--data") { Description = "CSV file with a header row.", Required = true };
        var formula = new Option<string>("--formula") { Description = "lme4/brms formula, e.g. \"Reaction ~ 1 + Days + (1 + Days | Subject)\".", Required = true };
        var family = new Option<string>("--family") { Description = "gaussian, bernoulli, binomial or poisson.", DefaultValueFactory = _ => "gaussian" };
        var prior = new Option<string[]>("--prior") { Description = "A prior, e.g. \"sd ~ normal(0, 50)\"; repeat for several.", AllowMultipleArgumentsPerToken = false };
        var factor = new Option<string[]>("--factor") { Description = "Treat a numeric column as categorical (like R's factor()); repeat for several." };
        var chains = new Option<int>("--chains") { Description = "Number of chains.", DefaultValueFactory = _ => 4 };
        var warmup = new Option<int>("--warmup") { Description = "Warm-up iterations per chain.", DefaultValueFactory = _ => 1000 };
        var draws = new Option<int>("--draws") { Description = "Kept draws per chain.", DefaultValueFactory = _ => 1000 };
        var seed = new Option<ulong?>("--seed") { Description = "Random seed (default: from the clock; it is printed and saved)." };
        var adaptDelta = new Option<double>("--adapt-delta") { Description = "Target acceptance for step-size adaptation.", DefaultValueFactory = _ => 0.8 };
        var maxDepth = new Option<int>("--max-depth") { Description = "Maximum NUTS tree depth.", DefaultValueFactory = _ => 10 };
        var outputDir = new Option<string?>("--output") { Description = "Folder for summary.csv, draws.csv, sampler.csv and fit.json." };
        var dropMissing = new Option<bool>("--drop-missing") { Description = "Drop rows with a missing value in a used column (reports how many)." };
        var threads = new Option<int?>("--threads") { Description = "Chains run at once (default: one per core)." };
        var quiet = new Option<bool>("--quiet") { Description = "No progress display." };
        var showGroups = new Option<bool>("--show-group-effects") { Description = "Also print the r_* rows in the summary." };

        var cmd = new Command("fit", "Fit a multilevel model with NUTS on the CPU backend.")
        { data, formula, family, prior, factor, chains, warmup, draws, seed, adaptDelta, maxDepth, outputDir, dropMissing, threads, quiet, showGroups };
        var kinship = KinshipOptions.AddTo(cmd);

        cmd.SetAction(parse =>
        {
            try
            {
                var table = DataTable.ReadCsv(parse.GetRequiredValue(data));
                var options = new FitOptions
                {
                    Family = parse.GetValue(family) ?? "gaussian",
                    Priors = parse.GetValue(prior) ?? [],
                    Factors = parse.GetValue(factor) ?? [],
                    Chains = parse.GetValue(chains),
                    Warmup = parse.GetValue(warmup),
                    Draws = parse.GetValue(draws),
                    Seed = parse.GetValue(seed),
                    AdaptDelta = parse.GetValue(adaptDelta),
                    MaxDepth = parse.GetValue(maxDepth),
                    DropMissing = parse.GetValue(dropMissing),
                    MaxParallelism = parse.GetValue(threads),
                };
                options = kinship.Apply(parse, options, output);
                return Execute(parse.GetRequiredValue(formula), table, options, parse.GetValue(outputDir), parse.GetValue(quiet), parse.GetValue(showGroups), output, error);
            }
            catch (Exception e)
            {
                return CliErrors.Report(e, error);
            }
        });
        return cmd;
    }

    private static int Execute(string formula, DataTable table, FitOptions options, string? outputDir, bool quiet, bool showGroups, TextWriter output, TextWriter error)
    {
        using var cts = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            if (cts.IsCancellationRequested) return; // a second Ctrl-C ends the process
            e.Cancel = true;
            error.WriteLine("\nstopping: finishing the current iterations and keeping the draws so far (Ctrl-C again to abort)...");
            cts.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            ulong seed = options.Seed ?? (ulong)DateTime.UtcNow.Ticks % 1_000_000_000UL;
            options = options with { Seed = seed };
            output.WriteLine($"gpuhbm fit: {formula}  [{options.Family}]  {table.RowCount} rows from {table.Source}");
            output.WriteLine($"NUTS on the CPU backend: {options.Chains} chains x ({options.Warmup} warm-up + {options.Draws} draws), seed {seed}");

            using var display = quiet ? null : new ChainProgressDisplay(options.Chains, options.Warmup, options.Draws, error);
            var fit = Glmm.Fit(formula, table, options with { Progress = display }, cts.Token);
            display?.Complete();

            ConsoleReport.Print(fit, output, showGroups);
            if (outputDir is not null)
            {
                fit.Save(outputDir);
                output.WriteLine($"wrote {Path.Combine(outputDir, "summary.csv")}, draws.csv, sampler.csv and fit.json");
            }
            if (fit.StoppedEarly)
            {
                error.WriteLine($"stopped early: kept {fit.Draws.TotalDrawCount} draws" + (outputDir is null ? " (use --output DIR to save them)" : ""));
                return 130;
            }
            return 0;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }
}
