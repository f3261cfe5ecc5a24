using GpuHbm.Formulas;
using GpuHbm.Kernels;
using GpuHbm.Models.Kinship;

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
    internal RandomEffectsTerm(RandomTerm term, string[] levels, int[] groupIndex, string[] columnNames, double[] z, int rows,
        RelationshipMatrix? relationship = null, KinshipAlignment? alignment = null)
    {
        Relationship = relationship;
        Alignment = alignment;
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

    /// <summary>How the term's effects come from its standardized values (the code the density and the kernels switch on).</summary>
    internal RandomTermKind Kind => Relationship is not null ? RandomTermKind.Relationship
        : Correlated ? RandomTermKind.Correlated : RandomTermKind.Independent;

    /// <summary>
    /// For <c>(1 | gr(id, cov = K))</c>: K restricted to the levels of the grouping column and in level
    /// order (entry (a, b) relates levels a and b); the effects are r = sd·L z with L L' = K + εI. Null
    /// for an ordinary term.
    /// </summary>
    public RelationshipMatrix? Relationship { get; }

    /// <summary>How K was matched to the levels (individuals dropped, for a note); null for an ordinary term.</summary>
    public KinshipAlignment? Alignment { get; }

    /// <summary>The name K of the relationship matrix, or null.</summary>
    public string? RelationshipName => Term.CovarianceMatrix;

    private KinshipCholesky? _cholesky;
    private readonly object _choleskyLock = new();

    /// <summary>L = chol(K + εI) of <see cref="Relationship"/>, computed on first use (O(J³)).</summary>
    internal KinshipCholesky Cholesky
    {
        get
        {
            if (Relationship is null) throw new InvalidOperationException("not a relationship-matrix term");
            lock (_choleskyLock) return _cholesky ??= KinshipCholesky.Factor(Relationship);
        }
    }

    internal int[] GroupIndexArray { get; }
    internal double[] ZArray { get; }

    /// <summary>Builds the term from the data; grouping columns are always categorical.</summary>
    internal static RandomEffectsTerm Build(RandomTerm term, DesignMatrixBuilder builder, int rows,
        IReadOnlyDictionary<string, RelationshipMatrix>? relationshipMatrices = null)
    {
        if (term.CovarianceMatrix is not null) return BuildRelationship(term, builder, rows, relationshipMatrices);
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

        RequireLevels(term, levels);
        var design = builder.Build(term.HasIntercept, term.Terms, $"group-level ({term.GroupName})");
        if (design.Count == 0)
            throw new GpuHbmModelException($"group-level term for '{term.GroupName}' has no effects (it needs an intercept or a variable before '|')");
        return new RandomEffectsTerm(term, levels, index, design.Names, design.Values, rows);
    }

    /// <summary>
    /// <c>(1 | gr(id, cov = K))</c>: one effect per level of id, correlated across levels through K.
    /// K must be given (name → matrix); levels are matched to K's ids by name, in any order; ids of K
    /// with no row are dropped (a note); levels missing from K are an error listing the first few.
    /// </summary>
    private static RandomEffectsTerm BuildRelationship(RandomTerm term, DesignMatrixBuilder builder, int rows,
        IReadOnlyDictionary<string, RelationshipMatrix>? matrices)
    {
        string name = term.CovarianceMatrix!;
        string written = $"gr({term.GroupName}, cov = {name})";
        if (!term.HasIntercept || term.Terms.Count > 0)
            throw new GpuHbmModelException(
                $"group-level term '{term}' has effects other than an intercept, but {written} supports only '(1 | {written})': " +
                "a relationship matrix gives the covariance of one effect per individual (varying slopes with a relationship matrix are not supported)");
        if (term.GroupFactors.Count != 1)
            throw new GpuHbmModelException($"{written} needs a single grouping column");
        if (matrices is null || !matrices.TryGetValue(name, out var k))
        {
            string given = matrices is null || matrices.Count == 0 ? "none was given" : $"given: {string.Join(", ", matrices.Keys)}";
            throw new GpuHbmModelException(
                $"the formula uses {written}, but no relationship matrix named '{name}' was given ({given}); " +
                $"pass it with --relmat {name}=PATH (FitOptions.RelationshipMatrices[\"{name}\"])");
        }
        var f = builder.FactorOf(term.GroupFactors[0]);
        RequireLevels(term, f.Levels);
        var alignment = k.Align(f.Levels, $"column '{term.GroupFactors[0]}'");
        // Levels are unique, so the alignment is one-to-one: K in level order.
        var inLevelOrder = alignment.InDataOrder();
        var ones = Enumerable.Repeat(1.0, rows).ToArray();
        return new RandomEffectsTerm(term, f.Levels, f.Codes, ["Intercept"], ones, rows, inLevelOrder, alignment);
    }

    /// <summary>
    /// A grouping factor needs at least two levels: with one, the group-level standard deviation has nothing
    /// to vary across (lme4 refuses: "grouping factors must have &gt; 1 sampled level").
    /// </summary>
    private static void RequireLevels(RandomTerm term, IReadOnlyList<string> levels)
    {
        if (levels.Count >= 2) return;
        throw new GpuHbmModelException(
            $"grouping factor '{term.GroupName}' of the term '{term}' has a single level ('{levels[0]}'), so there is no variation between groups to " +
            "estimate (lme4 refuses this too: grouping factors must have > 1 sampled level); remove the term, or check that the column is the one you meant");
    }
}
