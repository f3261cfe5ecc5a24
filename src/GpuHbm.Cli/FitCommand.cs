using System.CommandLine;
using System.Globalization;
using GpuHbm.Data;
using GpuHbm.Sampling;
using GpuHbm.Sampling.Metrics;

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
        var warmup = new Option<string>("--warmup")
        {
            Description = "Warm-up iterations per chain, or auto (ChEES: stop when the superchains agree, at most --max-warmup). Default: 1000 for NUTS, auto for ChEES.",
        };
        var maxWarmup = new Option<int>("--max-warmup") { Description = "Cap of the automatic warm-up (ChEES).", DefaultValueFactory = _ => 1000 };
        var targetEss = new Option<int?>("--target-ess") { Description = "ChEES: stop sampling once the smallest bulk ESS reaches this (--draws is the cap)." };
        var init = new Option<string>("--init")
        {
            Description = "ChEES starting points: auto/laplace (L-BFGS, then a Laplace draw around each optimum), prior (prior location ± 2 scales) or uniform (Stan's uniform(-2, 2)).",
            DefaultValueFactory = _ => "auto",
        };
        var draws = new Option<int>("--draws") { Description = "Kept draws per chain.", DefaultValueFactory = _ => 1000 };
        var seed = new Option<ulong?>("--seed") { Description = "Random seed (default: from the clock; it is printed and saved)." };
        var adaptDelta = new Option<double>("--adapt-delta") { Description = "Target acceptance for step-size adaptation.", DefaultValueFactory = _ => 0.8 };
        var maxDepth = new Option<int>("--max-depth") { Description = "Maximum NUTS tree depth.", DefaultValueFactory = _ => 10 };
        var metric = new Option<string?>("--metric")
        {
            Description = $"NUTS metric adaptation: diag (nutpie: draws and gradients), low-rank (nutpie's low-rank-modified diagonal, CPU only) "
                + $"or stan-diag (Stan's windowed variance); default {FitOptions.DefaultMetric.Name()}.",
        };
        var outputDir = new Option<string?>("--output") { Description = "Folder for summary.csv, draws.csv, sampler.csv and fit.json." };
        var dropMissing = new Option<bool>("--drop-missing") { Description = "Drop rows with a missing value in a used column (reports how many)." };
        var threads = new Option<int?>("--threads") { Description = "Chains run at once (default: one per core)." };
        var quiet = new Option<bool>("--quiet") { Description = "No progress display." };
        var showGroups = new Option<bool>("--show-group-effects") { Description = "Also print the r_* rows in the summary." };
        var backend = new Option<string>("--backend") { Description = "auto (CUDA, else an OpenCL GPU, else the CPU), cpu, opencl or cuda.", DefaultValueFactory = _ => "auto" };
        var device = new Option<int?>("--device") { Description = "Device index within the backend, as `gpuhbm devices` lists them." };
        var sampler = new Option<string>("--sampler") { Description = "nuts (per-chain NUTS) or chees (ChEES-HMC, all chains in lockstep).", DefaultValueFactory = _ => "nuts" };
        var superchains = new Option<int?>("--superchains") { Description = "ChEES: number of superchains (chains sharing a start) for nested R-hat and the auto warm-up (default: superchains of 16 chains, 8 for fewer than 32 chains)." };

        var cmd = new Command("fit", "Fit a multilevel model with NUTS or ChEES-HMC on the CPU, an OpenCL device or a CUDA GPU.")
        { data, formula, family, prior, factor, chains, warmup, maxWarmup, draws, targetEss, seed, adaptDelta, maxDepth, metric, outputDir, dropMissing,
          threads, quiet, showGroups, backend, device, sampler, superchains, init };
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
                    Warmup = ParseWarmup(parse.GetValue(warmup), parse.GetValue(sampler)),
                    MaxWarmup = parse.GetValue(maxWarmup),
                    TargetEss = parse.GetValue(targetEss),
                    Init = parse.GetValue(init) ?? "auto",
                    Draws = parse.GetValue(draws),
                    Seed = parse.GetValue(seed),
                    AdaptDelta = parse.GetValue(adaptDelta),
                    MaxDepth = parse.GetValue(maxDepth),
                    Metric = parse.GetValue(metric),
                    DropMissing = parse.GetValue(dropMissing),
                    MaxParallelism = parse.GetValue(threads),
                    Backend = parse.GetValue(backend) ?? "auto",
                    Device = parse.GetValue(device),
                    Sampler = (parse.GetValue(sampler) ?? "nuts").ToLowerInvariant(),
                    Superchains = parse.GetValue(superchains),
                };
                options = kinship.Apply(parse, options, output);
                if (string.Equals(parse.GetValue(warmup), "auto", StringComparison.OrdinalIgnoreCase) && !options.AutoWarmup)
                    throw new GpuHbmException("--warmup auto needs superchains: at least 16 chains in a multiple of 8, or --superchains K");
                return Execute(parse.GetRequiredValue(formula), table, options, parse.GetValue(outputDir), parse.GetValue(quiet), parse.GetValue(showGroups), output, error);
            }
            catch (Exception e)
            {
                return CliErrors.Report(e, error);
            }
        });
        return cmd;
    }

    /// <summary>--warmup: a number, "auto" (null: ChEES decides) or absent (the sampler's default).</summary>
    private static int? ParseWarmup(string? text, string? sampler)
    {
        if (text is null) return null;
        if (string.Equals(text, "auto", StringComparison.OrdinalIgnoreCase))
        {
            if (!string.Equals(sampler, "chees", StringComparison.OrdinalIgnoreCase))
                throw new GpuHbmException("--warmup auto needs --sampler chees (NUTS warms up for a fixed number of iterations)");
            return null;
        }
        if (int.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int n)) return n;
        throw new GpuHbmException($"--warmup must be a number of iterations or auto (got '{text}')");
    }

    private static int Execute(string formula, DataTable table, FitOptions options, string? outputDir, bool quiet, bool showGroups, TextWriter output, TextWriter error)
    {
        using var cts = new CancellationTokenSource();
        ChainProgressDisplay? display = null;
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            if (cts.IsCancellationRequested) return; // a second Ctrl-C ends the process
            e.Cancel = true;
            const string notice = "stopping: finishing the current iterations and keeping the draws so far (Ctrl-C again to abort)";
            if (display is null || !display.Notify(notice)) error.WriteLine("\n" + notice + "...");
            cts.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            if (options.Sampler is not ("nuts" or "chees")) throw new GpuHbmException($"unknown sampler '{options.Sampler}' (use nuts or chees)");
            var plan = Glmm.Plan(formula, table, options);
            var backend = plan.Backend;
            options = plan.Options;
            string samplerName = options.Sampler == "chees" ? "ChEES-HMC" : "NUTS";
            output.WriteLine($"gpuhbm fit: {formula}  [{options.Family}]  {table.RowCount} rows from {table.Source}");
            output.WriteLine($"backend: {backend.Name} ({backend.Reason})");
            string warmText = options.AutoWarmup ? $"auto warm-up (at most {options.MaxWarmup})" : $"{options.ResolvedWarmup} warm-up";
            string drawText = options.TargetEss is { } ess ? $"up to {options.Draws} draws until bulk ESS {ess}" : $"{options.Draws} draws";
            output.WriteLine($"{samplerName} on {backend.Device.Describe()}: {options.Chains} chains x ({warmText} + {drawText}), seed {options.Seed}"
                + (options.Sampler == "nuts" ? $", metric {options.Metric}" : "")
                + (backend.IsDevice ? ", all chains in one device ensemble" : ""));

            // Many lockstep chains (ChEES, device ensembles) report together: show one line for all of them.
            bool aggregate = options.Chains > 16;
            display = quiet ? null : new ChainProgressDisplay(aggregate ? 1 : options.Chains, options.ResolvedWarmup, options.Draws, error);
            using var displayScope = display;
            IProgress<ChainProgress>? progress = display is null ? null : aggregate ? new FirstChainOnly(display) : display;
            var fit = plan.Run(progress, cts.Token);
            display?.Complete();

            ConsoleReport.Print(fit, output, showGroups);
            output.WriteLine($"sampler: {options.Sampler}, backend: {backend.Name}, device: {backend.Device.Describe()}");
            if (outputDir is not null)
            {
                var files = fit.Save(outputDir);
                output.WriteLine($"wrote {string.Join(", ", files.Select(f => Path.Combine(outputDir, f)))}");
            }
            if (fit.Failure is not null)
            {
                error.WriteLine($"error: sampling stopped: {fit.Failure}; kept {fit.Draws.TotalDrawCount} draws" + (outputDir is null ? " (use --output DIR to save them)" : ""));
                return CliErrors.UserError;
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

/// <summary>Forwards chain 0's progress only (the chains of one lockstep ensemble advance together).</summary>
internal sealed class FirstChainOnly(IProgress<ChainProgress> inner) : IProgress<ChainProgress>
{
    public void Report(ChainProgress value)
    {
        if (value.Chain == 0) inner.Report(value);
    }
}
