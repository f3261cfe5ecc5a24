using System.Globalization;
using GpuHbm.Models;
using GpuHbm.Results;

namespace GpuHbm.Estimands;

/// <summary>The scale on which variances are compared, fixed by the family.</summary>
public enum VarianceScale
{
    /// <summary>gaussian: the data scale, residual variance sigma².</summary>
    Data,
    /// <summary>gaussian with known se(): residual = Higgins and Thompson's (2002) typical within-study variance, so a share is I².</summary>
    TypicalWithinStudy,
    /// <summary>bernoulli/binomial (logit): the latent scale, residual π²/3 (the standard logistic variance).</summary>
    LatentLogistic,
    /// <summary>poisson (log): the log-normal approximation, residual ln(1 + 1/λ) (Nakagawa, Johnson and Schielzeth 2017).</summary>
    LogNormalApproximation,
}

/// <summary>
/// One variance component at the reference design (group-level intercepts, slopes' covariates at 0):
/// <c>Component</c> is the grouping ("Subject", "a:b") or "residual", <c>Term</c> the formula term
/// ("(1 + Days | Subject)"; empty for the residual).
/// </summary>
public sealed record VarianceShare(string Component, string Term, QuantitySummary Variance, QuantitySummary Share);

/// <summary>
/// The intra-class correlation of two observations that share a level of <paramref name="Group"/>: the
/// share of every term whose grouping factors are among <paramref name="Group"/>'s (for <c>a:b</c> that is
/// a, b and a:b), so nested levels add up. At slope covariates <see cref="At"/> (null: all at 0) it is the
/// variance partition coefficient there (Goldstein, Browne and Rasbash 2002).
/// </summary>
public sealed record IntraclassCorrelation(string Group, IReadOnlyList<string> Includes, string? Column, double? At, QuantitySummary Value);

/// <summary>Options of <see cref="VarianceDecomposition.Compute"/>.</summary>
public sealed record VarianceDecompositionOptions
{
    /// <summary>Probability of the intervals (default 0.9: 5 % and 95 % quantiles, as the summary table).</summary>
    public double Level { get; init; } = 0.9;

    /// <summary>
    /// Values of a random slope's column at which to evaluate the VPC (column name as in the output, e.g. "Days").
    /// Columns not given get defaults from the data: their distinct values when there are at most five, else
    /// the 5 %, 50 % and 95 % quantiles.
    /// </summary>
    public IReadOnlyDictionary<string, double[]>? SlopeValues { get; init; }
}

/// <summary>
/// Variance partition of a multilevel model, draw by draw: each group-level term's variance, the
/// residual variance on the scale the family allows (<see cref="VarianceScale"/>), their shares,
/// the ICC of each grouping (nested shares added up), the VPC as a function of each random slope's
/// covariate, and the heritability rows of kinship models, all with posterior intervals.
/// </summary>
/// <remarks>
/// For draw s and design values z of a term with covariance Σ, the term's variance is z'Σz
/// (Goldstein, Browne and Rasbash 2002, "Partitioning variation in multilevel models"); at the
/// reference design z is 1 for the intercept and 0 for slopes. Shares are of the sum of every
/// term's variance and the residual; fixed-effect variance is left out (the "adjusted" ICC of
/// Nakagawa and Schielzeth 2010). Residuals: gaussian sigma²; logit π²/3 (latent scale, per
/// Bernoulli trial); Poisson ln(1 + 1/λ) with λ = exp(mean over rows of the fixed part and offset
/// + ½ total group-level variance), Nakagawa, Johnson and Schielzeth 2017, J. R. Soc. Interface 14:
/// 20170213; gaussian with se(): s² = (k − 1)Σw / ((Σw)² − Σw²), w = 1/se² (Higgins and Thompson 2002).
/// A relationship-matrix term's variance is its sd² (Var(u_i) = sd²·K_ii; K_ii ≈ 1 for a GRM), as in h2.
/// </remarks>
public sealed class VarianceDecomposition
{
    public VarianceScale Scale { get; }

