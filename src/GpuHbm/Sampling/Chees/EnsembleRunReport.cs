using System.Globalization;
using GpuHbm.Sampling.Initialization;

namespace GpuHbm.Sampling.Chees;

/// <summary>One convergence check of the ensemble warm-up (at the end of a round).</summary>
/// <param name="Iteration">Warm-up iterations done at the check.</param>
/// <param name="NestedRhat">Largest nested R-hat over the coordinates of θ and log π in the round's window.</param>
/// <param name="WorstCoordinate">The coordinate of θ with that nested R-hat (−1 for log π).</param>
/// <param name="MetricChange">Largest |log(v_new / v_current)| between the metric the round used and the new estimate.</param>
/// <param name="HarmonicMeanAcceptance">Mean over the window of the per-iteration harmonic-mean acceptance.</param>
/// <param name="StepSize">ε at the end of the round.</param>
/// <param name="TrajectoryLength">T at the end of the round.</param>
/// <param name="GradientEvaluations">Gradient evaluations over all chains so far (initialisation included).</param>
public sealed record WarmupCheck(int Iteration, double NestedRhat, int WorstCoordinate, double MetricChange, double HarmonicMeanAcceptance,
    double StepSize, double TrajectoryLength, long GradientEvaluations);

/// <summary>
/// How a ChEES ensemble was started, warmed up and stopped: the initialisation and its cost, whether the warm-up
/// reached the convergence rule (nested R-hat over superchains, metric and step size settled) and in how many
/// iterations, and whether a requested ESS was reached. Recorded in fit.json and printed by `gpuhbm fit`.
/// </summary>
public sealed record EnsembleRunReport
{
    public required InitializationReport Initialization { get; init; }

    /// <summary>Superchains (groups of chains sharing a start) used by the convergence rule.</summary>
    public int Superchains { get; init; }

    /// <summary>True when the warm-up length was chosen by the convergence rule (--warmup auto).</summary>
    public bool AutoWarmup { get; init; }

    /// <summary>The warm-up cap (auto) or the fixed warm-up length.</summary>
    public int WarmupLimit { get; init; }

    /// <summary>Warm-up iterations done.</summary>
    public int WarmupIterations { get; init; }

    /// <summary>True when the last check met every part of the rule (auto or fixed warm-up alike).</summary>
    public bool WarmupConverged { get; init; }

    /// <summary>The nested R-hat threshold of the rule.</summary>
    public double NestedRhatThreshold { get; init; }

    /// <summary>Why the warm-up is not considered converged (null when it is).</summary>
    public string? NotConvergedReason { get; init; }

    /// <summary>Every check, in order.</summary>
    public IReadOnlyList<WarmupCheck> Checks { get; init; } = [];

    /// <summary>Gradient evaluations of the initialisation and warm-up over all chains.</summary>
    public long WarmupGradientEvaluations { get; init; }

    /// <summary>The requested bulk ESS (--target-ess), or null.</summary>
    public int? TargetEss { get; init; }

    /// <summary>Smallest bulk ESS over the coordinates of θ and log π at the last ESS check of the sampling phase (NaN when none).</summary>
    public double EssAtStop { get; init; } = double.NaN;

    /// <summary>True when sampling stopped because the target ESS was reached.</summary>
    public bool TargetEssReached { get; init; }

    /// <summary>Mean over the sampling iterations of the harmonic mean over chains of the acceptance probabilities (ChEES's step-size statistic; target 0.651).</summary>
    public double SamplingHarmonicMeanAcceptance { get; init; } = double.NaN;

    /// <summary>The step size and (maximum) trajectory length used for sampling.</summary>
    public double StepSize { get; init; }
    public double TrajectoryLength { get; init; }

    /// <summary>One or two lines for the console.</summary>
    public string Describe()
    {
        var inv = CultureInfo.InvariantCulture;
        string last = Checks.Count == 0 ? "" : string.Create(inv, $"; last check: nested R-hat {Checks[^1].NestedRhat:F4}, harmonic-mean acceptance {Checks[^1].HarmonicMeanAcceptance:F2}");
        string warm = AutoWarmup
            ? (WarmupConverged
                ? $"warm-up: auto, converged after {WarmupIterations} iterations (cap {WarmupLimit}){last}"
                : $"warm-up: auto, NOT converged after {WarmupIterations} iterations (cap {WarmupLimit}): {NotConvergedReason}{last}")
            : $"warm-up: fixed, {WarmupIterations} iterations, " + (WarmupConverged ? "convergence rule met" : $"convergence rule not met: {NotConvergedReason}") + last;
        warm += string.Create(inv, $"; {WarmupGradientEvaluations:N0} gradient evaluations with the initialisation");
        string sampling = string.Create(inv, $"\nsampling: step size {StepSize:G3}, trajectory length {TrajectoryLength:G3}, harmonic-mean acceptance {SamplingHarmonicMeanAcceptance:F2}");
        string ess = TargetEss is { } t
            ? string.Create(inv, $"; target bulk ESS {t} {(TargetEssReached ? "reached" : "NOT reached")} (smallest bulk ESS {EssAtStop:F0})")
            : "";
        return Initialization.Describe() + "\n" + warm + sampling + ess;
    }
}
