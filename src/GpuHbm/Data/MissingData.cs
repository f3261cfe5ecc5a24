namespace GpuHbm.Data;

/// <summary>
/// Missing values over the columns a model reads. Fitting never silently drops rows: a
/// missing value is an error unless the user asked to drop incomplete rows, so that the
/// number of observations a model sees is always what the user expects.
/// </summary>
public static class MissingData
{
    /// <summary>The advice every "missing value" error ends with.</summary>
    public const string DropAdvice = "use --drop-missing (CLI) or dropMissing: true to drop incomplete rows";

    /// <summary>
    /// Throws when any of <paramref name="columns"/> has a missing value, naming the column and
    /// the first (1-based data) row with one, and how many rows are incomplete in all.
    /// An unknown column is an error naming the columns that exist.
    /// </summary>
    public static void EnsureComplete(DataTable table, IEnumerable<string> columns)
    {
        ArgumentNullException.ThrowIfNull(table);
        var used = Resolve(table, columns);
        int firstRow = int.MaxValue;
        DataColumn? firstColumn = null;
        foreach (var c in used)
        {
            int row = c.FirstMissingRow();
            // Strictly earlier only, so a tie names the column listed first.
            if (row >= 0 && row < firstRow) { firstRow = row; firstColumn = c; }
        }
        if (firstColumn is null) return;

        int incomplete = table.RowCount - CompleteRows(table, used).Count;
        throw new GpuHbmDataException(
            $"column '{firstColumn.Name}' of {table.Source} has a missing value at row {firstRow + 1} " +
            $"({incomplete} of {table.RowCount} rows are incomplete over the columns {string.Join(", ", used.Select(c => c.Name))}); " +
            DropAdvice);
    }

    /// <summary>
    /// The table without the rows that miss a value in any of <paramref name="columns"/> (all
    /// columns are kept; rows keep their order). Returns <paramref name="table"/> itself when
    /// nothing is dropped. Dropping every row is an error: nothing would be left to fit.
    /// </summary>
    public static DataTable DropIncomplete(DataTable table, IEnumerable<string> columns, out int dropped)
    {
        ArgumentNullException.ThrowIfNull(table);
        var used = Resolve(table, columns);
        var keep = CompleteRows(table, used);
        dropped = table.RowCount - keep.Count;
        if (dropped == 0) return table;
        if (keep.Count == 0)
            throw new GpuHbmDataException(
                $"every one of the {table.RowCount} rows of {table.Source} misses a value in at least one of the columns {string.Join(", ", used.Select(c => c.Name))}, so no rows are left");
        return table.SelectRows(keep);
    }

    private static List<DataColumn> Resolve(DataTable table, IEnumerable<string> columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        var result = new List<DataColumn>();
        foreach (var name in columns.Distinct(StringComparer.Ordinal))
            result.Add(table[name]); // the indexer's error lists the columns that exist
        return result;
    }

    private static List<int> CompleteRows(DataTable table, List<DataColumn> used)
    {
        var keep = new List<int>(table.RowCount);
        for (int i = 0; i < table.RowCount; i++)
        {
            bool complete = true;
            foreach (var c in used)
                if (c.Raw[i] is null) { complete = false; break; }
            if (complete) keep.Add(i);
        }
        return keep;
    }
}
