using System.Diagnostics;
using GpuHbm.Compute;
using GpuHbm.Models;

namespace GpuHbm.Sampling.Initialization;

/// <summary>How the starting points of an ensemble are chosen.</summary>
public enum InitializationMethod
{
    /// <summary>
    /// L-BFGS from dispersed starts on the prior scale, then one draw from the Laplace-style Gaussian N(x*, H) around each
    /// optimum x*, H the L-BFGS inverse-Hessian approximation (<see cref="EnsembleLbfgs"/>).
    /// </summary>
    Laplace,

    /// <summary>location + scale·uniform(−2, 2) per coordinate, from the priors (<see cref="ParameterScale"/>).</summary>
    Prior,

    /// <summary>Stan's uniform(−2, 2) on the unconstrained scale.</summary>
    Uniform,

    /// <summary>Exactly the given initial positions (<see cref="SamplerOptions.InitialPositions"/>).</summary>
    Given,
}

/// <summary>What the initialisation did and what it cost (reported in the fit's sampler report and fit.json).</summary>
public sealed record InitializationReport
{
    /// <summary>"laplace", "prior", "uniform" or "given" ("laplace from the given values" when the optimiser started at given points).</summary>
    public required string Method { get; init; }

    /// <summary>Distinct starting points (one per superchain).</summary>
    public int Starts { get; init; }

    /// <summary>Density-and-gradient evaluations spent choosing the starts (optimiser, line searches, draws).</summary>
    public long GradientEvaluations { get; init; }

    /// <summary>L-BFGS iterations per start (empty when no optimiser ran).</summary>
    public IReadOnlyList<int> OptimizerIterations { get; init; } = [];

    /// <summary>Optimisations that met the convergence tolerance (the others stopped at the iteration limit or in a failed line search).</summary>
    public int OptimizersConverged { get; init; }

    /// <summary>log π at each optimum (empty when no optimiser ran).</summary>
    public IReadOnlyList<double> LogDensityAtOptimum { get; init; } = [];

    public TimeSpan Time { get; init; }

    /// <summary>One line for the console.</summary>
    public string Describe() => Method switch
    {
        "laplace" or "laplace from the given values" => $"initialisation: L-BFGS from {Starts} {(Method == "laplace" ? "dispersed" : "given")} starts ({OptimizersConverged} converged, median {Median(OptimizerIterations)} iterations) " +
                     $"and one Laplace draw around each optimum; {GradientEvaluations:N0} gradient evaluations",
        "prior" => $"initialisation: {Starts} starts drawn on the prior scale; {GradientEvaluations:N0} gradient evaluations",
        "given" => "initialisation: the given initial values",
        _ => $"initialisation: {Starts} uniform(-2, 2) starts; {GradientEvaluations:N0} gradient evaluations",
    };

    private static int Median(IReadOnlyList<int> v) => v.Count == 0 ? 0 : v.Order().ElementAt(v.Count / 2);
}

/// <summary>Settings of <see cref="SuperchainStarts"/>.</summary>
public sealed record InitializationOptions
{
    public InitializationMethod Method { get; init; } = InitializationMethod.Laplace;

    /// <summary>L-BFGS history length m.</summary>
    public int History { get; init; } = 8;

    /// <summary>L-BFGS iteration limit per start.</summary>
    public int MaxIterations { get; init; } = 1000;

    /// <summary>L-BFGS relative tolerance on the change of log π.</summary>
    public double RelativeTolerance { get; init; } = 1e-8;

    /// <summary>Multiplies the draw around each optimum (1: the Laplace approximation's own spread).</summary>
    public double Spread { get; init; } = 1.0;
}

/// <summary>
/// One starting point per superchain, found by a small ensemble of its own (one chain per start, the run-wide chain
/// numbers of each superchain's first chain), so that every chain of a superchain starts from the same point, as nested
/// R-hat requires (Margossian et al. 2024, §3), and different superchains start from dispersed points.
/// </summary>
public static class SuperchainStarts
{
    private const int MaxDrawAttempts = 20;

