namespace GpuHbm.Models.Kinship;

/// <summary>
/// A relationship matrix matched to the rows of a data set: <see cref="Reduced"/> keeps only the
/// individuals that appear in the data (in the matrix's own order), and <see cref="RowIndex"/>[r]
/// is data row r's position in <see cref="Reduced"/>.
/// </summary>
/// <remarks>
/// Individuals in the matrix but not in the data are dropped (counted in <see cref="DroppedCount"/>
/// for a note); data ids missing from the matrix are an error listing the first few. Several rows
/// may share an id (repeated measures); <see cref="IsOneToOne"/> tells whether each individual has
/// exactly one row, which the FaST-LMM rotation needs.
/// </remarks>
public sealed class KinshipAlignment
{
    /// <summary>K restricted to the individuals present in the data, in K's order.</summary>
    public RelationshipMatrix Reduced { get; }

    /// <summary>For each data row, the index into <see cref="Reduced"/>.</summary>
    public IReadOnlyList<int> RowIndex { get; }

    /// <summary>Number of individuals of K that have no row in the data.</summary>
    public int DroppedCount { get; }

    /// <summary>True when every individual of <see cref="Reduced"/> has exactly one data row.</summary>
    public bool IsOneToOne { get; }

    /// <summary>A sentence for the user when individuals were dropped, else null.</summary>
    public string? Note => DroppedCount == 0 ? null
        : $"{DroppedCount} of the {DroppedCount + Reduced.Count} individuals in the relationship matrix from {Reduced.Source} have no rows in the data and were left out";

    private KinshipAlignment(RelationshipMatrix reduced, int[] rowIndex, int dropped, bool oneToOne)
    {
        Reduced = reduced;
        RowIndex = rowIndex;
        DroppedCount = dropped;
        IsOneToOne = oneToOne;
    }

    internal static KinshipAlignment Create(RelationshipMatrix k, IReadOnlyList<string> dataIds, string dataSource)
    {
        ArgumentNullException.ThrowIfNull(dataIds);
        var present = new bool[k.Count];
        var fullIndex = new int[dataIds.Count];
        var missing = new List<(string Id, int Row)>();
        var seenMissing = new HashSet<string>(StringComparer.Ordinal);
        for (int r = 0; r < dataIds.Count; r++)
        {
            string? id = dataIds[r];
            if (id is null)
                throw new GpuHbmDataException($"row {r + 1} of {dataSource} has no individual id to match to the relationship matrix");
            int i = k.IndexOf(id);
            if (i < 0)
            {
                if (seenMissing.Add(id)) missing.Add((id, r + 1));
                continue;
            }
            present[i] = true;
            fullIndex[r] = i;
        }
        if (missing.Count > 0)
        {
            string first = string.Join(", ", missing.Take(5).Select(m => $"'{m.Id}' (row {m.Row})"));
            throw new GpuHbmDataException(
                $"{missing.Count} individual id(s) of {dataSource} are not in the relationship matrix from {k.Source}: {first}{(missing.Count > 5 ? ", ..." : "")}");
        }

        var reducedOf = new int[k.Count];
        var kept = new List<int>();
        for (int i = 0; i < k.Count; i++)
        {
            reducedOf[i] = present[i] ? kept.Count : -1;
            if (present[i]) kept.Add(i);
        }
        var rowIndex = new int[dataIds.Count];
        var rowsPer = new int[kept.Count];
        for (int r = 0; r < rowIndex.Length; r++)
        {
            rowIndex[r] = reducedOf[fullIndex[r]];
            rowsPer[rowIndex[r]]++;
        }
        var reduced = kept.Count == k.Count ? k : k.Subset(kept);
        return new KinshipAlignment(reduced, rowIndex, k.Count - kept.Count, rowsPer.All(c => c == 1));
    }

    /// <summary>
    /// K in data-row order (row r, column s = K of the individuals of rows r and s), for the
    /// FaST-LMM path; requires <see cref="IsOneToOne"/>.
    /// </summary>
    public RelationshipMatrix InDataOrder()
    {
        if (!IsOneToOne)
        {
            var counts = new Dictionary<int, int>();
            foreach (int i in RowIndex) counts[i] = counts.GetValueOrDefault(i) + 1;
            var repeated = counts.First(kv => kv.Value > 1);
            throw new GpuHbmModelException(
                $"the FaST-LMM fast path needs exactly one data row per individual, but individual '{Reduced.Ids[repeated.Key]}' has {repeated.Value} rows");
        }
        return Reduced.Subset(RowIndex);
    }
}
