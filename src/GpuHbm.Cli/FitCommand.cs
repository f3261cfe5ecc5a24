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
        var data = new Option<string>("--data") { Description = "CSV file with a header row (delimiter detected: comma, semicolon, tab or '|')." };
        var formula = new Option<string>("--formula") { Description = "lme4/brms formula, e.g. \"Reaction ~ 1 + Days + (1 + Days | Subject)\"." };
        var family = new Option<string>("--family") { Description = "gaussian, bernoulli, binomial or poisson.", DefaultValueFactory = _ => "gaussian" };
        var prior = new Option<string[]>("--prior") { Description = "A prior, e.g. \"sd ~ normal(0, 50)\"; repeat for several (each class once).", AllowMultipleArgumentsPerToken = false };
        var factor = new Option<string[]>("--factor") { Description = "Treat a numeric column as categorical (like R's factor()); repeat for several." };
        var chains = NumberOption.NullableInt("--chains", "Number of chains (default: 4 for NUTS, 64 for ChEES).");
        var warmup = new Option<string>("--warmup")
        {
            Description = "Warm-up iterations per chain, or auto (ChEES: stop when the superchains agree, at most --max-warmup). Default: 1000 for NUTS, auto for ChEES.",
        };
        var maxWarmup = NumberOption.Int("--max-warmup", "Cap of the automatic warm-up (ChEES).", 1000);
        var targetEss = NumberOption.NullableInt("--target-ess", "ChEES: stop sampling once the smallest bulk ESS reaches this (--draws is the cap).");
        var init = new Option<string>("--init")
        {
            Description = "ChEES starting points: auto/laplace (L-BFGS, then a Laplace draw around each optimum), prior (prior location ± 2 scales) or uniform (Stan's uniform(-2, 2)).",
            DefaultValueFactory = _ => "auto",
        };
        var draws = NumberOption.Int("--draws", "Kept draws per chain.", 1000);
        var seed = NumberOption.NullableUInt64("--seed", "Random seed (default: from the clock; it is printed and saved).");
        var adaptDelta = NumberOption.Double("--adapt-delta", "Target acceptance for step-size adaptation.", 0.8);
        var maxDepth = NumberOption.Int("--max-depth", "Maximum NUTS tree depth.", 10);
        var metric = new Option<string?>("--metric")
        {
            Description = $"NUTS metric adaptation: diag (nutpie: draws and gradients), low-rank (nutpie's low-rank-modified diagonal, CPU only) "
                + $"or stan-diag (Stan's windowed variance); default {FitOptions.DefaultMetric.Name()}.",
        };
        var centring = new Option<string>("--centring")
        {
            Description = "off (default: every group-level effect non-centred) or auto (NUTS on the CPU centres each effect of a (1 | g) or (x || g) term that the data inform strongly, chosen in warm-up; needs a warm-up of several hundred iterations).",
            DefaultValueFactory = _ => "off",
        };
        var outputDir = new Option<string?>("--output") { Description = "Folder for the fit: draws.csv and sampler.csv grow during sampling; summary.csv and fit.json at the end." };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace a fit already in the --output folder (all of its files)." };
        var resume = new Option<string?>("--resume") { Description = "Continue the unfinished fit in this folder (killed, stopped or failed) from its last checkpoint, with its recorded settings." };
        var dropMissing = new Option<bool>("--drop-missing") { Description = "Drop rows with a missing value in a used column (reports how many)." };
        var na = new Option<string[]>("--na") { Description = "A value that means missing, besides empty and NA (e.g. --na . --na -999); repeat for several." };
        var delimiter = new Option<string?>("--delimiter") { Description = "Field delimiter: a character, or comma, semicolon, tab, pipe, space (default: detected from the header)." };
        var decimalMark = new Option<string?>("--decimal") { Description = "Decimal mark of numbers: '.' or ',' (default: ',' for semicolon files, else '.')." };
        var encoding = new Option<string?>("--encoding") { Description = "Text encoding of the CSV: utf-8 (default) or latin1." };
        var threads = NumberOption.NullableInt("--threads", "Chains run at once (default: one per core).");
        var quiet = new Option<bool>("--quiet") { Description = "No progress display." };
        var showGroups = new Option<bool>("--show-group-effects") { Description = "Also print the r_* rows in the summary." };
        var backend = new Option<string>("--backend") { Description = "auto (CUDA, else an OpenCL GPU, else the CPU), cpu, cpu-accelerator (the device kernels on ILGPU's CPU accelerator, for debugging), opencl or cuda.", DefaultValueFactory = _ => "auto" };
        var device = NumberOption.NullableInt("--device", "Device index within the backend, as `gpuhbm devices` lists them.");
        var sampler = new Option<string>("--sampler") { Description = "nuts (per-chain NUTS) or chees (ChEES-HMC, all chains in lockstep).", DefaultValueFactory = _ => "nuts" };
        var superchains = NumberOption.NullableInt("--superchains", "ChEES: number of superchains (chains sharing a start) for nested R-hat and the auto warm-up (default: superchains of 16 chains, 8 for fewer than 32 chains).");
        var checkpointInterval = NumberOption.Double("--checkpoint-interval", "Seconds between flushes of the streamed draws to disk and checkpoints for --resume.", 2);

        var cmd = new Command("fit", "Fit a multilevel model with NUTS or ChEES-HMC on the CPU, an OpenCL device or a CUDA GPU.")
        { data, formula, family, prior, factor, chains, warmup, maxWarmup, draws, targetEss, seed, adaptDelta, maxDepth, metric, centring, outputDir, overwrite, resume,
          dropMissing, na, delimiter, decimalMark, encoding, threads, quiet, showGroups, backend, device, sampler, superchains, init, checkpointInterval };
        var kinship = KinshipOptions.AddTo(cmd);

        cmd.SetAction(parse =>
        {
            try
            {
                bool Given(Option o) => parse.GetResult(o) is { Implicit: false };
                if (parse.GetValue(resume) is { } resumeDir)
                {
                    // Everything that shapes the draws comes from the folder; only how the run is shown and paced may change.
                    var fixedByRun = cmd.Options.Where(o => o != resume && o != threads && o != quiet && o != showGroups && Given(o)).Select(o => o.Name).ToList();
                    if (fixedByRun.Count > 0)
                        throw new GpuHbmException($"--resume continues the run in '{resumeDir}' with the settings it was started with; leave out {string.Join(", ", fixedByRun)}");
                    var plan = Glmm.Resume(resumeDir, maxParallelism: parse.GetValue(threads));
                    output.WriteLine($"resuming the fit in {resumeDir} from its last checkpoint");
                    return Execute(plan, parse.GetValue(quiet), parse.GetValue(showGroups), output, error);
                }
                string dataPath = parse.GetValue(data) ?? throw new GpuHbmOptionException("--data", "data", "is required: the CSV file to fit (or --resume DIR to continue a fit)");
                string formulaText = parse.GetValue(formula) ?? throw new GpuHbmOptionException("--formula", "formula", "is required, e.g. --formula \"y ~ x + (1 | g)\"");
                string? outDir = parse.GetValue(outputDir);
                bool replace = parse.GetValue(overwrite);
                if (replace && outDir is null) throw new GpuHbmOptionException("--overwrite", nameof(FitOptions.Overwrite), "needs --output DIR: it replaces the fit in that folder");
                // The output folder is checked before anything else, so that a fit is never lost for want of a place to put it.
                if (outDir is not null) Results.FitFolder.Prepare(outDir, replace);
                var csv = new CsvReadOptions
                {
                    Delimiter = parse.GetValue(delimiter) is { } dl ? CsvReadOptions.ParseDelimiter(dl) : null,
                    DecimalSeparator = parse.GetValue(decimalMark) switch
                    {
                        null => null,
                        "." or "point" => '.',
                        "," or "comma" => ',',
                        var other => throw new GpuHbmOptionException("--decimal", "DecimalSeparator", $"must be '.' or ','; got '{other}'"),
                    },
                    MissingValues = ["NA", .. parse.GetValue(na) ?? []],
                    Encoding = parse.GetValue(encoding) is { } enc ? CsvReadOptions.ParseEncoding(enc) : null,
                };
                var table = DataTable.ReadCsv(dataPath, csv);
                double interval = parse.GetValue(checkpointInterval);
                if (!(interval > 0)) throw new GpuHbmOptionException("--checkpoint-interval", nameof(FitOptions.CheckpointInterval), $"must be a positive number of seconds (got {interval.ToString(CultureInfo.InvariantCulture)})");
                string samplerName = (parse.GetValue(sampler) ?? "nuts").ToLowerInvariant();
                if (samplerName is not ("nuts" or "chees")) throw new GpuHbmException($"unknown sampler '{samplerName}' (use nuts or chees)");
                var options = new FitOptions
                {
                    Family = parse.GetValue(family) ?? "gaussian",
                    Priors = parse.GetValue(prior) ?? [],
                    Factors = parse.GetValue(factor) ?? [],
                    Warmup = ParseWarmup(parse.GetValue(warmup), parse.GetValue(sampler)),
                    MaxWarmup = parse.GetValue(maxWarmup),
                    TargetEss = parse.GetValue(targetEss),
                    Init = parse.GetValue(init) ?? "auto",
                    Draws = parse.GetValue(draws),
                    Seed = parse.GetValue(seed),
                    AdaptDelta = parse.GetValue(adaptDelta),
                    MaxDepth = parse.GetValue(maxDepth),
                    Metric = parse.GetValue(metric),
                    AutomaticCentring = (parse.GetValue(centring) ?? "off").ToLowerInvariant() switch
                    {
                        "auto" => true,
                        "off" => false,
                        var other => throw new GpuHbmException($"--centring must be auto or off (got '{other}')"),
                    },
                    DropMissing = parse.GetValue(dropMissing),
                    MaxParallelism = parse.GetValue(threads),
                    Backend = parse.GetValue(backend) ?? "auto",
                    Device = parse.GetValue(device),
                    Sampler = samplerName,
                    Superchains = parse.GetValue(superchains),
                    OutputDirectory = outDir,
                    Overwrite = replace,
                    CheckpointInterval = TimeSpan.FromSeconds(interval),
                };
                if (parse.GetValue(chains) is { } chainCount) options = options with { Chains = chainCount };
                options.Validate(); // range errors before the relationship matrices are read
                options = kinship.Apply(parse, options, output);
                if (string.Equals(parse.GetValue(warmup), "auto", StringComparison.OrdinalIgnoreCase) && !options.AutoWarmup)
                    throw new GpuHbmOptionException("--warmup", nameof(FitOptions.Warmup), "auto needs superchains: at least 16 chains in a multiple of 8, or --superchains K");
                var fitPlan = Glmm.Plan(formulaText, table, options);
                if (table.Format is { } f && (f.Delimiter != ',' || f.DecimalComma && f.DecimalCommaValues > 0 || f.Encoding != "utf-8"))
                    output.WriteLine($"read {table.Source}: {f.Describe()}");
                return Execute(fitPlan, parse.GetValue(quiet), parse.GetValue(showGroups), output, error);
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
                throw new GpuHbmOptionException("--warmup", nameof(FitOptions.Warmup), "auto needs --sampler chees (NUTS warms up for a fixed number of iterations)");
            return null;
        }
        if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int n)) return n;
        throw new GpuHbmOptionException("--warmup", nameof(FitOptions.Warmup), $"must be a whole number of iterations or auto; '{text}' is not one");
    }

    private static int Execute(FitPlan plan, bool quiet, bool showGroups, TextWriter output, TextWriter error)
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
            var backend = plan.Backend;
            var options = plan.Options;
            string? outputDir = options.OutputDirectory;
            string samplerName = options.Sampler == "chees" ? "ChEES-HMC" : "NUTS";
            output.WriteLine($"gpuhbm fit: {plan.Formula}  [{options.Family}]  {plan.Rows} rows from {plan.DataSource}");
            output.WriteLine($"backend: {backend.Name} ({backend.Reason})");
            string warmText = options.AutoWarmup ? $"auto warm-up (at most {options.MaxWarmup})" : $"{options.ResolvedWarmup} warm-up";
            string drawText = options.TargetEss is { } ess ? $"up to {options.Draws} draws until bulk ESS {ess}" : $"{options.Draws} draws";
            output.WriteLine($"{samplerName} on {backend.Device.Describe()}: {options.Chains} chains x ({warmText} + {drawText}), seed {options.Seed}"
                + (options.Sampler == "nuts" ? $", metric {options.Metric}" : "")
                + (backend.IsDevice ? ", all chains in one device ensemble" : ""));
            if (outputDir is not null) output.WriteLine($"streaming draws to {Path.Combine(outputDir, Results.FitFolder.DrawsFile)} (progress in {Path.Combine(outputDir, Results.FitFolder.ManifestFile)})");

            // Many lockstep chains (ChEES, device ensembles) report together: show one line for all of them.
            bool aggregate = options.Chains > 16;
            display = quiet ? null : new ChainProgressDisplay(aggregate ? 1 : options.Chains, options.ResolvedWarmup, options.Draws, error);
            using var displayScope = display;
            IProgress<ChainProgress>? progress = display is null ? null : aggregate ? new FirstChainOnly(display) : display;
            var fit = plan.Run(progress, cts.Token);
            display?.Complete();

            ConsoleReport.Print(fit, output, showGroups);
            output.WriteLine($"sampler: {options.Sampler}, backend: {backend.Name}, device: {backend.Device.Describe()}");
            if (fit.SavedTo is { } dir)
                output.WriteLine($"wrote {string.Join(", ", fit.SavedFiles.Select(f => Path.Combine(dir, f)))}");
            string resumeHint = outputDir is null ? " (use --output DIR to save them)" : $"; `gpuhbm fit --resume {outputDir}` continues the run";
            if (fit.Failure is not null)
            {
                error.WriteLine($"error: sampling stopped: {fit.Failure}; kept {fit.Draws.TotalDrawCount} draws" + resumeHint);
                return CliErrors.UserError;
            }
            if (fit.StoppedEarly)
            {
                error.WriteLine($"stopped early: kept {fit.Draws.TotalDrawCount} draws" + resumeHint);
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
