using System.Globalization;
using GpuHbm.Models;
using GpuHbm.Results;
using MathNet.Numerics.Distributions;

namespace GpuHbm.Estimands;

/// <summary>Which sign of the treatment effect is a benefit (stated by the user: a lower death rate, a higher score).</summary>
public enum BenefitDirection
{
    /// <summary>Benefit is an effect below 0 (fewer events, lower blood pressure).</summary>
    Lower,
    /// <summary>Benefit is an effect above 0.</summary>
    Higher,
}

/// <summary>Options of <see cref="TreatmentHeterogeneity.Compute"/>.</summary>
public sealed record TreatmentHeterogeneityOptions
{
    /// <summary>The treatment's design column as in the output names: "treat" for a 0/1 column, "armB" for level B of a factor arm.</summary>
    public required string Treatment { get; init; }

    /// <summary>Whether a benefit is a lower or a higher outcome.</summary>
    public required BenefitDirection Benefit { get; init; }

    /// <summary>The grouping whose levels get their own effect (a random slope on the treatment); null: the one term that has it.</summary>
    public string? Group { get; init; }

    /// <summary>Minimal important difference on the link scale (log odds, log rate, data units); P(effect beyond it in the benefit direction). Null: not reported.</summary>
    public double? MinimalImportantDifference { get; init; }

    /// <summary>Minimal important difference on the response scale (risk or rate difference); null: not reported.</summary>
    public double? MinimalImportantDifferenceResponse { get; init; }

    /// <summary>
    /// Values of the moderators of treatment-by-covariate interactions, by design column ("age" for
    /// treat:age). Unnamed moderators are 0, so the effect is at the reference of every moderator.
    /// </summary>
    public IReadOnlyDictionary<string, double>? At { get; init; }

    /// <summary>Probability of the intervals (default 0.9).</summary>
    public double Level { get; init; } = 0.9;
}

/// <summary>
/// One level's treatment effect: on the link scale (b_T + r_j[T], plus interaction terms at the
/// moderators' values), on the response scale for the level's average row (<see cref="TreatmentHeterogeneity"/>),
/// P(benefit) and P(beyond the minimal important difference) on each scale (NaN when not asked).
/// </summary>
public sealed record GroupTreatmentEffect(string Level, int Size, QuantitySummary Link, QuantitySummary Response,
    double ProbabilityOfBenefit, double ProbabilityBeyondMid, double ProbabilityBeyondMidResponse);

/// <summary>
/// Heterogeneity of a treatment effect across the levels of a grouping factor (sites, hospitals): each
/// level's effect on the link and response scales with P(benefit) and P(beyond a minimal important
/// difference); the predictive distribution of the effect in a new level; the proportion of levels
/// that benefit, in the population and among the levels observed.
/// </summary>
/// <remarks>
/// <para>Link scale: δ_j = w·(b + r_j) over the treatment's columns: w = 1 for the treatment column
/// and the moderator values for its interactions (e.g. treat:age at age = a), so δ_j is the effect of
/// switching the treatment on for level j at those moderator values.</para>
/// <para>Response scale: μ(η̄_j + δ_j) − μ(η̄_j): the risk (rate, mean) difference for level j's average
/// row: η̄_j is the mean over the level's rows of the untreated linear predictor (offset, X·b and this
/// term's Z·r_j with every treatment column set to 0; other grouping terms at their mean, 0), per draw,
/// and μ the family's inverse link. Gaussian: equal to the link scale.</para>
/// <para>New level: r_new ~ N(0, Σ) per draw, so δ_new | draw ~ N(w·b, wᵀΣw); its predictive distribution is
/// that mixture over the draws (quantiles by bisection on the mixture CDF). The proportion of the
/// population of levels that benefit is Φ(∓ w·b / √(wᵀΣw)) per draw (a posterior distribution); among
/// the observed levels, the share of δ_j on the benefit side per draw.</para>
/// </remarks>
public sealed class TreatmentHeterogeneity
{
    public string Treatment { get; }
    public string Group { get; }
    public BenefitDirection Benefit { get; }
    public string FamilyName { get; }
    public double Level { get; }

    /// <summary>The population-average effect w·b on the link scale.</summary>
    public QuantitySummary Average { get; }

