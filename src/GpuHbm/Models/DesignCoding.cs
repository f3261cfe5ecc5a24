using GpuHbm.Formulas;

namespace GpuHbm.Models;

/// <summary>
/// How a model's data were coded: which variables were factors and their levels in order. New data
/// (predictions) are coded the same way, so that a column means what it meant in the fit whatever
/// values the new rows happen to hold.
/// </summary>
/// <param name="Categorical">Variables of population- and group-level terms that were coded as factors.</param>
/// <param name="Levels">Their levels, in coding order (the first is the reference of treatment contrasts).</param>
internal sealed record DesignCoding(IReadOnlySet<string> Categorical, IReadOnlyDictionary<string, string[]> Levels)
{
    public static DesignCoding Empty { get; } = new(new HashSet<string>(), new Dictionary<string, string[]>());

    /// <summary>The coding of the term variables (not the grouping factors) that <paramref name="builder"/> used.</summary>
    internal static DesignCoding From(Formula formula, DesignMatrixBuilder builder)
    {
        var variables = formula.FixedTerms.SelectMany(t => t.Variables)
            .Concat(formula.RandomTerms.SelectMany(r => r.Terms.SelectMany(t => t.Variables)))
            .Distinct(StringComparer.Ordinal).Where(builder.IsCategorical).ToHashSet(StringComparer.Ordinal);
        var levels = variables.Where(builder.Factors.ContainsKey).ToDictionary(v => v, v => builder.Factors[v].Levels, StringComparer.Ordinal);
        return new DesignCoding(variables, levels);
    }
}
