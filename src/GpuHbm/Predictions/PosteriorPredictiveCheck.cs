using System.Globalization;
using GpuHbm.Diagnostics;
using GpuHbm.Results;

namespace GpuHbm.Predictions;

/// <summary>Settings of a posterior predictive check.</summary>
public sealed record CheckOptions
{
    /// <summary>Replicated data sets, from evenly spaced posterior draws (at most the number of draws).</summary>
    public int Replicates { get; init; } = 500;

    /// <summary>
    /// The grouping whose per-level means are checked: a grouping of the model or any column of the fitted data
    /// (default: the first group-level term's).
    /// </summary>
    public string? Group { get; init; }

    /// <summary>Replicates drawn in the density overlay.</summary>
    public int OverlayReplicates { get; init; } = 50;

    /// <summary>Rows kept for the density overlay (evenly spaced when the data have more).</summary>
    public int OverlayRows { get; init; } = 20_000;

    /// <summary>Seed of the replicated responses (default: the fit's).</summary>
    public ulong? Seed { get; init; }
}

/// <summary>A test statistic: its observed value, its value in each replicated data set, and the posterior predictive p-value.</summary>
/// <param name="Name">mean, sd, min, max, prop_zero.</param>
/// <param name="Observed">T(y).</param>
/// <param name="Replicated">T(y_rep) per replicate.</param>
/// <param name="PValue">P(T(y_rep) &gt; T(y)) + ½ P(T(y_rep) = T(y)) over the replicates (Gelman, Meng and Stern 1996; ties split).</param>
public sealed record StatisticCheck(string Name, double Observed, double[] Replicated, double PValue)
{
    public double Mean => SampleStatistics.Mean(Replicated);
    public double Sd => SampleStatistics.StandardDeviation(Replicated);
    public double Quantile(double p) => SampleStatistics.Quantile(Replicated, p);
}

/// <summary>One level of the checked grouping: its rows, observed mean response and the replicated means.</summary>
public sealed record GroupCheck(string Level, int Rows, double Observed, double[] Replicated, double PValue)
{
    public double Quantile(double p) => SampleStatistics.Quantile(Replicated, p);
}

/// <summary>
/// Posterior predictive checks (Gelman, Carlin, Stern, Dunson, Vehtari and Rubin, BDA3 ch. 6; bayesplot's
/// pp_check): replicated data sets y_rep drawn from the posterior predictive distribution at the fitted rows
/// (each row with its own group's effects), test statistics of y against their replicated distribution with
/// posterior predictive p-values, per-group means, and what the density overlay and bar plots draw.
/// Computed in blocks of rows, so only per-replicate sums are kept for large N.
/// </summary>
public sealed class PosteriorPredictiveCheck
{
    public required string Family { get; init; }

    /// <summary>Whether the response is a count (bernoulli, binomial, poisson): plots show bars of the values instead of densities.</summary>
    public required bool Discrete { get; init; }

    public required int Replicates { get; init; }
    public required int Observations { get; init; }
    public required IReadOnlyList<StatisticCheck> Statistics { get; init; }

    /// <summary>The grouping checked, or null when the model has none.</summary>
    public string? Group { get; init; }
    public IReadOnlyList<GroupCheck> Groups { get; init; } = [];

    /// <summary>The observed responses of the overlay rows.</summary>
    public required double[] OverlayObserved { get; init; }

    /// <summary>Replicated responses of the overlay rows, one array per overlay replicate.</summary>
    public required double[][] OverlayReplicated { get; init; }

    /// <summary>Discrete responses: the values 0..max counted, the observed count of each and the replicated counts ([replicate][value]); null otherwise.</summary>
    public int[]? CountValues { get; init; }
    public double[]? ObservedCounts { get; init; }
    public double[][]? ReplicatedCounts { get; init; }

    public StatisticCheck this[string statistic] =>
        Statistics.FirstOrDefault(s => s.Name == statistic) ?? throw new GpuHbmException($"no statistic '{statistic}'");

