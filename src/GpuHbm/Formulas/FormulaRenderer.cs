namespace GpuHbm.Formulas;

/// <summary>
/// Writes the canonical, expanded form of a parsed formula: intercepts explicit (<c>1</c> or
/// <c>0</c>), crossings and nestings expanded, names backquoted only when they need it. The
/// text parses back to the same structure, so it is what logs and summaries show.
/// </summary>
internal static class FormulaRenderer
{
    public static string Render(Formula f)
    {
        var parts = new List<string> { f.HasIntercept ? "1" : "0" };
        parts.AddRange(f.FixedTerms.Select(Render));
        parts.AddRange(f.RandomTerms.Select(Render));
        parts.AddRange(f.OffsetColumns.Select(o => $"offset({Name(o)})"));
        return $"{Render(f.Response)} ~ {string.Join(" + ", parts)}";
    }

    public static string Render(ResponseSpec r) =>
        r.FailuresColumn is not null ? $"cbind({Name(r.Column)}, {Name(r.FailuresColumn)})"
        : r.TrialsColumn is not null ? $"{Name(r.Column)} | trials({Name(r.TrialsColumn)})"
        : r.SeColumn is not null ? $"{Name(r.Column)} | se({Name(r.SeColumn)})"
        : Name(r.Column);

    public static string Render(FixedTerm t) => string.Join(":", t.Variables.Select(Name));

    public static string Render(RandomTerm r)
    {
        var lhs = new List<string> { r.HasIntercept ? "1" : "0" };
        lhs.AddRange(r.Terms.Select(Render));
        var group = r.CovarianceMatrix is not null
            ? $"gr({string.Join(":", r.GroupFactors.Select(Name))}, cov = {Name(r.CovarianceMatrix)})"
            : string.Join(":", r.GroupFactors.Select(Name));
        return $"({string.Join(" + ", lhs)} {(r.Correlated ? "|" : "||")} {group})";
    }

    private static string Name(string n) => FormulaTokenizer.IsPlainName(n) ? n : $"`{n}`";
}
