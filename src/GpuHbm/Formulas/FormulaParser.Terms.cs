namespace GpuHbm.Formulas;

/// <summary>
/// The terms: sums with '+' and '-', then '*' and '/', then ':' (binding tightest), as in R.
/// One sum grammar serves the right-hand side, the left of a group-level term and plain
/// parentheses; what each of them allows is checked once its kind is known.
/// </summary>
public sealed partial class FormulaParser
{
    /// <summary>What one operand of the term algebra turned out to be.</summary>
    private abstract record Piece(int Position);
    private sealed record TermsPiece(IReadOnlyList<FixedTerm> Terms, int Position) : Piece(Position);
    private sealed record InterceptPiece(string Value, int Position) : Piece(Position);
    private sealed record OffsetPiece(string Column, int Position) : Piece(Position);
    private sealed record RandomPiece(IReadOnlyList<RandomTerm> Terms, int Position) : Piece(Position);

    /// <summary>A parsed sum: terms after removals, the last intercept switch, offsets and group-level terms.</summary>
    private sealed class Sum
    {
        public List<FixedTerm> Terms = new();
        public readonly List<FixedTerm> Removed = new();
        public bool? Intercept;
        public int InterceptPosition = -1;
        public readonly List<(string Column, int Position)> Offsets = new();
        public readonly List<(RandomTerm Term, int Position)> Random = new();
    }

    private Sum ParseSum()
    {
        var sum = new Sum();
        FormulaToken? sign = null;
        if (Peek.Kind == FormulaTokenKind.Minus) sign = Next();
        while (true)
        {
            Add(sum, ParseProduct(), sign);
            if (Peek.Kind is not (FormulaTokenKind.Plus or FormulaTokenKind.Minus)) break;
            var op = Next();
            sign = op.Kind == FormulaTokenKind.Minus ? op : null;
            // A '|' after '+' is a dangling '+' inside a group-level term, but a misplaced '|' outside one.
            bool insideParens = _openParens.Count > 0;
            if (Peek.Kind is FormulaTokenKind.RightParen or FormulaTokenKind.Tilde
                || (Peek.Kind == FormulaTokenKind.End && !insideParens)
                || (Peek.Kind is FormulaTokenKind.Bar or FormulaTokenKind.DoubleBar && insideParens))
                throw Error(op, $"nothing follows this '{op.Text}': remove it or add a term after it");
        }
        // Removals apply to the whole sum, wherever they were written, as in R; then terms are
        // ordered as R's terms() orders them (by degree, stably), so that coefficients come in
        // the order lme4 and brms report them.
        sum.Terms = TermAlgebra.Remove(sum.Terms, sum.Removed).OrderBy(t => t.Variables.Count).ToList();
        return sum;
    }

    /// <summary>Adds one piece to a sum; <paramref name="minus"/> is the '-' before it, if any.</summary>
    private void Add(Sum sum, Piece piece, FormulaToken? minus)
    {
        switch (piece)
        {
            case TermsPiece t when minus is null:
                sum.Terms = TermAlgebra.Union(sum.Terms, t.Terms);
                break;
            case TermsPiece t:
                sum.Removed.AddRange(t.Terms);
                break;
            case InterceptPiece i:
                // R: "+ 1" and "- 0" keep the intercept, "+ 0" and "- 1" remove it; the last one wins.
                sum.Intercept = (i.Value == "1") == (minus is null);
                sum.InterceptPosition = i.Position;
                break;
            case OffsetPiece when minus is not null:
                throw Error(minus.Value, "an offset cannot be removed with '-': leave it out of the formula instead");
            case OffsetPiece o:
                sum.Offsets.Add((o.Column, o.Position));
                break;
            case RandomPiece when minus is not null:
                throw Error(minus.Value, "a group-level term cannot be removed with '-': leave it out of the formula instead");
            case RandomPiece r:
                // Identical group-level terms (also from a/b + a) are kept once, at their first place.
                foreach (var term in r.Terms)
                    if (!sum.Random.Any(x => x.Term.Equals(term))) sum.Random.Add((term, r.Position));
                break;
        }
    }

    /// <summary><c>a * b</c> and <c>a / b</c>, left to right.</summary>
    private Piece ParseProduct()
    {
        var left = ParseInteraction();
        while (Peek.Kind is FormulaTokenKind.Star or FormulaTokenKind.Slash)
        {
            var op = Next();
            var a = Operand(left, op);
            var b = Operand(ParseInteraction(), op);
            left = new TermsPiece(op.Kind == FormulaTokenKind.Star ? TermAlgebra.Cross(a, b) : TermAlgebra.Nest(a, b), left.Position);
        }
        return left;
    }