    /// <summary>The between-level sd of the effect, √(wᵀΣw).</summary>
    public QuantitySummary BetweenGroupSd { get; }

    public IReadOnlyList<GroupTreatmentEffect> Groups { get; }

    /// <summary>Predictive distribution of the effect in a new level (link scale): mean, sd, median and interval; R-hat and ESS NaN.</summary>
    public QuantitySummary NewGroup { get; }

    /// <summary>P(a new level benefits), averaged over the posterior.</summary>
    public double NewGroupProbabilityOfBenefit { get; }

    /// <summary>P(a new level's effect is beyond the minimal important difference); NaN when none was given.</summary>
    public double NewGroupProbabilityBeyondMid { get; }

    /// <summary>The proportion of the population of levels that benefit, Φ(∓ w·b / √(wᵀΣw)), per draw.</summary>
    public QuantitySummary PopulationProportionBenefiting { get; }

    /// <summary>The proportion of the observed levels whose effect is on the benefit side, per draw.</summary>
    public QuantitySummary ObservedProportionBenefiting { get; }

    /// <summary>What the response scale is for this family ("risk difference", "rate difference", "mean difference").</summary>
    public string ResponseScaleName { get; }

    public double? MinimalImportantDifference { get; }
    public double? MinimalImportantDifferenceResponse { get; }

    private TreatmentHeterogeneity(string treatment, string group, BenefitDirection benefit, string family, double level,
        QuantitySummary average, QuantitySummary sd, IReadOnlyList<GroupTreatmentEffect> groups, QuantitySummary newGroup,
        double newBenefit, double newMid, QuantitySummary population, QuantitySummary observed, string responseName,
        double? mid, double? midResponse)
    {
        Treatment = treatment; Group = group; Benefit = benefit; FamilyName = family; Level = level; Average = average;
        BetweenGroupSd = sd; Groups = groups; NewGroup = newGroup; NewGroupProbabilityOfBenefit = newBenefit;
        NewGroupProbabilityBeyondMid = newMid; PopulationProportionBenefiting = population; ObservedProportionBenefiting = observed;
        ResponseScaleName = responseName; MinimalImportantDifference = mid; MinimalImportantDifferenceResponse = midResponse;
    }

