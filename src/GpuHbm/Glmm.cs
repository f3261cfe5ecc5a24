using System.Diagnostics;
using GpuHbm.Data;
using GpuHbm.Formulas;
using GpuHbm.Models;
using GpuHbm.Models.Kinship;
using GpuHbm.Results;
using GpuHbm.Sampling;

namespace GpuHbm;

/// <summary>
/// The library's front door: fit a generalized linear mixed model from an lme4/brms formula.
/// <code>
/// var data = DataTable.ReadCsv("sleepstudy.csv");
/// var fit = Glmm.Fit("Reaction ~ 1 + Days + (1 + Days | Subject)", data, new FitOptions { Seed = 1 });
/// Console.WriteLine(fit.Summary.ToText());
/// fit.Save("out");
/// </code>
/// </summary>
public static class Glmm
{
    /// <summary>
    /// Parses, compiles and samples. Cancelling <paramref name="cancellationToken"/> stops the
    /// chains at their next iteration and returns the draws made so far (Fit.StoppedEarly).
    /// </summary>
    public static Fit Fit(string formula, DataTable data, FitOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(formula);
        ArgumentNullException.ThrowIfNull(data);
        options ??= new FitOptions();
        options.Validate();
        var total = Stopwatch.StartNew();

        var parsed = FormulaParser.Parse(formula);
        var used = parsed.UsedColumns();
        foreach (var c in used) _ = data[c]; // a missing column is an error naming it
        int dropped = 0;
        if (options.DropMissing) data = MissingData.DropIncomplete(data, used, out dropped);
        else MissingData.EnsureComplete(data, used);

        foreach (var f in options.Factors)
            if (!used.Contains(f))
                throw new GpuHbmModelException($"--factor {f}: the formula does not use a column named '{f}'");
        var spec = new ModelSpec(parsed, Family.Parse(options.Family), options.Priors.Select(PriorSpec.Parse).ToList(), options.Factors,
            options.RelationshipMatrices);
        var compile = Stopwatch.StartNew();
        var model = PosteriorModel.Compile(spec, data, options.KinshipFastPath, options.DrawGeneticEffects);
        compile.Stop();

        ulong seed = options.Seed ?? (ulong)DateTime.UtcNow.Ticks;
        var samplerOptions = new SamplerOptions
        {
            Chains = options.Chains,
            Warmup = options.Warmup,
            Draws = options.Draws,
            Seed = seed,
            AdaptDelta = options.AdaptDelta,
            MaxDepth = options.MaxDepth,
            MaxParallelism = options.MaxParallelism ?? Environment.ProcessorCount,
        };
        var result = new NutsSampler().Run(model, samplerOptions, options.Progress, cancellationToken);
        total.Stop();
        return Results.Fit.FromSampler(model, result, new FitSettings(
            formula, options with { Seed = seed }, data.Source, data.RowCount, dropped, compile.Elapsed, total.Elapsed));
    }
}
