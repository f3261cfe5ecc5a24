using GpuHbm.Data;
using GpuHbm.Formulas;

namespace GpuHbm.Models;

/// <summary>Columns of a model matrix: names and values (Rows × Names.Length, row-major).</summary>
internal sealed record DesignColumns(string[] Names, double[] Values, int Rows)
{
    public int Count => Names.Length;
}

/// <summary>
/// Builds a model matrix from terms as R's <c>model.matrix</c> does with treatment contrasts
/// (which brms uses): an "Intercept" column when requested; a numeric variable as is; a
/// categorical variable as indicator columns named variable + level, the first level dropped as
/// reference; interactions as products of their parts' columns (first variable varying fastest),
/// names joined by ":".
/// </summary>
/// <remarks>
/// Contrasts or full indicators follow R's rule (R's model.c, TermCode): a factor F in a term T is
/// coded by contrasts when T without F is empty or contained in an earlier term, otherwise by all of
/// its levels; without an intercept, the first factor of the first term that has one gets all levels.
/// </remarks>
internal sealed class DesignMatrixBuilder
{
    /// <summary>
    /// Most levels a categorical variable may have in a term's design matrix (population- or group-level
    /// slopes): beyond this it is almost always a grouping factor or an id, and its indicator columns alone
    /// would be rows × levels numbers. A grouping term (1 | column) models it instead.
    /// </summary>
    public const int MaxFactorLevels = 2000;

    private readonly DataTable _data;
    private readonly Func<string, bool> _isCategorical;
    private readonly Dictionary<string, Factor> _factors = new(StringComparer.Ordinal);
    private readonly Dictionary<string, double[]> _numeric = new(StringComparer.Ordinal);
    private readonly IReadOnlyDictionary<string, string[]>? _knownLevels;

    /// <param name="data">The rows to code.</param>
    /// <param name="isCategorical">Which variables are factors.</param>
    /// <param name="knownLevels">For new data: the levels each factor had in the fit, so that the new rows get the
    /// fit's coding (a value that is not one of them is an error naming column, row and the known levels).
    /// Null: levels come from <paramref name="data"/>.</param>
    public DesignMatrixBuilder(DataTable data, Func<string, bool> isCategorical, IReadOnlyDictionary<string, string[]>? knownLevels = null)
    {
        _data = data;
        _isCategorical = isCategorical;
        _knownLevels = knownLevels;
    }

    public bool IsCategorical(string variable) => _isCategorical(variable);

    /// <summary>The factors coded so far, by variable: the fit's coding that new data must follow.</summary>
    public IReadOnlyDictionary<string, Factor> Factors => _factors;

    /// <summary>The factor coding of a column (cached).</summary>
    public Factor FactorOf(string variable)
    {
        if (!_factors.TryGetValue(variable, out var f))
            _factors[variable] = f = _knownLevels is not null && _knownLevels.TryGetValue(variable, out var levels)
                ? _data[variable].ToFactorWithLevels(levels)
                : _data[variable].ToFactor();
        return f;
    }

    /// <summary>The numeric values of a column (cached); a non-finite value is an error naming the row.</summary>
    public double[] NumericOf(string variable, string role)
    {
        if (_numeric.TryGetValue(variable, out var v)) return v;
        v = _data[variable].Numeric();
        for (int i = 0; i < v.Length; i++)
            if (!double.IsFinite(v[i]))
                throw new GpuHbmDataException($"column '{variable}' ({role}) must be a finite number, but row {i + 1} holds '{_data[variable].Raw[i] ?? "NA"}'");
        _numeric[variable] = v;
        return v;
    }