    public static TreatmentHeterogeneity Compute(Fit fit, TreatmentHeterogeneityOptions options)
    {
        ArgumentNullException.ThrowIfNull(fit);
        ArgumentNullException.ThrowIfNull(options);
        QuantitySummary.CheckLevel(options.Level);
        if (fit.Model is not CompiledModel model)
            throw new GpuHbmModelException("treatment heterogeneity needs the sampled group-level effects, which the FaST-LMM fast path does not sample");
        string treatment = options.Treatment;
        var family = model.Spec.Family;
        var fixedColumns = model.FixedColumnNames;
        if (!fixedColumns.Contains(treatment))
            throw new GpuHbmModelException($"'{treatment}' is not a population-level column of the model; its columns are: {string.Join(", ", fixedColumns)}");
        var candidates = model.RandomTerms.Where(t => t.ColumnNames.Contains(treatment) && t.Relationship is null
            && (options.Group is null || t.GroupName == options.Group)).ToArray();
        if (candidates.Length == 0)
            throw new GpuHbmModelException(options.Group is null
                ? $"no group-level term has a varying slope for '{treatment}' (e.g. (1 + {treatment} | site)), so the effect does not vary by group"
                : $"the terms for '{options.Group}' have no varying slope for '{treatment}'");
        if (candidates.Length > 1)
            throw new GpuHbmModelException($"several groupings have a varying slope for '{treatment}' ({string.Join(", ", candidates.Select(t => t.GroupName))}); choose one with --group");
        var term = candidates[0];
        var at = options.At ?? new Dictionary<string, double>();
        foreach (var key in at.Keys)
            if (!fixedColumns.Any(c => Parts(c).Contains(key)))
                throw new GpuHbmModelException($"moderator '{key}' is not a column of the model; its columns are: {string.Join(", ", fixedColumns)}");

        var draws = new PosteriorDraws(fit.Draws);
        double level = options.Level;
        int sign = options.Benefit == BenefitDirection.Lower ? -1 : 1;

        // w over the fixed columns and over the term's columns: 1 for T, Π moderators for T:m..., 0 otherwise.
        double Weight(string column)
        {
            var parts = Parts(column);
            if (!parts.Contains(treatment)) return 0;
            double w = 1;
            foreach (var p in parts.Where(p => p != treatment)) w *= at.TryGetValue(p, out var v) ? v : 0;
            return w;
        }
        var bIdx = fixedColumns.Select(c => draws.IndexOf("b_" + c)).ToArray();
        var wFixed = fixedColumns.Select(Weight).ToArray();
        var wTerm = term.ColumnNames.Select(Weight).ToArray();
        var cov = new TermCovariance(term, draws);
        int k = term.K, levels = term.LevelCount;
        var rIdx = new int[levels * k];
        for (int j = 0; j < levels; j++)
            for (int a = 0; a < k; a++) rIdx[j * k + a] = draws.IndexOf($"r_{term.GroupName}[{term.LevelNames[j]},{term.ColumnNames[a]}]");

        // Each level's average untreated row: mean X and Z over its rows with treatment columns zeroed.
        var rows = Shrinkage.GroupRows(term);
        int p = fixedColumns.Count;
        var x = model.X.Span;
        var z = term.Z.Span;
        var offset = model.Offset.Span;
        var meanX = new double[levels * p];
        var meanZ = new double[levels * k];
        var meanOffset = new double[levels];
        for (int j = 0; j < levels; j++)
        {
            foreach (int i in rows[j])
            {
                for (int c = 0; c < p; c++) if (!Parts(fixedColumns[c]).Contains(treatment)) meanX[j * p + c] += x[i * p + c];
                for (int a = 0; a < k; a++) if (!Parts(term.ColumnNames[a]).Contains(treatment)) meanZ[j * k + a] += z[i * k + a];
                if (offset.Length > 0) meanOffset[j] += offset[i];
            }
            int n = Math.Max(rows[j].Length, 1);
            for (int c = 0; c < p; c++) meanX[j * p + c] /= n;
            for (int a = 0; a < k; a++) meanZ[j * k + a] /= n;
            meanOffset[j] /= n;
        }

        int count = draws.Count;
        var average = new double[count];
        var between = new double[count];
        var linkDraws = new double[levels][];
        var respDraws = new double[levels][];
        for (int j = 0; j < levels; j++) { linkDraws[j] = new double[count]; respDraws[j] = new double[count]; }
        var population = new double[count];
        var observed = new double[count];
        Parallel.For(0, count, s =>
        {
            var d = draws.Draw(s);
            double m = 0;
            for (int c = 0; c < p; c++) m += wFixed[c] * d[bIdx[c]];
            double v = cov.VarianceAt(d, wTerm);
            average[s] = m;
            between[s] = Math.Sqrt(v);
            population[s] = v > 0 ? Normal.CDF(0, 1, sign * m / Math.Sqrt(v)) : (sign * m > 0 ? 1 : 0);
            int benefiting = 0;
            for (int j = 0; j < levels; j++)
            {
                double delta = m, eta0 = meanOffset[j];
                for (int a = 0; a < k; a++)
                {
                    double r = d[rIdx[j * k + a]];
                    delta += wTerm[a] * r;
                    eta0 += meanZ[j * k + a] * r;
                }
                for (int c = 0; c < p; c++) eta0 += meanX[j * p + c] * d[bIdx[c]];
                linkDraws[j][s] = delta;
                respDraws[j][s] = family.InverseLink(eta0 + delta) - family.InverseLink(eta0);
                if (sign * delta > 0) benefiting++;
            }
            observed[s] = (double)benefiting / levels;
        });

        double? mid = options.MinimalImportantDifference, midR = options.MinimalImportantDifferenceResponse;
        var groups = new GroupTreatmentEffect[levels];
        Parallel.For(0, levels, j =>
        {
            string lvl = term.LevelNames[j];
            groups[j] = new GroupTreatmentEffect(lvl, rows[j].Length,
                draws.Summarize($"effect of {treatment} in {term.GroupName} {lvl} (link)", linkDraws[j], level),
                draws.Summarize($"effect of {treatment} in {term.GroupName} {lvl} (response)", respDraws[j], level),
                Fraction(linkDraws[j], e => sign * e > 0),
                mid is { } md ? Fraction(linkDraws[j], e => sign * e > md) : double.NaN,
                midR is { } mr ? Fraction(respDraws[j], e => sign * e > mr) : double.NaN);
        });

        var newGroup = MixtureSummary($"effect of {treatment} in a new {term.GroupName}", average, between, level);
        double newBenefit = MixtureProbability(average, between, sign, 0);
        double newMid = mid is { } mm ? MixtureProbability(average, between, sign, mm) : double.NaN;
        string responseName = family.Kind switch
        {
            FamilyKind.Gaussian => "mean difference",
            FamilyKind.Poisson => "rate difference",
            _ => "risk difference",
        };
        return new TreatmentHeterogeneity(treatment, term.GroupName, options.Benefit, family.Name, level,
            draws.Summarize($"average effect of {treatment} (link)", average, level),
            draws.Summarize($"between-{term.GroupName} sd of the effect of {treatment}", between, level),
            groups, newGroup, newBenefit, newMid,
            draws.Summarize($"proportion of {term.GroupName} population benefiting", population, level),
            draws.Summarize($"proportion of observed {term.GroupName} benefiting", observed, level),
            responseName, mid, midR);
    }

