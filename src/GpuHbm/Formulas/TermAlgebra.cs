namespace GpuHbm.Formulas;

/// <summary>
/// The operators of R's formula algebra on ordered sets of population-level terms. Two terms
/// are the same when they hold the same variables in any order (R treats a:b and b:a as one
/// term); the first spelling and first position are kept.
/// </summary>
internal static class TermAlgebra
{
    public static FixedTerm Single(string variable) => new(new[] { variable });

    /// <summary>True when both terms interact the same set of variables.</summary>
    public static bool SameTerm(FixedTerm a, FixedTerm b) =>
        a.Variables.Count == b.Variables.Count && a.Variables.All(b.Variables.Contains);

    /// <summary><c>A + B</c>: the terms of A, then those of B not already present.</summary>
    public static List<FixedTerm> Union(IEnumerable<FixedTerm> a, IEnumerable<FixedTerm> b)
    {
        var result = new List<FixedTerm>();
        foreach (var t in a.Concat(b))
            if (!result.Any(r => SameTerm(r, t))) result.Add(t);
        return result;
    }

    /// <summary><c>A:B</c>: every term of A interacted with every term of B (a:a is a).</summary>
    public static List<FixedTerm> Interact(IReadOnlyList<FixedTerm> a, IReadOnlyList<FixedTerm> b)
    {
        var products = new List<FixedTerm>();
        foreach (var x in a)
            foreach (var y in b)
                products.Add(new FixedTerm(x.Variables.Concat(y.Variables).Distinct(StringComparer.Ordinal).ToArray()));
        return Union(products, Array.Empty<FixedTerm>());
    }

    /// <summary><c>A*B</c> = <c>A + B + A:B</c>.</summary>
    public static List<FixedTerm> Cross(IReadOnlyList<FixedTerm> a, IReadOnlyList<FixedTerm> b) =>
        Union(Union(a, b), Interact(a, b));

    /// <summary>
    /// <c>A/B</c> = <c>A + (all variables of A):B</c>, as R's <c>a/b</c> = <c>a + a:b</c>
    /// and <c>(a + b)/c</c> = <c>a + b + a:b:c</c>.
    /// </summary>
    public static List<FixedTerm> Nest(IReadOnlyList<FixedTerm> a, IReadOnlyList<FixedTerm> b)
    {
        var all = new FixedTerm(a.SelectMany(t => t.Variables).Distinct(StringComparer.Ordinal).ToArray());
        return Union(a, Interact(new[] { all }, b));
    }

    /// <summary><c>A - B</c>: A without the terms of B (terms of B not in A are ignored, as in R).</summary>
    public static List<FixedTerm> Remove(IReadOnlyList<FixedTerm> a, IReadOnlyList<FixedTerm> b) =>
        a.Where(t => !b.Any(r => SameTerm(r, t))).ToList();
}
