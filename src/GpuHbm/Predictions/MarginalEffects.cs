using System.Globalization;
using GpuHbm.Data;
using GpuHbm.Diagnostics;
using GpuHbm.Results;

namespace GpuHbm.Predictions;

/// <summary>Over what the expected responses of an average effect are averaged.</summary>
public enum EffectAveraging
{
    /// <summary>Each row with its own group's fitted effects: the effect in these groups (conditional on them).</summary>
    Conditional,
    /// <summary>Every group effect at zero (re_formula = NA): the cluster-specific effect in a typical group.</summary>
    Typical,
    /// <summary>
    /// Each row's group effects integrated over the fitted random-effects distribution (new effects drawn per
    /// row, posterior draw and replicate; correlated terms with their correlation): the population-averaged
    /// (marginal) effect.
    /// </summary>
    PopulationAveraged,
}

/// <summary>The effect of a variable to estimate: a contrast of two values, or the slope of a numeric one.</summary>
public sealed record EffectOptions
{
    /// <summary>The covariate or treatment column (numeric, or a factor of the fixed effects).</summary>
    public required string Variable { get; init; }

    /// <summary>
    /// The value compared against (e.g. "0" for an untreated arm, a factor's reference level). With
    /// <see cref="To"/> null too: a two-level factor compares its reference level with the other; a numeric
    /// variable gives the average slope dE[y]/dx at the observed values (finite difference).
    /// </summary>
    public string? From { get; init; }

    /// <summary>The value compared (e.g. "1" for treated).</summary>
    public string? To { get; init; }

    /// <summary>Which averagings to report (default all three).</summary>
    public IReadOnlyList<EffectAveraging> Averagings { get; init; } = [EffectAveraging.Conditional, EffectAveraging.Typical, EffectAveraging.PopulationAveraged];

    /// <summary>Population-averaged: copies of each row, each with its own drawn group effects (0: enough for 4,000 rows in all).</summary>
    public int Replicates { get; init; }

    /// <summary>New levels in the data under <see cref="EffectAveraging.Conditional"/> (default: an error).</summary>
    public NewLevelMode NewLevels { get; init; } = NewLevelMode.Error;

    /// <summary>Seed of the drawn group effects (default the fit's).</summary>
    public ulong? Seed { get; init; }

    /// <summary>Posterior interval quantiles (default 5 % and 95 %).</summary>
    public IReadOnlyList<double> Probabilities { get; init; } = [0.05, 0.5, 0.95];
}

/// <summary>One summarized effect quantity: its draws and their mean, sd and quantiles.</summary>
public sealed record EffectEstimate(EffectAveraging Averaging, string Quantity, double[] Draws, double Mean, double Sd, double[] Quantiles);

/// <summary>
/// Average effects of a variable: for each posterior draw, the expected responses of every row with the
/// variable set to <see cref="From"/> and to <see cref="To"/> (all else as observed), averaged over the rows,
/// and their difference and ratio — and, for bernoulli and binomial models, the odds ratio of the averaged
/// probabilities. With <see cref="EffectAveraging.Typical"/> it also reports the conditional odds ratio
/// exp(mean over rows of η_To − η_From) (exp of the coefficient when the variable enters linearly), which
/// for a logistic model differs from the population-averaged odds ratio (non-collapsibility: averaging over
/// the random effects pulls the marginal odds ratio toward 1).
/// </summary>
public sealed class MarginalEffect
{
    internal MarginalEffect(string variable, string from, string to, bool slope, int rows, IReadOnlyList<EffectEstimate> estimates, IReadOnlyList<double> probabilities)
    {
        Variable = variable; From = from; To = to; IsSlope = slope; RowCount = rows; Estimates = estimates; Probabilities = probabilities;
    }

    public string Variable { get; }
    public string From { get; }
    public string To { get; }

    /// <summary>True when the effect is the average slope of a numeric variable (difference per unit).</summary>
    public bool IsSlope { get; }

    /// <summary>Rows averaged over.</summary>
    public int RowCount { get; }

    public IReadOnlyList<EffectEstimate> Estimates { get; }
    public IReadOnlyList<double> Probabilities { get; }

    /// <summary>The estimate of a quantity ("difference", "ratio", "odds ratio", "conditional odds ratio", "mean from", "mean to") under an averaging.</summary>
    public EffectEstimate this[EffectAveraging averaging, string quantity] =>
        Estimates.FirstOrDefault(e => e.Averaging == averaging && e.Quantity == quantity)
        ?? throw new GpuHbmException($"no '{quantity}' estimate for {Name(averaging)} averaging");

    /// <summary>"conditional", "typical" or "population".</summary>
    public static string Name(EffectAveraging a) => a switch
    {
        EffectAveraging.Conditional => "conditional",
        EffectAveraging.Typical => "typical",
        _ => "population",
    };