    /// <summary>Finds <paramref name="startIds"/>.Length starting points; returns them (each of length D) and the report.</summary>
    /// <param name="density">The target.</param>
    /// <param name="factory">Makes the ensemble the starts are computed on (the run's backend).</param>
    /// <param name="startIds">Run-wide chain numbers (Philox streams) of the starts.</param>
    /// <param name="seed">The run's seed.</param>
    /// <param name="scale">Prior location and scale of each coordinate.</param>
    /// <param name="options">Method and optimiser settings.</param>
    /// <param name="given">Optional points the optimiser starts from (one per start) instead of draws on the prior scale.</param>
    public static (double[][] Starts, InitializationReport Report) Find(IBatchedDensity density, ChainEnsembleFactory factory,
        uint[] startIds, ulong seed, ParameterScale scale, InitializationOptions options, IReadOnlyList<double[]>? given = null)
    {
        if (options.Method == InitializationMethod.Given) throw new ArgumentException("Given starts need no search.", nameof(options));
        ArgumentNullException.ThrowIfNull(density);
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentNullException.ThrowIfNull(scale);
        ArgumentNullException.ThrowIfNull(options);
        var clock = Stopwatch.StartNew();
        int k = startIds.Length, d = density.Dimension;
        bool laplace = options.Method == InitializationMethod.Laplace;
        int extra = laplace ? EnsembleLbfgs.ExtraSlots(options.History) : 0;
        EnsembleSlot x = new(0), g = new(1), draw = new(2 + extra), drawGradient = new(3 + extra), momentum = new(4 + extra);
        using var e = factory(density, startIds, 5 + extra, seed);
        var lp = new double[k];
        var all = Enumerable.Repeat(true, k).ToArray();
        ChainInitializer.Initialize(e, x, g, given, 0, lp, options.Method == InitializationMethod.Uniform ? null : scale);

        var iterations = Array.Empty<int>();
        var optimum = Array.Empty<double>();
        int converged = 0;
        EnsembleSlot result = x;
        if (laplace)
        {
            var diagonal = new double[d];
            for (int i = 0; i < d; i++) diagonal[i] = scale.Scale[i] * scale.Scale[i];
            var lbfgs = new EnsembleLbfgs(e, x, g, 2, options.History, diagonal);
            lbfgs.Maximize(all, lp, options.MaxIterations, options.RelativeTolerance);
            iterations = lbfgs.Iterations.ToArray();
            optimum = lp.ToArray();
            converged = lbfgs.Stops.Count(s => s is LbfgsStop.Converged or LbfgsStop.LineSearchFailed);

            // One draw around each optimum; a draw where the density is not finite is redrawn closer to the optimum.
            var pending = all.ToArray();
            var drawLp = new double[k];
            double spread = options.Spread;
            e.Copy(draw, x, all);
            for (int attempt = 0; attempt < MaxDrawAttempts && Nuts.Any(pending); attempt++, spread *= 0.5)
            {
                lbfgs.DrawAroundOptimum(draw, momentum, (uint)attempt, pending, spread);
                e.Evaluate(draw, drawGradient, pending, drawLp);
                for (int c = 0; c < k; c++) if (pending[c] && double.IsFinite(drawLp[c])) pending[c] = false;
            }
            e.Copy(draw, x, pending);   // still not finite: start at the optimum itself
            result = draw;
        }
        var starts = new double[k][];
        for (int c = 0; c < k; c++)
        {
            starts[c] = new double[d];
            e.ReadRow(result, c, starts[c]);
        }
        long gradients = Enumerable.Range(0, k).Sum(e.GradientEvaluations);
        return (starts, new InitializationReport
        {
            Method = options.Method.ToString().ToLowerInvariant() + (given is null ? "" : " from the given values"),
            Starts = k,
            GradientEvaluations = gradients,
            OptimizerIterations = iterations,
            OptimizersConverged = converged,
            LogDensityAtOptimum = optimum,
            Time = clock.Elapsed,
        });
    }
}