    /// <summary>Largest count value drawn as its own bar.</summary>
    public const int MaxBarValue = 30;

    public static PosteriorPredictiveCheck Compute(Fit fit, CheckOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(fit);
        options ??= new CheckOptions();
        if (options.Replicates < 1) throw new GpuHbmException($"replicates must be at least 1 (got {options.Replicates})");
        var rows = PredictionRows.FromFit(fit.Model);
        var engine = new PosteriorPredictor(fit, rows, new PredictionOptions { Seed = options.Seed });
        var y = rows.Y!;
        int n = rows.Count, r = Math.Min(options.Replicates, engine.DrawCount);
        var draws = Enumerable.Range(0, r).Select(k => (int)((k + 0.5) * engine.DrawCount / r)).ToArray();
        string family = engine.Family;
        bool discrete = family != "gaussian";

        // Groups: a grouping of the model, or any categorical column of the fitted data (e.g. one a simpler model left out).
        var terms = fit.Model.RandomTerms;
        string? groupName = options.Group ?? (terms.Count > 0 ? terms[0].GroupName : null);
        string[] levelNames = [];
        int[]? level = null;
        if (groupName is not null)
        {
            int term = Enumerable.Range(0, terms.Count).FirstOrDefault(t => terms[t].GroupName == groupName, -1);
            if (term >= 0)
            {
                levelNames = terms[term].LevelNames.ToArray();
                level = rows.Terms[term].Level;
            }
            else if (fit.Settings.Data is { } table && table.HasColumn(groupName) && table.RowCount == n)
            {
                var factor = table[groupName].ToFactor();
                levelNames = factor.Levels;
                level = factor.Codes;
            }
            else
                throw new GpuHbmModelException($"'{groupName}' is neither a grouping of the model ({string.Join(", ", terms.Select(t => t.GroupName).Distinct())}) nor a column of the fitted data");
        }
        int levels = levelNames.Length;

        int overlayR = Math.Min(options.OverlayReplicates, r);
        int overlayStep = Math.Max(1, (int)Math.Ceiling((double)n / options.OverlayRows));
        var overlayRows = Enumerable.Range(0, n).Where(i => i % overlayStep == 0).ToArray();
        var overlayIndex = new Dictionary<int, int>();
        for (int k = 0; k < overlayRows.Length; k++) overlayIndex[overlayRows[k]] = k;
        var overlay = Enumerable.Range(0, overlayR).Select(_ => new double[overlayRows.Length]).ToArray();

        double shift = SampleStatistics.Mean(y);
        int maxBar = discrete ? (int)Math.Min(MaxBarValue, y.Max()) : -1;
        bool bars = discrete && y.Max() <= MaxBarValue;
        var sum = new double[r];
        var sumSq = new double[r];
        var min = Enumerable.Repeat(double.PositiveInfinity, r).ToArray();
        var max = Enumerable.Repeat(double.NegativeInfinity, r).ToArray();
        var zeros = new double[r];
        var groupSum = new double[r * levels];
        var counts = bars ? new double[r * (maxBar + 1)] : null;

        int block = (int)Math.Clamp(PosteriorPredictor.DefaultBatchValues / r, 1, n);
        for (int r0 = 0; r0 < n; r0 += block)
        {
            int len = Math.Min(block, n - r0);
            var rep = engine.Compute(PredictionScale.PosteriorPredictive, draws, r0, len);
            Parallel.For(0, r, k =>
            {
                double s = 0, ss = 0, lo = min[k], hi = max[k], z = 0;
                for (int i = 0; i < len; i++)
                {
                    double v = rep[k * len + i], c = v - shift;
                    s += c;
                    ss += c * c;
                    if (v < lo) lo = v;
                    if (v > hi) hi = v;
                    if (v == 0) z++;
                    if (level is not null) groupSum[k * levels + level[r0 + i]] += v;
                    if (counts is not null && v <= maxBar) counts[k * (maxBar + 1) + (int)v]++;
                    if (k < overlayR && overlayIndex.TryGetValue(r0 + i, out int o)) overlay[k][o] = v;
                }
                sum[k] += s; sumSq[k] += ss; min[k] = lo; max[k] = hi; zeros[k] += z;
            });
        }

        var stats = new List<StatisticCheck>();
        void Stat(string name, double observed, Func<int, double> replicated)
        {
            var values = Enumerable.Range(0, r).Select(replicated).ToArray();
            stats.Add(new StatisticCheck(name, observed, values, MidPValue(values, observed)));
        }
        Stat("mean", SampleStatistics.Mean(y), k => shift + sum[k] / n);
        Stat("sd", SampleStatistics.StandardDeviation(y), k => Math.Sqrt(Math.Max(0, (sumSq[k] - sum[k] * sum[k] / n) / (n - 1))));
        Stat("min", y.Min(), k => min[k]);
        Stat("max", y.Max(), k => max[k]);
        if (discrete) Stat("prop_zero", y.Count(v => v == 0) / (double)n, k => zeros[k] / n);   // a continuous response has no exact zeros

        var groups = new List<GroupCheck>();
        if (level is not null)
        {
            var size = new int[levels];
            var observedSum = new double[levels];
            for (int i = 0; i < n; i++) { size[level[i]]++; observedSum[level[i]] += y[i]; }
            for (int l = 0; l < levels; l++)
            {
                if (size[l] == 0) continue;
                double observed = observedSum[l] / size[l];
                var rep = Enumerable.Range(0, r).Select(k => groupSum[k * levels + l] / size[l]).ToArray();
                groups.Add(new GroupCheck(levelNames[l], size[l], observed, rep, MidPValue(rep, observed)));
            }
        }

        double[]? observedCounts = null;
        double[][]? replicatedCounts = null;
        if (counts is not null)
        {
            observedCounts = new double[maxBar + 1];
            foreach (var v in y) if (v <= maxBar) observedCounts[(int)v]++;
            replicatedCounts = Enumerable.Range(0, r).Select(k => counts.AsSpan(k * (maxBar + 1), maxBar + 1).ToArray()).ToArray();
        }
        return new PosteriorPredictiveCheck
        {
            Family = family, Discrete = discrete, Replicates = r, Observations = n, Statistics = stats,
            Group = groupName, Groups = groups,
            OverlayObserved = overlayRows.Select(i => y[i]).ToArray(), OverlayReplicated = overlay,
            CountValues = counts is null ? null : Enumerable.Range(0, maxBar + 1).ToArray(), ObservedCounts = observedCounts, ReplicatedCounts = replicatedCounts,
        };
    }