    private static string[] Parts(string column) => column.Split(':');

    private static double Fraction(double[] values, Func<double, bool> f)
    {
        int n = 0;
        foreach (var v in values) if (f(v)) n++;
        return (double)n / values.Length;
    }

    /// <summary>P(sign·δ_new &gt; threshold) for δ_new | draw ~ N(m_s, sd_s²), averaged over draws.</summary>
    private static double MixtureProbability(double[] mean, double[] sd, int sign, double threshold)
    {
        double total = 0;
        for (int s = 0; s < mean.Length; s++)
            total += sd[s] > 0 ? Normal.CDF(0, 1, (sign * mean[s] - threshold) / sd[s]) : (sign * mean[s] > threshold ? 1 : 0);
        return total / mean.Length;
    }

    /// <summary>Mean, sd and quantiles of the normal mixture Σ_s N(m_s, sd_s²)/S (bisection on its CDF).</summary>
    internal static QuantitySummary MixtureSummary(string name, double[] mean, double[] sd, double level)
    {
        int count = mean.Length;
        double mu = mean.Average();
        double second = 0;
        for (int s = 0; s < count; s++) second += sd[s] * sd[s] + (mean[s] - mu) * (mean[s] - mu);
        double var = second / count;
        double Cdf(double q)
        {
            double t = 0;
            for (int s = 0; s < count; s++) t += sd[s] > 0 ? Normal.CDF(mean[s], sd[s], q) : (q >= mean[s] ? 1 : 0);
            return t / count;
        }
        double lo0 = mean.Zip(sd, (m, v) => m - 10 * v).Min(), hi0 = mean.Zip(sd, (m, v) => m + 10 * v).Max();
        double Quantile(double prob)
        {
            double lo = lo0, hi = hi0;
            for (int it = 0; it < 60; it++)
            {
                double mid = 0.5 * (lo + hi);
                if (Cdf(mid) < prob) lo = mid; else hi = mid;
            }
            return 0.5 * (lo + hi);
        }
        return new QuantitySummary(name, mu, Math.Sqrt(var), Quantile((1 - level) / 2), Quantile(0.5), Quantile(1 - (1 - level) / 2),
            level, double.NaN, double.NaN, double.NaN);
    }

    /// <summary>"lower" / "higher" (case-insensitive) or an error that says which are accepted.</summary>
    public static BenefitDirection ParseDirection(string text) => text.Trim().ToLowerInvariant() switch
    {
        "lower" or "negative" or "<0" or "< 0" => BenefitDirection.Lower,
        "higher" or "positive" or ">0" or "> 0" => BenefitDirection.Higher,
        _ => throw new GpuHbmException($"unknown benefit direction '{text}': use lower (an effect below 0 is a benefit) or higher"),
    };

    internal static string Format(double v) => v.ToString("G4", CultureInfo.InvariantCulture);
}
