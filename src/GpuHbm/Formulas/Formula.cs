namespace GpuHbm.Formulas;

/// <summary>
/// A parsed lme4/brms model formula, after expansion: <c>a*b</c> is already
/// <c>a + b + a:b</c>, <c>(1 | a/b)</c> is already <c>(1 | a) + (1 | a:b)</c>.
/// </summary>
/// <param name="Text">The formula as the user wrote it.</param>
/// <param name="Response">The left-hand side.</param>
/// <param name="HasIntercept">False for <c>0 +</c> or <c>- 1</c>.</param>
/// <param name="FixedTerms">Population-level terms in order of appearance (no intercept entry).</param>
/// <param name="RandomTerms">Group-level terms in order of appearance.</param>
/// <param name="OffsetColumns">Columns named in <c>offset(col)</c>, added to the linear predictor.</param>
public sealed record Formula(
    string Text,
    ResponseSpec Response,
    bool HasIntercept,
    IReadOnlyList<FixedTerm> FixedTerms,
    IReadOnlyList<RandomTerm> RandomTerms,
    IReadOnlyList<string> OffsetColumns)
{
    /// <summary>Every data column the formula reads, in first-use order, without duplicates.</summary>
    public IReadOnlyList<string> UsedColumns()
    {
        var seen = new List<string>();
        void Add(string? c) { if (c is not null && !seen.Contains(c)) seen.Add(c); }
        Add(Response.Column); Add(Response.TrialsColumn); Add(Response.FailuresColumn); Add(Response.SeColumn);
        foreach (var t in FixedTerms) foreach (var v in t.Variables) Add(v);
        foreach (var r in RandomTerms)
        {
            foreach (var t in r.Terms) foreach (var v in t.Variables) Add(v);
            foreach (var g in r.GroupFactors) Add(g);
        }
        foreach (var o in OffsetColumns) Add(o);
        return seen;
    }
}

/// <summary>
/// The response: <c>y</c>; <c>s | trials(n)</c> (TrialsColumn = n);
/// <c>cbind(s, f)</c> (FailuresColumn = f, trials = s + f); <c>y | se(s)</c> (SeColumn = s).
/// </summary>
public sealed record ResponseSpec(string Column, string? TrialsColumn = null, string? FailuresColumn = null, string? SeColumn = null);

/// <summary>A main effect (one variable) or an interaction <c>a:b:c</c> (several).</summary>
public sealed record FixedTerm(IReadOnlyList<string> Variables)
{
    public override string ToString() => string.Join(":", Variables);
    public bool Equals(FixedTerm? other) => other is not null && Variables.SequenceEqual(other.Variables);
    public override int GetHashCode() => string.Join(":", Variables).GetHashCode(StringComparison.Ordinal);
}

/// <summary>
/// A group-level term <c>(1 + x | g)</c>. GroupFactors has one entry for <c>g</c>, several for
/// <c>a:b</c> (levels are the observed combinations). Correlated is false for <c>||</c>.
/// CovarianceMatrix is K in <c>gr(id, cov = K)</c>, else null.
/// </summary>
public sealed record RandomTerm(
    bool HasIntercept,
    IReadOnlyList<FixedTerm> Terms,
    IReadOnlyList<string> GroupFactors,
    bool Correlated,
    string? CovarianceMatrix = null)
{
    /// <summary>brms's name for the grouping: <c>g</c> or <c>a:b</c>.</summary>
    public string GroupName => string.Join(":", GroupFactors);
}