    /// <summary>
    /// P(T(y_rep) &gt; T(y)) + ½ P(T(y_rep) = T(y)): the posterior predictive p-value, with ties (common for counts,
    /// minima and maxima) split evenly so that a statistic every replicate reproduces exactly gets ½, not 1.
    /// </summary>
    public static double MidPValue(IReadOnlyCollection<double> replicated, double observed) =>
        (replicated.Count(v => v > observed) + 0.5 * replicated.Count(v => v == observed)) / replicated.Count;

    /// <summary>
    /// Gaussian kernel density estimates of the observed and each overlay replicate's responses on a common grid
    /// (bandwidth by Silverman's rule of thumb on the observed values, as R's bw.nrd0).
    /// </summary>
    public (double[] Grid, double[] Observed, double[][] Replicated) Densities(int points = 256)
    {
        var y = OverlayObserved;
        double sd = SampleStatistics.StandardDeviation(y);
        double iqr = SampleStatistics.Quantile(y, 0.75) - SampleStatistics.Quantile(y, 0.25);
        double spread = Math.Min(sd, iqr / 1.34);
        if (!(spread > 0)) spread = sd > 0 ? sd : Math.Abs(y[0]) > 0 ? Math.Abs(y[0]) : 1;
        double bw = 0.9 * spread * Math.Pow(y.Length, -0.2);
        double lo = Math.Min(y.Min(), OverlayReplicated.Length > 0 ? OverlayReplicated.Min(r => r.Min()) : y.Min()) - 3 * bw;
        double hi = Math.Max(y.Max(), OverlayReplicated.Length > 0 ? OverlayReplicated.Max(r => r.Max()) : y.Max()) + 3 * bw;
        var grid = Enumerable.Range(0, points).Select(k => lo + (hi - lo) * k / (points - 1)).ToArray();
        double[] Kde(double[] x) => grid.Select(g => MathNet.Numerics.Statistics.KernelDensity.EstimateGaussian(g, bw, x)).ToArray();
        var replicated = new double[OverlayReplicated.Length][];
        Parallel.For(0, replicated.Length, k => replicated[k] = Kde(OverlayReplicated[k]));
        return (grid, Kde(y), replicated);
    }