    /// <summary>Builds the columns for an intercept flag and a list of terms; <paramref name="role"/> names them in errors.</summary>
    public DesignColumns Build(bool intercept, IReadOnlyList<FixedTerm> terms, string role)
    {
        int n = _data.RowCount;
        var names = new List<string>();
        var columns = new List<double[]>();
        if (intercept)
        {
            names.Add("Intercept");
            columns.Add(Enumerable.Repeat(1.0, n).ToArray());
        }

        var distinct = new List<FixedTerm>();
        foreach (var t in terms)
            if (!distinct.Any(d => d.Variables.ToHashSet().SetEquals(t.Variables))) distinct.Add(t);

        bool fullAssigned = intercept;
        for (int ti = 0; ti < distinct.Count; ti++)
        {
            var term = distinct[ti];
            // Per variable: its set of (name, values) columns.
            var parts = new List<List<(string Name, double[] Values)>>();
            foreach (var variable in term.Variables)
            {
                if (!IsCategorical(variable))
                {
                    parts.Add([(variable, NumericOf(variable, role))]);
                    continue;
                }
                var f = FactorOf(variable);
                if (f.LevelCount > MaxFactorLevels)
                    throw new GpuHbmModelException(TooManyLevels(variable, f.LevelCount, role));
                bool full;
                if (!fullAssigned) { full = true; fullAssigned = true; }
                else full = !Marginal(term, variable, distinct, ti);
                var set = new List<(string, double[])>();
                for (int l = full ? 0 : 1; l < f.LevelCount; l++)
                {
                    var values = new double[n];
                    for (int i = 0; i < n; i++) values[i] = f.Codes[i] == l ? 1 : 0;
                    set.Add((variable + f.Levels[l], values));
                }
                if (set.Count == 0)
                    throw new GpuHbmModelException($"categorical column '{variable}' in {role} term '{term}' has a single level ('{f.Levels[0]}'), so it has no effect to estimate");
                parts.Add(set);
            }
            long termColumns = parts.Aggregate(1L, (a, part) => a * part.Count);
            CheckSize(names.Count + termColumns, n, term, role);
            // Product: outer loop over this variable's columns, inner over the earlier ones, so the first variable varies fastest.
            var combos = new List<(string Name, double[] Values)> { ("", Enumerable.Repeat(1.0, n).ToArray()) };
            bool first = true;
            foreach (var part in parts)
            {
                var next = new List<(string, double[])>();
                foreach (var (pn, pv) in part)
                    foreach (var (cn, cv) in combos)
                    {
                        var v = new double[n];
                        for (int i = 0; i < n; i++) v[i] = cv[i] * pv[i];
                        next.Add((first ? pn : cn + ":" + pn, v));
                    }
                combos = next;
                first = false;
            }
            foreach (var (cn, cv) in combos) { names.Add(cn); columns.Add(cv); }
        }

        int p = names.Count;
        var x = new double[n * p];
        for (int j = 0; j < p; j++)
            for (int i = 0; i < n; i++) x[i * p + j] = columns[j][i];
        return new DesignColumns(names.ToArray(), x, n);
    }

    private string TooManyLevels(string variable, int levels, string role)
    {
        var column = _data[variable];
        string numbers = column.IsNumeric
            ? $"; it was made categorical by --factor {variable}"
            : column.NumberCount.Numbers > 0 ? $" (only {column.NumberCount.Numbers} of its {column.NumberCount.Present} values are numbers, so it is categorical)" : "";
        return $"categorical column '{variable}' has {levels} levels{numbers}: as a {role} effect it would need {levels - 1} coefficients and a " +
               $"{_data.RowCount} × {levels - 1} indicator matrix. If it identifies groups (hospitals, patients, ...), model it with a grouping term " +
               $"such as (1 | {variable}); the limit is {MaxFactorLevels} levels";
    }

    /// <summary>Refuses a dense design matrix that would take more than half of the memory this process may use.</summary>
    private static void CheckSize(long columns, int rows, FixedTerm term, string role)
    {
        double bytes = (double)columns * rows * sizeof(double);
        long available = MachineMemory.AvailableBytes;
        if (bytes > available / 2.0)
            throw new GpuHbmResourceException(
                $"the {role} design matrix would have {columns} columns × {rows} rows ({MachineMemory.Format(bytes)}) once term '{term}' is added, " +
                $"more than half of the {MachineMemory.Format(available)} this machine offers; model large categorical variables with a grouping term (1 | variable)");
    }

    /// <summary>R's TermCode: true (contrasts) when the term without the variable is empty or within an earlier term.</summary>
    private static bool Marginal(FixedTerm term, string variable, List<FixedTerm> terms, int index)
    {
        var rest = term.Variables.Where(v => v != variable).ToHashSet(StringComparer.Ordinal);
        if (rest.Count == 0) return true;
        for (int t = 0; t < index; t++)
            if (rest.IsSubsetOf(terms[t].Variables)) return true;
        return false;
    }
}
