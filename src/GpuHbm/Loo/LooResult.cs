using System.Globalization;
using GpuHbm.Diagnostics;

namespace GpuHbm.Loo;

/// <summary>A sum over observations and its standard error √(N · var(pointwise)), as loo's table_of_estimates.</summary>
public readonly record struct LooEstimate(double Estimate, double Se);

/// <summary>
/// PSIS-LOO and WAIC of a model: the estimates (elpd_loo, p_loo, looic, elpd_waic, p_waic, waic with
/// standard errors), the pointwise table, and the Pareto k diagnostics with their warnings.
/// </summary>
public sealed class LooResult
{
    /// <summary>Pareto k above which PSIS-LOO is unreliable (loo 2.5.1's "too high").</summary>
    public const double KBad = 0.7;

    /// <summary>Pareto k above which the estimate's error is larger than usual ("slightly high" in loo 2.5.1).</summary>
    public const double KOk = 0.5;

    public LooResult(IReadOnlyList<LooPointwise> pointwise, int draws)
    {
        ArgumentNullException.ThrowIfNull(pointwise);
        if (pointwise.Count == 0) throw new GpuHbmException("LOO needs at least one observation");
        Pointwise = pointwise;
        Draws = draws;
        ElpdLoo = Sum(p => p.ElpdLoo);
        PLoo = Sum(p => p.PLoo);
        Looic = Sum(p => p.Looic);
        ElpdWaic = Sum(p => p.ElpdWaic);
        PWaic = Sum(p => p.PWaic);
        Waic = Sum(p => p.Waic);
        McseElpdLoo = Math.Sqrt(pointwise.Sum(p => p.McseElpdLoo * p.McseElpdLoo));
    }

    private LooEstimate Sum(Func<LooPointwise, double> column)
    {
        var x = Pointwise.Select(column).ToArray();
        return new LooEstimate(x.Sum(), Math.Sqrt(x.Length * SampleStatistics.Variance(x)));
    }

    public IReadOnlyList<LooPointwise> Pointwise { get; }
    public int Observations => Pointwise.Count;

    /// <summary>Observations (0-based) whose elpd_loo comes from an exact refit (<see cref="KFold.Reloo"/>) instead of PSIS.</summary>
    public IReadOnlyList<int> Refitted { get; init; } = [];

    /// <summary>
    /// For leave-one-group-out (<see cref="PsisLoo.OfGroups"/>): the grouping, and each unit's level; null when the
    /// units are single observations.
    /// </summary>
    public string? Group { get; init; }

    /// <summary>The level of each unit when <see cref="Group"/> is set.</summary>
    public IReadOnlyList<string>? Levels { get; init; }

    private string Units => Group is null ? "observations" : $"levels of {Group}";
    private string Unit(int i) => Levels is { } l ? $"'{l[i]}'" : (i + 1).ToString(CultureInfo.InvariantCulture);

    /// <summary>Posterior draws used (S).</summary>
    public int Draws { get; }

    public LooEstimate ElpdLoo { get; }
    public LooEstimate PLoo { get; }
    public LooEstimate Looic { get; }
    public LooEstimate ElpdWaic { get; }
    public LooEstimate PWaic { get; }
    public LooEstimate Waic { get; }

    /// <summary>Monte Carlo SE of elpd_loo: √Σ mcse_i² (as loo's print).</summary>
    public double McseElpdLoo { get; }

    /// <summary>
    /// The sample-size dependent threshold of Vehtari et al. (2024): min(1 − 1/log10 S, 0.7); k̂ above it means
    /// the Pareto-smoothed estimate is unreliable with this many draws.
    /// </summary>
    public double KThreshold => Math.Min(1 - 1 / Math.Log10(Draws), KBad);

    /// <summary>Observations per Pareto k band: (−∞, 0.5], (0.5, 0.7], (0.7, 1], (1, ∞) (loo 2.5.1's table).</summary>
    public int[] KCounts => [
        Pointwise.Count(p => p.ParetoK <= KOk),
        Pointwise.Count(p => p.ParetoK > KOk && p.ParetoK <= KBad),
        Pointwise.Count(p => p.ParetoK > KBad && p.ParetoK <= 1),
        Pointwise.Count(p => p.ParetoK > 1)];

    /// <summary>Observations with k̂ above 0.7.</summary>
    public int BadCount => Pointwise.Count(p => p.ParetoK > KBad);