    /// <summary><c>a : b</c>, left to right.</summary>
    private Piece ParseInteraction()
    {
        var left = ParsePrimary();
        while (Peek.Kind == FormulaTokenKind.Colon)
        {
            var op = Next();
            var a = Operand(left, op);
            var b = Operand(ParsePrimary(), op);
            left = new TermsPiece(TermAlgebra.Interact(a, b), left.Position);
        }
        return left;
    }

    /// <summary>The terms of an operand of ':', '*' or '/'; anything else there is an error at the operator.</summary>
    private IReadOnlyList<FixedTerm> Operand(Piece piece, FormulaToken op) => piece switch
    {
        TermsPiece t => t.Terms,
        InterceptPiece i => throw Error(op, $"'{op.Text}' cannot combine '{i.Value}': 0 and 1 only switch the intercept off or on"),
        OffsetPiece => throw Error(op, $"'{op.Text}' cannot combine offset(): an offset is added on its own"),
        _ => throw Error(op, $"'{op.Text}' cannot combine a group-level term (... | g): add it with '+'"),
    };

    private Piece ParsePrimary()
    {
        var t = Peek;
        switch (t.Kind)
        {
            case FormulaTokenKind.Name when PeekAt(1).Kind == FormulaTokenKind.LeftParen:
                return ParseCall();
            case FormulaTokenKind.Name:
                Next();
                return new TermsPiece(new[] { TermAlgebra.Single(ColumnName(t)) }, t.Position);
            case FormulaTokenKind.Number:
                if (t.Text is not ("0" or "1"))
                    throw Error(t, $"'{t.Text}' cannot be a term: the only numbers allowed are 0 and 1, which switch the intercept off or on");
                Next();
                return new InterceptPiece(t.Text, t.Position);
            case FormulaTokenKind.LeftParen:
                return ParseParenthesized();
            case FormulaTokenKind.Bar or FormulaTokenKind.DoubleBar:
                throw BarOutsideParentheses(t);
            case FormulaTokenKind.End when _openParens.Count > 0:
                throw Error(_openParens.Peek(), "unbalanced parentheses: this '(' is never closed");
            case FormulaTokenKind.End:
                throw Error(t, "expected a term, but the formula ends");
            default:
                throw Error(t, $"expected a term (a column, 0, 1, offset(col) or (1 | g)), found {t.Describe()}");
        }
    }

    /// <summary><c>offset(col)</c>; any other function here is an error listing the supported ones.</summary>
    private Piece ParseCall()
    {
        var name = Peek;
        switch (name.Text)
        {
            case "offset":
                return new OffsetPiece(SingleColumnArgument(null), name.Position);
            case "gr":
                throw Error(name, "gr() can only be the grouping factor of a group-level term, as in (1 | gr(id, cov = K))");
            case "trials" or "se" or "cbind":
                throw Error(name, $"{name.Text}() belongs to the response, left of '~'");
            default:
                throw Error(name, $"unknown function '{name.Text}': {SupportedFunctions}; compute transformed columns in the data first");
        }
    }

    /// <summary>
    /// <c>( sum )</c> or a group-level term <c>( sum | group )</c>: which one shows only at the
    /// token after the sum.
    /// </summary>
    private Piece ParseParenthesized()
    {
        var open = Next();
        _openParens.Push(open);
        if (Peek.Kind is FormulaTokenKind.Bar or FormulaTokenKind.DoubleBar)
            throw Error(Peek, $"expected the terms of a group-level term before '{Peek.Text}', such as (1 {Peek.Text} g) or (1 + x {Peek.Text} g)");
        var inner = ParseSum();
        Piece result;
        if (Peek.Kind is FormulaTokenKind.Bar or FormulaTokenKind.DoubleBar)
        {
            result = ParseGroupLevelTerm(open, inner);
        }
        else
        {
            ExpectClose(open, "");
            if (inner.InterceptPosition >= 0)
                throw new GpuHbmFormulaException(_text, inner.InterceptPosition,
                    "0 and 1 can be terms of the formula or of a group-level term, not inside other parentheses");
            if (inner.Offsets.Count > 0)
                throw new GpuHbmFormulaException(_text, inner.Offsets[0].Position, "offset() cannot be inside parentheses: add it to the formula with '+'");
            if (inner.Random.Count > 0)
                throw new GpuHbmFormulaException(_text, inner.Random[0].Position, "a group-level term cannot be inside other parentheses: add it to the formula with '+'");
            result = new TermsPiece(inner.Terms, open.Position);
        }
        _openParens.Pop();
        return result;
    }

    /// <summary>Consumes the ')' matching <paramref name="open"/>, or explains what is wrong.</summary>
    private void ExpectClose(FormulaToken open, string hint)
    {
        var t = Peek;
        if (t.Kind == FormulaTokenKind.RightParen) { Next(); return; }
        if (t.Kind == FormulaTokenKind.End)
            throw Error(open, "unbalanced parentheses: this '(' is never closed");
        throw Error(t, $"expected ')' to match an earlier '(', found {t.Describe()}{hint}");
    }
}
