namespace GpuHbm.Formulas;

/// <summary>
/// Group-level terms <c>(lhs | group)</c> and <c>(lhs || group)</c>. As in lme4, the left side
/// has an intercept unless it says <c>0</c> or <c>- 1</c>, so <c>(x | g)</c> is <c>(1 + x | g)</c>.
/// A group is <c>g</c>, an interaction <c>a:b</c>, a nesting <c>a/b</c> (expanded to a term for
/// <c>a</c> and one for <c>a:b</c>), or brms's <c>gr(g, cov = K)</c>.
/// </summary>
public sealed partial class FormulaParser
{
    private sealed record Grouping(IReadOnlyList<string> Factors, string? Covariance);

    /// <summary>Parses from the '|' to the closing ')'; <paramref name="lhs"/> is the sum before the '|'.</summary>
    private RandomPiece ParseGroupLevelTerm(FormulaToken open, Sum lhs)
    {
        var bar = Next();
        if (lhs.Offsets.Count > 0)
            throw new GpuHbmFormulaException(_text, lhs.Offsets[0].Position, "offset() cannot be inside a group-level term: add it to the formula with '+'");
        if (lhs.Random.Count > 0)
            throw new GpuHbmFormulaException(_text, lhs.Random[0].Position, "a group-level term cannot contain another group-level term");
        bool hasIntercept = lhs.Intercept ?? true;
        if (!hasIntercept && lhs.Terms.Count == 0)
            throw new GpuHbmFormulaException(_text, lhs.InterceptPosition,
                "this group-level term has neither an intercept nor a variable: write (1 | g), (1 + x | g) or (0 + x | g)");

        var groupings = ParseGroupings(bar);
        ExpectClose(open, Peek.Kind is FormulaTokenKind.Bar or FormulaTokenKind.DoubleBar
            ? ": a group-level term has one '|' (brms's (1 | ID | g) is not supported)"
            : ": a group-level term has one grouping factor, such as g, a:b, a/b or gr(g, cov = K)");
        bool correlated = bar.Kind == FormulaTokenKind.Bar;
        var terms = groupings.Select(g => new RandomTerm(hasIntercept, lhs.Terms, g.Factors, correlated, g.Covariance)).ToList();
        return new RandomPiece(terms, open.Position);
    }

    /// <summary>The grouping after '|': one grouping, or several for a nesting a/b/c.</summary>
    private List<Grouping> ParseGroupings(FormulaToken bar)
    {
        var t = Peek;
        if (t.Kind != FormulaTokenKind.Name)
            throw Error(t, $"expected a grouping factor after '{bar.Text}', such as (1 {bar.Text} g), found {t.Describe()}");
        if (PeekAt(1).Kind == FormulaTokenKind.LeftParen)
        {
            if (t.Text != "gr")
                throw Error(t, $"unknown function '{t.Text}' as a grouping factor: the supported one is gr(g, cov = K)");
            var gr = ParseGr();
            if (Peek.Kind is FormulaTokenKind.Slash or FormulaTokenKind.Colon)
                throw Error(Peek, $"gr() cannot be combined with '{Peek.Text}': nest or interact plain columns, as a/b or a:b");
            return new List<Grouping> { gr };
        }
        // a/b/c: a, a:b, a:b:c; each level of nesting may itself be an interaction.
        var factors = ParseGroupFactor();
        var result = new List<Grouping> { new(factors, null) };
        while (Peek.Kind == FormulaTokenKind.Slash)
        {
            Next();
            factors = factors.Concat(ParseGroupFactor()).ToList();
            result.Add(new Grouping(factors, null));
        }
        return result;
    }

    /// <summary><c>g</c> or <c>a:b:...</c> (distinct columns).</summary>
    private List<string> ParseGroupFactor()
    {
        var factors = new List<string> { GroupColumn() };
        while (Peek.Kind == FormulaTokenKind.Colon)
        {
            Next();
            var at = Peek;
            var column = GroupColumn();
            if (factors.Contains(column))
                throw Error(at, $"'{column}' appears twice in this grouping factor");
            factors.Add(column);
        }
        return factors;
    }

    private string GroupColumn()
    {
        var t = Peek;
        if (t.Kind != FormulaTokenKind.Name)
            throw Error(t, $"expected a grouping column, found {t.Describe()}");
        if (PeekAt(1).Kind == FormulaTokenKind.LeftParen)
            throw Error(t, "a function cannot be part of a nested or interacted grouping factor: use plain columns, as a/b or a:b");
        return ColumnName(Next());
    }

    /// <summary><c>gr(g)</c> or <c>gr(g, cov = K)</c>; brms's other arguments (by, cor, id, dist) are refused.</summary>
    private Grouping ParseGr()
    {
        Next(); // gr
        var open = Next(); // '('
        var column = Peek;
        if (column.Kind != FormulaTokenKind.Name || PeekAt(1).Kind == FormulaTokenKind.LeftParen)
            throw Error(column, $"expected the grouping column as the first argument of gr(), as in gr(id, cov = K), found {column.Describe()}");
        var group = ColumnName(Next());
        string? covariance = null;
        if (Peek.Kind == FormulaTokenKind.Comma)
        {
            Next();
            var argument = Peek;
            if (argument.Kind != FormulaTokenKind.Name)
                throw Error(argument, $"expected cov = K in gr(), found {argument.Describe()}");
            if (PeekAt(1).Kind != FormulaTokenKind.Equals)
                throw Error(PeekAt(1), $"expected '=' after '{argument.Text}': write gr({group}, cov = K)");
            if (argument.Text != "cov")
                throw Error(argument, $"gr() supports only the cov argument, found '{argument.Text}'");
            Next(); Next();
            var matrix = Peek;
            if (matrix.Kind != FormulaTokenKind.Name || PeekAt(1).Kind == FormulaTokenKind.LeftParen)
                throw Error(matrix, $"expected the name of a covariance matrix after 'cov =', found {matrix.Describe()}");
            covariance = Next().Text;
            if (Peek.Kind == FormulaTokenKind.Comma)
                throw Error(Peek, "gr() supports only the cov argument");
        }
        if (Peek.Kind == FormulaTokenKind.RightParen) Next();
        else if (Peek.Kind == FormulaTokenKind.End) throw Error(open, "unbalanced parentheses: this '(' is never closed");
        else throw Error(Peek, $"expected ')' to close gr(, found {Peek.Describe()}");
        return new Grouping(new[] { group }, covariance);
    }
}