    public string ToText()
    {
        var sb = new System.Text.StringBuilder();
        sb.AppendLine(IsSlope
            ? $"average slope of E[y] in {Variable} (per unit, at the observed values), over {RowCount} rows"
            : $"effect of {Variable} = {To} versus {From} on E[y], averaged over {RowCount} rows");
        sb.Append($"{"averaging",-12}{"quantity",-24}{"mean",12}{"sd",12}");
        foreach (var p in Probabilities) sb.Append(PredictionSummary.QuantileName(p).PadLeft(12));
        sb.AppendLine();
        foreach (var e in Estimates)
        {
            sb.Append($"{Name(e.Averaging),-12}{e.Quantity,-24}{F(e.Mean),12}{F(e.Sd),12}");
            foreach (var q in e.Quantiles) sb.Append(F(q).PadLeft(12));
            sb.AppendLine();
        }
        if (Estimates.Any(e => e.Quantity == "conditional odds ratio") && Estimates.Any(e => e.Averaging == EffectAveraging.PopulationAveraged && e.Quantity == "odds ratio"))
            sb.AppendLine("the conditional (cluster-specific) and population-averaged odds ratios differ: odds ratios are not collapsible over the random effects");
        return sb.ToString();
    }

    /// <summary>CSV: averaging, quantity, mean, sd, then the quantiles.</summary>
    public void WriteCsv(TextWriter writer)
    {
        writer.WriteLine("averaging,quantity,mean,sd," + string.Join(",", Probabilities.Select(PredictionSummary.QuantileName)));
        foreach (var e in Estimates)
            writer.WriteLine(string.Join(",", new[] { Name(e.Averaging), e.Quantity, R(e.Mean), R(e.Sd) }.Concat(e.Quantiles.Select(R))));
    }