    /// <summary>Text table: statistic, observed, replicated mean, sd, 5 % and 95 % quantiles, p-value; then the groups with extreme p-values.</summary>
    public string ToText()
    {
        var sb = new System.Text.StringBuilder();
        sb.AppendLine($"posterior predictive check: {Replicates} replicated data sets of {Observations} rows ({Family})");
        sb.AppendLine($"{"statistic",-10}{"observed",12}{"rep mean",12}{"rep sd",12}{"rep q5",12}{"rep q95",12}{"p",8}");
        foreach (var s in Statistics)
            sb.AppendLine($"{s.Name,-10}{F(s.Observed),12}{F(s.Mean),12}{F(s.Sd),12}{F(s.Quantile(0.05)),12}{F(s.Quantile(0.95)),12}{s.PValue.ToString("F3", CultureInfo.InvariantCulture),8}");
        if (Group is not null && Groups.Count > 0)
        {
            var extreme = Groups.Where(g => g.PValue < 0.025 || g.PValue > 0.975).ToList();
            sb.AppendLine($"group means of {Group}: {Groups.Count} levels; {extreme.Count} outside the central 95 % of their replicated means" +
                (extreme.Count > 0 ? ": " + string.Join(", ", extreme.Take(10).Select(g => $"{g.Level} (p = {g.PValue.ToString("F3", CultureInfo.InvariantCulture)})")) + (extreme.Count > 10 ? ", ..." : "") : ""));
        }
        sb.AppendLine("p = P(T(y_rep) > T(y)) + P(T(y_rep) = T(y))/2; values near 0 or 1 flag what the model does not reproduce.");
        return sb.ToString();
    }

    public void WriteStatisticsCsv(TextWriter writer)
    {
        writer.WriteLine("statistic,observed,rep_mean,rep_sd,rep_q5,rep_q50,rep_q95,p_value");
        foreach (var s in Statistics)
            writer.WriteLine(string.Join(",", s.Name, R(s.Observed), R(s.Mean), R(s.Sd), R(s.Quantile(0.05)), R(s.Quantile(0.5)), R(s.Quantile(0.95)), R(s.PValue)));
    }

    public void WriteGroupsCsv(TextWriter writer)
    {
        writer.WriteLine("level,rows,observed_mean,rep_q5,rep_q50,rep_q95,p_value");
        foreach (var g in Groups)
            writer.WriteLine(string.Join(",", CsvText.Quote(g.Level), g.Rows.ToString(CultureInfo.InvariantCulture), R(g.Observed), R(g.Quantile(0.05)), R(g.Quantile(0.5)), R(g.Quantile(0.95)), R(g.PValue)));
    }

    private static string F(double v) => PosteriorSummary.Signif(v);
    private static string R(double v) => double.IsNaN(v) ? "NA" : v.ToString("R", CultureInfo.InvariantCulture);
}