    /// <summary>A sentence saying which scale and residual, for tables and reports.</summary>
    public string ScaleDescription { get; }

    /// <summary>Per term, then the residual, at the reference design.</summary>
    public IReadOnlyList<VarianceShare> Components { get; }

    /// <summary>One per distinct grouping at the reference design, then the VPC at each slope value.</summary>
    public IReadOnlyList<IntraclassCorrelation> Correlations { get; }

    /// <summary>h2 (or h2_&lt;group&gt;) of kinship models, from their draws (docs/kinship.md).</summary>
    public IReadOnlyList<QuantitySummary> Heritability { get; }

    public double Level { get; }

    private VarianceDecomposition(VarianceScale scale, string description, IReadOnlyList<VarianceShare> components,
        IReadOnlyList<IntraclassCorrelation> correlations, IReadOnlyList<QuantitySummary> heritability, double level)
    {
        Scale = scale; ScaleDescription = description; Components = components; Correlations = correlations;
        Heritability = heritability; Level = level;
    }

    /// <summary>Computes the decomposition from a fit's draws (in memory or loaded from a folder).</summary>
    public static VarianceDecomposition Compute(Fit fit, VarianceDecompositionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(fit);
        options ??= new VarianceDecompositionOptions();
        QuantitySummary.CheckLevel(options.Level);
        var model = fit.Model;
        if (model.RandomTerms.Count == 0)
            throw new GpuHbmModelException("the model has no group-level terms, so there is no variance to partition");
        var draws = new PosteriorDraws(fit.Draws);
        var terms = model.RandomTerms.Select(t => new TermCovariance(t, draws)).ToArray();
        var residual = ResidualVariance.For(model, draws, terms);
        double level = options.Level;

        // Reference design: intercept 1, slopes 0.
        var reference = terms.Select(t => t.Term.ColumnNames.Select(c => c == "Intercept" ? 1.0 : 0.0).ToArray()).ToArray();
        var (termVar, resVar) = Evaluate(draws, terms, residual, reference);
        var total = Total(termVar, resVar);
        var components = new List<VarianceShare>();
        for (int t = 0; t < terms.Length; t++)
            components.Add(new VarianceShare(Label(terms, t), terms[t].Term.Term.ToString(),
                draws.Summarize($"variance {Label(terms, t)}", termVar[t], level),
                draws.Summarize($"share {Label(terms, t)}", Ratio(termVar[t], total), level)));
        components.Add(new VarianceShare("residual", "", draws.Summarize("variance residual", resVar, level),
            draws.Summarize("share residual", Ratio(resVar, total), level)));

        var groups = Groups(terms);
        var correlations = new List<IntraclassCorrelation>();
        foreach (var (name, members) in groups)
            correlations.Add(Icc(draws, terms, name, members, termVar, total, null, null, level));

        foreach (var column in SlopeColumns(terms))
            foreach (double value in SlopeValues(terms, column, options.SlopeValues))
            {
                var design = terms.Select(t => t.Term.ColumnNames.Select(c => c == "Intercept" ? 1.0 : c == column ? value : 0.0).ToArray()).ToArray();
                var (tv, rv) = Evaluate(draws, terms, residual, design);
                var tot = Total(tv, rv);
                foreach (var (name, members) in groups)
                    if (members.Any(m => terms[m].ColumnIndex(column) >= 0))
                        correlations.Add(Icc(draws, terms, name, members, tv, tot, column, value, level));
            }

        var h2 = fit.Draws.Names.Where(n => n == "h2" || n.StartsWith("h2_", StringComparison.Ordinal))
            .Select(n => draws.Summarize(n, draws.Column(draws.IndexOf(n)), level)).ToArray();
        return new VarianceDecomposition(residual.Scale, residual.Description, components, correlations, h2, level);
    }

