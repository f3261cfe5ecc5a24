using GpuHbm.Formulas;

namespace GpuHbm.Models;

/// <summary>
/// One group-level term in the shape of MixedModels.jl's ReMat: a 0-based level index per row,
/// the level names, K design columns Z (N × K, row-major) and whether the K effects are correlated.
/// The term contributes Z[i,:]·r[GroupIndex[i],:] to the linear predictor of row i.
/// </summary>
/// <remarks>
/// Levels of a single grouping factor follow <see cref="GpuHbm.Data.DataColumn.ToFactor"/> (numeric
/// codes in numeric order, labels in ordinal order). For an interaction grouping <c>a:b</c> the levels
/// are the observed combinations, named "A_a" as brms does, in ordinal string order.
/// Columns are named as population-level ones ("Intercept", "Days", "period2").
/// </remarks>
public sealed class RandomEffectsTerm
{
    internal RandomEffectsTerm(RandomTerm term, string[] levels, int[] groupIndex, string[] columnNames, double[] z, int rows)
    {
        Term = term;
        LevelNames = levels;
        GroupIndexArray = groupIndex;
        ColumnNames = columnNames;
        ZArray = z;
        Rows = rows;
        Correlated = term.Correlated && columnNames.Length > 1;
    }

    /// <summary>The formula term this came from.</summary>
    public RandomTerm Term { get; }

    /// <summary>brms's name of the grouping: "Subject" or "a:b".</summary>
    public string GroupName => Term.GroupName;

    public IReadOnlyList<string> LevelNames { get; }
    public int LevelCount => LevelNames.Count;

    public IReadOnlyList<string> ColumnNames { get; }

    /// <summary>Number of effects per level (columns of Z).</summary>
    public int K => ColumnNames.Count;

    /// <summary>Number of data rows.</summary>
    public int Rows { get; }

    /// <summary>0-based level of each row.</summary>
    public ReadOnlyMemory<int> GroupIndex => GroupIndexArray;

    /// <summary>Design values, Rows × K row-major.</summary>
    public ReadOnlyMemory<double> Z => ZArray;

    /// <summary>True when the K effects have a correlation matrix (not <c>||</c>, and K &gt; 1).</summary>
    public bool Correlated { get; }

    internal int[] GroupIndexArray { get; }
    internal double[] ZArray { get; }

    /// <summary>Builds the term from the data; grouping columns are always categorical.</summary>
    internal static RandomEffectsTerm Build(RandomTerm term, DesignMatrixBuilder builder, int rows)
    {
        if (term.CovarianceMatrix is not null)
            throw new GpuHbmModelException($"group-level term for '{term.GroupName}' uses gr(cov = {term.CovarianceMatrix}), which this model builder does not support");
        if (term.GroupFactors.Count == 0)
            throw new GpuHbmModelException("a group-level term has no grouping factor");

        string[] levels;
        int[] index;
        if (term.GroupFactors.Count == 1)
        {
            var f = builder.FactorOf(term.GroupFactors[0]);
            levels = f.Levels;
            index = f.Codes;
        }
        else
        {
            var factors = term.GroupFactors.Select(builder.FactorOf).ToArray();
            var keys = new string[rows];
            for (int i = 0; i < rows; i++)
                keys[i] = string.Join("_", factors.Select(f => f.Levels[f.Codes[i]]));
            levels = keys.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
            var map = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int l = 0; l < levels.Length; l++) map[levels[l]] = l;
            index = keys.Select(k => map[k]).ToArray();
        }

        var design = builder.Build(term.HasIntercept, term.Terms, $"group-level ({term.GroupName})");
        if (design.Count == 0)
            throw new GpuHbmModelException($"group-level term for '{term.GroupName}' has no effects (it needs an intercept or a variable before '|')");
        return new RandomEffectsTerm(term, levels, index, design.Names, design.Values, rows);
    }
}
