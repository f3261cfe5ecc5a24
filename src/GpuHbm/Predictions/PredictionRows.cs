using GpuHbm.Data;
using GpuHbm.Models;
using GpuHbm.Models.Kinship;

namespace GpuHbm.Predictions;

/// <summary>
/// Rows to predict for, coded with a fitted model's own design: the population-level matrix X with the
/// fit's columns and treatment contrasts, each group-level term's level per row (a level the fit saw, or
/// a new one) and design columns Z, offsets, binomial trials, known standard errors and, when present,
/// the observed response.
/// </summary>
/// <remarks>
/// <see cref="FromFit"/> takes the fit's own rows as compiled (no recoding). <see cref="FromData"/> codes
/// new data through <see cref="DesignMatrixBuilder"/> with the fit's factor levels: a categorical column
/// stays categorical and keeps its reference level whatever values the new rows hold, and a value of a
/// population-level factor that the fit did not see is an error naming the column, the row and the known
/// levels. Grouping values are matched to the fit's levels by text (<c>a:b</c> groupings by their
/// combined "A_B" label); the others are new levels, listed in <see cref="NewLevels"/> in order of
/// first appearance.
/// </remarks>
public sealed class PredictionRows
{
    /// <summary>One group-level term over the rows.</summary>
    internal sealed class TermRows
    {
        public required int K;
        /// <summary>Per row: the fit's level index (0..J−1), or J + m for the m-th new level.</summary>
        public required int[] Level;
        /// <summary>Rows × K, row-major.</summary>
        public required double[] Z;
        public required string[] NewLevelNames;
        /// <summary>For a gr(id, cov = K) term: per new level, its index in the full relationship matrix (−1 when not in it).</summary>
        public int[]? NewLevelInMatrix;
        /// <summary>For a gr(id, cov = K) term: K as given to the fit (all its individuals), when known.</summary>
        public RelationshipMatrix? FullMatrix;
    }

    internal PredictionRows(string source, int count, double[] x, int p, TermRows[] terms, double[]? offset, double[]? trials, double[]? se, double[]? y)
    {
        Source = source;
        Count = count;
        X = x;
        P = p;
        Terms = terms;
        Offset = offset;
        Trials = trials;
        Se = se;
        InvSe = se?.Select(s => 1 / s).ToArray();
        Y = y;
    }

    /// <summary>Where the rows came from, for messages.</summary>
    public string Source { get; }

    /// <summary>Number of rows.</summary>
    public int Count { get; }

    /// <summary>Per group-level term (in the model's order), the levels of these rows that the fit did not see.</summary>
    public IReadOnlyList<IReadOnlyList<string>> NewLevels => Terms.Select(t => (IReadOnlyList<string>)t.NewLevelNames).ToArray();

    /// <summary>Whether the observed response is known for these rows (the fit's rows; new data with the response column).</summary>
    public bool HasResponse => Y is not null;

    internal double[] X { get; }
    internal int P { get; }
    internal TermRows[] Terms { get; }
    internal double[]? Offset { get; }
    internal double[]? Trials { get; }
    internal double[]? Se { get; }
    internal double[]? InvSe { get; }
    internal double[]? Y { get; }

    /// <summary>The observed response (successes for binomial), or null.</summary>
    public ReadOnlyMemory<double>? Response => Y;

    /// <summary>The rows the model was fitted to, as compiled.</summary>
    public static PredictionRows FromFit(IPosteriorModel model)
    {
        var parts = PartsOf(model);
        var terms = parts.Terms.Select(t => new TermRows
        {
            K = t.K, Level = t.GroupIndexArray, Z = t.ZArray, NewLevelNames = [], NewLevelInMatrix = t.Relationship is null ? null : [],
        }).ToArray();
        var r = parts.Response;
        return new PredictionRows("the fitted data", parts.X.Rows, parts.X.Values, parts.X.Count, terms, r.Offset, r.Trials, r.Se, r.Y);
    }

    /// <summary>
    /// New rows coded with the model's design. Needs the columns of the population- and group-level terms,
    /// the grouping columns, offsets, and the binomial trials (trials(n), or both columns of cbind); the
    /// response and known standard errors are read when present. A missing value in a needed column is an
    /// error naming the column and row.
    /// </summary>
    public static PredictionRows FromData(IPosteriorModel model, DataTable data)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        var parts = PartsOf(model);
        var formula = model.Spec.Formula;
        var response = formula.Response;
        var family = model.Spec.Family.Kind;
        int n = data.RowCount;
        if (n == 0) throw new GpuHbmDataException($"{data.Source} has no rows to predict for");

        var needed = new List<string>();
        void Need(string? c) { if (c is not null && !needed.Contains(c)) needed.Add(c); }
        foreach (var t in formula.FixedTerms) foreach (var v in t.Variables) Need(v);
        foreach (var rt in formula.RandomTerms)
        {
            foreach (var t in rt.Terms) foreach (var v in t.Variables) Need(v);
            foreach (var g in rt.GroupFactors) Need(g);
        }
        foreach (var o in formula.OffsetColumns) Need(o);
        if (family == FamilyKind.Binomial)
        {
            if (response.TrialsColumn is not null) Need(response.TrialsColumn);
            else { Need(response.Column); Need(response.FailuresColumn); }
        }
        foreach (var c in needed)
            if (!data.HasColumn(c))
                throw new GpuHbmDataException($"the new data ({data.Source}) have no column '{c}', which the model needs" +
                    (c == response.FailuresColumn || (c == response.Column && response.FailuresColumn is not null)
                        ? $" (the trials of cbind({response.Column}, {response.FailuresColumn}) are their sum)" : "") +
                    $"; its columns are: {string.Join(", ", data.Columns.Select(x => x.Name))}");
        MissingData.EnsureComplete(data, needed);

