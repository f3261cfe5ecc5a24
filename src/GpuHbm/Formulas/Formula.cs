namespace GpuHbm.Formulas;

/// <summary>
/// A parsed lme4/brms model formula, after expansion: <c>a*b</c> is already
/// <c>a + b + a:b</c>, <c>(1 | a/b)</c> is already <c>(1 | a) + (1 | a:b)</c>.
/// </summary>
/// <param name="Text">The formula as the user wrote it.</param>
/// <param name="Response">The left-hand side.</param>
/// <param name="HasIntercept">False for <c>0 +</c> or <c>- 1</c>.</param>
/// <param name="FixedTerms">Population-level terms (no intercept entry) in R's order: main effects, then
/// two-way interactions, and so on, each in order of appearance.</param>
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

    /// <summary>Structural equality: the same text and the same expanded terms, in the same order.</summary>
    public bool Equals(Formula? other) =>
        other is not null && Text == other.Text && Response == other.Response && HasIntercept == other.HasIntercept
        && FixedTerms.SequenceEqual(other.FixedTerms) && RandomTerms.SequenceEqual(other.RandomTerms)
        && OffsetColumns.SequenceEqual(other.OffsetColumns);

    public override int GetHashCode() => HashCode.Combine(Text, Response, HasIntercept, FixedTerms.Count, RandomTerms.Count);

    /// <summary>
    /// The canonical expanded form, such as <c>y ~ 1 + a + b + a:b + (1 + x | g) + offset(t)</c>,
    /// which parses back to the same terms.
    /// </summary>
    public override string ToString() => FormulaRenderer.Render(this);
}

/// <summary>
/// The response: <c>y</c>; <c>s | trials(n)</c> (TrialsColumn = n);
/// <c>cbind(s, f)</c> (FailuresColumn = f, trials = s + f); <c>y | se(s)</c> (SeColumn = s).
/// </summary>
public sealed record ResponseSpec(string Column, string? TrialsColumn = null, string? FailuresColumn = null, string? SeColumn = null)
{
    /// <summary>As written in a formula: <c>y</c>, <c>s | trials(n)</c>, <c>cbind(s, f)</c> or <c>y | se(s)</c>.</summary>
    public override string ToString() => FormulaRenderer.Render(this);
}

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

    /// <summary>Structural equality, so that identical group-level terms can be merged.</summary>
    public bool Equals(RandomTerm? other) =>
        other is not null && HasIntercept == other.HasIntercept && Correlated == other.Correlated
        && CovarianceMatrix == other.CovarianceMatrix && Terms.SequenceEqual(other.Terms) && GroupFactors.SequenceEqual(other.GroupFactors);

    public override int GetHashCode() => HashCode.Combine(HasIntercept, Correlated, CovarianceMatrix, GroupName, Terms.Count);

    /// <summary>As written in a formula, intercept explicit: <c>(1 + x | g)</c>, <c>(0 + x || a:b)</c>.</summary>
    public override string ToString() => FormulaRenderer.Render(this);
}