    /// <summary>The warnings loo gives (Pareto k, p_waic), as sentences.</summary>
    public IReadOnlyList<string> Warnings
    {
        get
        {
            var w = new List<string>();
            int bad = BadCount, slightly = Pointwise.Count(p => p.ParetoK > KOk && p.ParetoK <= KBad);
            if (bad > 0)
            {
                var worst = Enumerable.Range(0, Observations).Where(i => Pointwise[i].ParetoK > KBad)
                    .OrderByDescending(i => Pointwise[i].ParetoK).Take(5).Select(i => $"{Unit(i)} (k = {F(Pointwise[i].ParetoK, "F2")})");
                w.Add($"{bad} of {Observations} {Units} have a Pareto k above {KBad}: PSIS-LOO is unreliable for them " +
                      $"({(Group is null ? "rows " : "")}{string.Join(", ", worst)}{(bad > 5 ? ", ..." : "")}); " +
                      (Group is null
                          ? "the model may be misspecified or these observations very influential. Refit without them (exact LOO: gpuhbm loo --reloo, KFold.Reloo) or use K-fold cross-validation (gpuhbm kfold, KFold.Run) for a reliable estimate."
                          : "leaving out a whole group moves the posterior of its effects far, which importance sampling rarely bridges; use grouped K-fold cross-validation (gpuhbm kfold --group, KFold.Run) for a reliable estimate."));
            }
            else if (slightly > 0)
                w.Add($"{slightly} of {Observations} {Units} have a Pareto k between {KOk} and {KBad}: PSIS-LOO is usable but its error is larger than usual for them.");
            if (Draws > 0 && KThreshold < KBad && Pointwise.Any(p => p.ParetoK > KThreshold && p.ParetoK <= KBad))
                w.Add($"with {Draws} draws, Pareto k above {F(KThreshold, "F2")} (1 − 1/log10 S, Vehtari et al. 2024) already makes the smoothed estimate unreliable; more draws help.");
            int highP = Pointwise.Count(p => p.PWaic > 0.4);
            if (highP > 0)
                w.Add($"{highP} ({F(100.0 * highP / Observations, "F1")}%) p_waic estimates are greater than 0.4; prefer PSIS-LOO to WAIC.");
            return w;
        }
    }

    /// <summary>loo's printed summary: the estimates table, the Monte Carlo SE of elpd_loo and the Pareto k table.</summary>
    public string ToText()
    {
        var sb = new System.Text.StringBuilder();
        sb.AppendLine($"Computed from {Draws} by {Observations} log-likelihood matrix" + (Group is null ? "" : $" (leave-one-group-out: the units are the {Units}, each its rows' summed log likelihood)"));
        sb.AppendLine();
        sb.AppendLine($"{"",-10}{"Estimate",10}{"SE",8}");
        foreach (var (name, e) in new[] { ("elpd_loo", ElpdLoo), ("p_loo", PLoo), ("looic", Looic), ("elpd_waic", ElpdWaic), ("p_waic", PWaic), ("waic", Waic) })
            sb.AppendLine($"{name,-10}{F(e.Estimate, "F1"),10}{F(e.Se, "F1"),8}");
        sb.AppendLine("------");
        sb.AppendLine($"Monte Carlo SE of elpd_loo is {F(McseElpdLoo, "F1")}.");
        if (Refitted.Count > 0)
            sb.AppendLine($"{Refitted.Count} observation(s) refitted exactly (rows {string.Join(", ", Refitted.Take(10).Select(i => i + 1))}{(Refitted.Count > 10 ? ", ..." : "")}); their Pareto k is shown as 0.");
        sb.AppendLine();
        var counts = KCounts;
        string[] labels = ["(-Inf, 0.5]  (good)", " (0.5, 0.7]  (ok)", "   (0.7, 1]  (bad)", "   (1, Inf)  (very bad)"];
        sb.AppendLine("Pareto k diagnostic values:");
        sb.AppendLine($"{"",-26}{"Count",6}{"Pct.",8}{"Min. n_eff",12}");
        for (int b = 0; b < 4; b++)
        {
            var band = Enumerable.Range(0, Observations).Where(i => Band(Pointwise[i].ParetoK) == b).ToArray();
            string minNeff = band.Length == 0 ? "" : F(band.Min(i => Pointwise[i].NEff), "F0");
            sb.AppendLine($"{labels[b],-26}{counts[b],6}{F(100.0 * counts[b] / Observations, "F1") + "%",8}{minNeff,12}");
        }
        foreach (var w in Warnings) sb.AppendLine("warning: " + w);
        return sb.ToString();
    }

    private static int Band(double k) => k <= KOk ? 0 : k <= KBad ? 1 : k <= 1 ? 2 : 3;

    /// <summary>The pointwise table as CSV: observation (1-based), elpd_loo, mcse_elpd_loo, p_loo, looic, pareto_k, n_eff, r_eff, elpd_waic, p_waic, waic.</summary>
    public void WritePointwiseCsv(TextWriter writer)
    {
        writer.WriteLine((Group is null ? "observation" : "level") + ",elpd_loo,mcse_elpd_loo,p_loo,looic,pareto_k,n_eff,r_eff,elpd_waic,p_waic,waic");
        for (int i = 0; i < Observations; i++)
        {
            var p = Pointwise[i];
            writer.WriteLine(string.Join(",", Levels is { } l ? Results.CsvText.Quote(l[i]) : (i + 1).ToString(CultureInfo.InvariantCulture), R(p.ElpdLoo), R(p.McseElpdLoo), R(p.PLoo), R(p.Looic),
                R(p.ParetoK), R(p.NEff), R(p.REff), R(p.ElpdWaic), R(p.PWaic), R(p.Waic)));
        }
    }

    /// <summary>The estimates as CSV: quantity, estimate, se (rows elpd_loo, p_loo, looic, elpd_waic, p_waic, waic).</summary>
    public void WriteEstimatesCsv(TextWriter writer)
    {
        writer.WriteLine("quantity,estimate,se");
        foreach (var (name, e) in new[] { ("elpd_loo", ElpdLoo), ("p_loo", PLoo), ("looic", Looic), ("elpd_waic", ElpdWaic), ("p_waic", PWaic), ("waic", Waic) })
            writer.WriteLine($"{name},{R(e.Estimate)},{R(e.Se)}");
    }

    private static string R(double v) => double.IsNaN(v) ? "NA" : double.IsPositiveInfinity(v) ? "Inf" : v.ToString("R", CultureInfo.InvariantCulture);
    private static string F(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);
}