        var coding = parts.Coding;
        var builder = new DesignMatrixBuilder(data, coding.Categorical.Contains, coding.Levels);
        var x = builder.Build(formula.HasIntercept, formula.FixedTerms, "population-level");
        RequireSameColumns(x.Names, parts.X.Names, "population-level");

        var terms = new TermRows[parts.Terms.Length];
        for (int t = 0; t < terms.Length; t++)
        {
            var fitted = parts.Terms[t];
            var z = fitted.Relationship is not null
                ? Enumerable.Repeat(1.0, n).ToArray()
                : Build(builder, fitted, n);
            terms[t] = Levels(fitted, data, z, model.Spec.RelationshipMatrices);
        }

        double[]? offset = null;
        foreach (var col in formula.OffsetColumns)
        {
            var o = builder.NumericOf(col, "offset");
            offset ??= new double[n];
            for (int i = 0; i < n; i++) offset[i] += o[i];
        }

        double[]? y = null, trials = null, se = null;
        bool hasY = data.HasColumn(response.Column) && data[response.Column].FirstMissingRow() < 0;
        if (hasY) y = builder.NumericOf(response.Column, "response");
        if (family == FamilyKind.Binomial)
        {
            if (response.TrialsColumn is not null)
            {
                trials = builder.NumericOf(response.TrialsColumn, "trials");
                for (int i = 0; i < n; i++)
                    if (!(trials[i] >= 1) || trials[i] != Math.Floor(trials[i]))
                        throw new GpuHbmDataException($"trials in column '{response.TrialsColumn}' must be positive integers, but row {i + 1} holds {trials[i]}");
            }
            else
            {
                var s = builder.NumericOf(response.Column, "successes");
                var f = builder.NumericOf(response.FailuresColumn!, "failures");
                trials = new double[n];
                for (int i = 0; i < n; i++)
                {
                    trials[i] = s[i] + f[i];
                    if (!(trials[i] >= 1) || trials[i] != Math.Floor(trials[i]))
                        throw new GpuHbmDataException($"cbind({response.Column}, {response.FailuresColumn}) must give a positive whole number of trials, but row {i + 1} gives {trials[i]}");
                }
            }
        }
        if (response.SeColumn is not null && data.HasColumn(response.SeColumn) && data[response.SeColumn].FirstMissingRow() < 0)
        {
            se = builder.NumericOf(response.SeColumn, "standard error");
            for (int i = 0; i < n; i++)
                if (!(se[i] > 0))
                    throw new GpuHbmDataException($"standard errors in column '{response.SeColumn}' must be positive, but row {i + 1} holds {se[i]}");
        }
        return new PredictionRows(data.Source, n, x.Values, x.Count, terms, offset, trials, se, y);
    }

    private static double[] Build(DesignMatrixBuilder builder, RandomEffectsTerm fitted, int n)
    {
        var design = builder.Build(fitted.Term.HasIntercept, fitted.Term.Terms, $"group-level ({fitted.GroupName})");
        RequireSameColumns(design.Names, fitted.ColumnNames, $"group-level ({fitted.GroupName})");
        return design.Values;
    }

    /// <summary>Each row's level: the fit's index, or J + m for the m-th new level (first appearance).</summary>
    private static TermRows Levels(RandomEffectsTerm fitted, DataTable data, double[] z, IReadOnlyDictionary<string, RelationshipMatrix>? matrices)
    {
        int n = data.RowCount, j = fitted.LevelCount;
        var known = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int l = 0; l < j; l++) known[fitted.LevelNames[l]] = l;
        var columns = fitted.Term.GroupFactors.Select(g => data[g].Raw).ToArray();
        var newLevels = new List<string>();
        var newIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        var level = new int[n];
        for (int i = 0; i < n; i++)
        {
            string key = columns.Length == 1 ? columns[0][i]! : string.Join("_", columns.Select(c => c[i]));
            if (known.TryGetValue(key, out int l)) { level[i] = l; continue; }
            if (!newIndex.TryGetValue(key, out int m))
            {
                m = newLevels.Count;
                newIndex[key] = m;
                newLevels.Add(key);
            }
            level[i] = j + m;
        }
        int[]? inMatrix = null;
        RelationshipMatrix? full = null;
        if (fitted.Relationship is not null)
        {
            full = matrices is not null && fitted.RelationshipName is { } name && matrices.TryGetValue(name, out var k) ? k : null;
            inMatrix = newLevels.Select(id => full?.IndexOf(id) ?? -1).ToArray();
        }
        return new TermRows { K = fitted.K, Level = level, Z = z, NewLevelNames = newLevels.ToArray(), NewLevelInMatrix = inMatrix, FullMatrix = full };
    }

    private static void RequireSameColumns(IReadOnlyList<string> now, IReadOnlyList<string> fitted, string role)
    {
        if (!now.SequenceEqual(fitted))
            throw new GpuHbmModelException(
                $"the new data give the {role} columns {string.Join(", ", now)}, but the model was fitted with {string.Join(", ", fitted)}");
    }

    internal static CompiledModel.Parts PartsOf(IPosteriorModel model) => model switch
    {
        CompiledModel c => c.Data,
        FastLmmModel f => f.Data,
        _ => throw new GpuHbmModelException($"predictions are not available for a model of type {model.GetType().Name}"),
    };
}