    private static string F(double v) => Results.PosteriorSummary.Signif(v);
    private static string R(double v) => double.IsNaN(v) ? "NA" : v.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>Average marginal and conditional effects from a fit (as the marginaleffects package's avg_comparisons / avg_slopes).</summary>
public static class MarginalEffects
{
    /// <summary>
    /// The average effect of <see cref="EffectOptions.Variable"/> over the rows of <paramref name="data"/> (null: the rows
    /// the model was fitted to), for each averaging asked for.
    /// </summary>
    public static MarginalEffect Average(Fit fit, EffectOptions options, DataTable? data = null)
    {
        ArgumentNullException.ThrowIfNull(fit);
        ArgumentNullException.ThrowIfNull(options);
        data ??= fit.Settings.Data ?? throw new GpuHbmException("this fit does not keep its data; pass the rows to average over");
        var parts = PredictionRows.PartsOf(fit.Model);
        string v = options.Variable;
        var formula = fit.Model.Spec.Formula;
        bool inFixed = formula.FixedTerms.Any(t => t.Variables.Contains(v)) || formula.RandomTerms.Any(r => r.Terms.Any(t => t.Variables.Contains(v)));
        if (formula.RandomTerms.Any(r => r.GroupFactors.Contains(v))) throw new GpuHbmModelException($"'{v}' is a grouping factor; effects are of covariates and treatments");
        if (!inFixed) throw new GpuHbmModelException($"the model has no term in '{v}' (its population-level terms: {string.Join(", ", formula.FixedTerms)})");
        bool categorical = parts.Coding.Categorical.Contains(v);
        string from, to;
        double step = double.NaN;
        if (options.From is not null || options.To is not null)
        {
            if (options.From is null || options.To is null) throw new GpuHbmException("give both values to compare (From and To, --contrast A,B)");
            (from, to) = (options.From, options.To);
            foreach (var value in new[] { from, to })
            {
                if (categorical && !parts.Coding.Levels[v].Contains(value))
                    throw new GpuHbmDataException($"'{value}' is not a level of '{v}' (levels: {string.Join(", ", parts.Coding.Levels[v])})");
                if (!categorical && !double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
                    throw new GpuHbmDataException($"'{value}' is not a number, but '{v}' is a numeric variable");
            }
        }
        else if (categorical)
        {
            var levels = parts.Coding.Levels[v];
            if (levels.Length != 2)
                throw new GpuHbmException($"'{v}' has {levels.Length} levels ({string.Join(", ", levels)}); say which two to compare (EffectOptions.From/To, --contrast A,B)");
            (from, to) = (levels[0], levels[1]);
        }
        else
        {
            var x = data[v].Numeric();
            double sd = SampleStatistics.StandardDeviation(x);
            step = 1e-4 * (sd > 0 ? sd : 1);
            (from, to) = ("x", "x + h");
        }

        bool slope = !double.IsNaN(step);
        bool binary = fit.Model.Spec.Family.Name is "bernoulli" or "binomial";
        var estimates = new List<EffectEstimate>();
        foreach (var averaging in options.Averagings)
        {
            var rows = averaging == EffectAveraging.PopulationAveraged ? Replicate(data, formula, fit, options.Replicates) : data;
            var prediction = new PredictionOptions
            {
                Seed = options.Seed,
                IncludeGroupEffects = averaging != EffectAveraging.Typical,
                NewLevels = averaging == EffectAveraging.PopulationAveraged ? NewLevelMode.Sample : options.NewLevels,
            };
            var t0 = slope ? rows : Set(rows, v, _ => from);
            var t1 = slope ? Set(rows, v, i => (rows[v].Numeric()[i] + step).ToString("R", CultureInfo.InvariantCulture)) : Set(rows, v, _ => to);
            var e0 = new PosteriorPredictor(fit, PredictionRows.FromData(fit.Model, t0), prediction);
            var e1 = new PosteriorPredictor(fit, PredictionRows.FromData(fit.Model, t1), prediction);
            var (m0, p0, eta0) = Averages(e0, binary);
            var (m1, p1, eta1) = Averages(e1, binary);
            int draws = m0.Length;
            void Add(string quantity, Func<int, double> value)
            {
                var x = Enumerable.Range(0, draws).Select(value).ToArray();
                var sorted = x.Order().ToArray();
                estimates.Add(new EffectEstimate(averaging, quantity, x, SampleStatistics.Mean(x), SampleStatistics.StandardDeviation(x),
                    options.Probabilities.Select(p => SampleStatistics.QuantileOfSorted(sorted, p)).ToArray()));
            }
            if (slope)
            {
                Add("slope", d => (m1[d] - m0[d]) / step);
                continue;
            }
            Add("mean from", d => m0[d]);
            Add("mean to", d => m1[d]);
            Add("difference", d => m1[d] - m0[d]);
            Add("ratio", d => m1[d] / m0[d]);
            if (binary)
            {
                if (fit.Model.Spec.Family.Name == "binomial") Add("probability difference", d => p1[d] - p0[d]);
                Add("odds ratio", d => p1[d] / (1 - p1[d]) / (p0[d] / (1 - p0[d])));
                if (averaging == EffectAveraging.Typical) Add("conditional odds ratio", d => Math.Exp(eta1[d] - eta0[d]));
            }
        }
        return new MarginalEffect(v, from, to, slope, data.RowCount, estimates, options.Probabilities);
    }

    /// <summary>Per draw: the mean over rows of E[y], of E[y]/trials (binary families) and of η.</summary>
    private static (double[] Mean, double[] Probability, double[] Eta) Averages(PosteriorPredictor engine, bool binary)
    {
        int draws = engine.DrawCount, n = engine.RowCount;
        var mean = new double[draws];
        var prob = new double[draws];
        var eta = new double[draws];
        var trials = engine.Rows.Trials;
        engine.ForEachBatch(PredictionScale.ExpectedResponse, batch =>
        {
            for (int d = 0; d < batch.DrawCount; d++)
            {
                double s = 0, sp = 0;
                for (int i = 0; i < batch.RowCount; i++)
                {
                    double mu = batch[d, i];
                    s += mu;
                    sp += trials is null ? mu : mu / trials[batch.FirstRow + i];
                }
                mean[batch.FirstDraw + d] += s / n;
                prob[batch.FirstDraw + d] += sp / n;
            }
        });
        if (binary)
            engine.ForEachBatch(PredictionScale.LinearPredictor, batch =>
            {
                for (int d = 0; d < batch.DrawCount; d++)
                {
                    double s = 0;
                    for (int i = 0; i < batch.RowCount; i++) s += batch[d, i];
                    eta[batch.FirstDraw + d] += s / n;
                }
            });
        return (mean, prob, eta);
    }

    /// <summary>The table with column <paramref name="variable"/> replaced.</summary>
    private static DataTable Set(DataTable table, string variable, Func<int, string> value)
    {
        var columns = table.Columns.Select(c => c.Name == variable ? new DataColumn(c.Name, Enumerable.Range(0, table.RowCount).Select(value).ToArray()) : c).ToList();
        return new DataTable(columns, table.Source);
    }

    /// <summary>The rows repeated, every grouping value replaced by a label of its own (so each copy gets freshly drawn group effects).</summary>
    private static DataTable Replicate(DataTable table, Formulas.Formula formula, Fit fit, int replicates)
    {
        if (fit.Model.RandomTerms.Any(t => t.Relationship is not null))
            throw new GpuHbmModelException("population-averaged effects over gr(id, cov = K) effects are not supported (their distribution depends on each individual's relationships); use the conditional or typical averaging");
        int n = table.RowCount;
        int r = replicates > 0 ? replicates : Math.Max(1, (int)Math.Ceiling(4000.0 / n));
        var groups = formula.RandomTerms.SelectMany(t => t.GroupFactors).ToHashSet(StringComparer.Ordinal);
        var columns = table.Columns.Select(c => new DataColumn(c.Name, Enumerable.Range(0, n * r).Select(k =>
            groups.Contains(c.Name) ? $".population:{k}" : c.Raw[k % n]).ToArray())).ToList();
        return new DataTable(columns, table.Source + " (population-averaged)");
    }
}