    private static IntraclassCorrelation Icc(PosteriorDraws draws, TermCovariance[] terms, string group, int[] members,
        double[][] termVar, double[] total, string? column, double? at, double level)
    {
        var sum = new double[total.Length];
        foreach (int m in members)
            for (int s = 0; s < sum.Length; s++) sum[s] += termVar[m][s];
        string name = column is null ? $"ICC {group}" : $"VPC {group} at {column} = {at!.Value.ToString("G6", CultureInfo.InvariantCulture)}";
        return new IntraclassCorrelation(group, members.Select(m => Label(terms, m)).Distinct().ToArray(), column, at,
            draws.Summarize(name, Ratio(sum, total), level));
    }

    /// <summary>Each distinct grouping and the terms whose factors it contains (itself and the coarser levels it is nested in).</summary>
    private static List<(string Name, int[] Members)> Groups(TermCovariance[] terms)
    {
        var result = new List<(string, int[])>();
        foreach (var name in terms.Select(t => t.Term.GroupName).Distinct())
        {
            var factors = terms.First(t => t.Term.GroupName == name).Term.Term.GroupFactors;
            var members = Enumerable.Range(0, terms.Length).Where(m => terms[m].Term.Term.GroupFactors.All(factors.Contains)).ToArray();
            result.Add((name, members));
        }
        return result;
    }

    private static string Label(TermCovariance[] terms, int t)
    {
        string g = terms[t].Term.GroupName;
        return terms.Count(o => o.Term.GroupName == g) > 1 ? $"{g} ({string.Join(", ", terms[t].Term.ColumnNames)})" : g;
    }

    private static IEnumerable<string> SlopeColumns(TermCovariance[] terms) =>
        terms.Where(t => t.Term.Relationship is null).SelectMany(t => t.Term.ColumnNames).Where(c => c != "Intercept").Distinct();

    /// <summary>The user's values, else the distinct data values (at most five), else the 5/50/95 % quantiles.</summary>
    internal static double[] SlopeValues(IEnumerable<TermCovariance> terms, string column, IReadOnlyDictionary<string, double[]>? given)
    {
        if (given is not null && given.TryGetValue(column, out var v) && v.Length > 0) return v;
        var t = terms.First(t => t.ColumnIndex(column) >= 0);
        int a = t.ColumnIndex(column), k = t.K;
        var z = t.Term.Z.Span;
        var values = new double[t.Term.Rows];
        for (int i = 0; i < values.Length; i++) values[i] = z[i * k + a];
        return DefaultValues(values);
    }

    /// <summary>Covariate values to evaluate at: the distinct values when at most five, else the 5 %, 50 % and 95 % quantiles (4 decimals).</summary>
    internal static double[] DefaultValues(IReadOnlyList<double> column)
    {
        var distinct = column.Distinct().Order().ToArray();
        if (distinct.Length <= 5) return distinct;
        var sorted = column.Order().ToArray();
        return [.. new[] { 0.05, 0.5, 0.95 }.Select(p => Math.Round(Diagnostics.SampleStatistics.QuantileOfSorted(sorted, p), 4)).Distinct()];
    }

    /// <summary>Per term and per draw z'Σz at the given design, and the residual variance per draw.</summary>
    private static (double[][] Terms, double[] Residual) Evaluate(PosteriorDraws draws, TermCovariance[] terms, ResidualVariance residual, double[][] design)
    {
        var tv = terms.Select(_ => new double[draws.Count]).ToArray();
        var rv = new double[draws.Count];
        for (int s = 0; s < draws.Count; s++)
        {
            var d = draws.Draw(s);
            double group = 0;
            for (int t = 0; t < terms.Length; t++) group += tv[t][s] = terms[t].VarianceAt(d, design[t]);
            rv[s] = residual.At(d, group);
        }
        return (tv, rv);
    }

    private static double[] Total(double[][] termVar, double[] residual)
    {
        var total = (double[])residual.Clone();
        foreach (var t in termVar)
            for (int s = 0; s < total.Length; s++) total[s] += t[s];
        return total;
    }

    private static double[] Ratio(double[] a, double[] b) => a.Select((x, i) => x / b[i]).ToArray();
}
