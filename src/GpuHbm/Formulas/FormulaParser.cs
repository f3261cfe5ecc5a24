namespace GpuHbm.Formulas;

/// <summary>
/// Parses lme4/brms formulas into the expanded <see cref="Formula"/> AST:
/// <c>response ~ terms</c>, where the response is <c>y</c>, <c>s | trials(n)</c>,
/// <c>cbind(s, f)</c> or <c>y | se(s)</c>, and the terms are columns, interactions (<c>a:b</c>),
/// crossings (<c>a*b</c>), nestings (<c>a/b</c>), <c>0</c>/<c>1</c>/<c>- 1</c> for the intercept,
/// <c>offset(col)</c>, and group-level terms <c>(lhs | g)</c> / <c>(lhs || g)</c> whose group is
/// <c>g</c>, <c>a:b</c>, <c>a/b</c> or <c>gr(g, cov = K)</c>.
/// Every error is a <see cref="GpuHbmFormulaException"/> pointing at the character at fault.
/// </summary>
/// <remarks>This file holds the entry point, the token cursor and the response; the terms and the
/// group-level terms are in the other parts of this class.</remarks>
public sealed partial class FormulaParser
{
    /// <summary>What an unknown function's error lists.</summary>
    internal const string SupportedFunctions =
        "the supported functions are offset(col) among the terms, gr(g, cov = K) as a grouping factor, " +
        "and cbind(s, f), trials(n) and se(s) in the response";

    private readonly string _text;
    private readonly IReadOnlyList<FormulaToken> _tokens;
    private readonly Stack<FormulaToken> _openParens = new();
    private int _index;

    private FormulaParser(string text)
    {
        _text = text;
        _tokens = FormulaTokenizer.Tokenize(text);
    }

    /// <summary>Parses and expands <paramref name="text"/>; Formula.Text keeps it as written.</summary>
    public static Formula Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (string.IsNullOrWhiteSpace(text))
            throw new GpuHbmFormulaException(text, 0, "the formula is empty: write it as response ~ terms, such as y ~ 1 + x");
        return new FormulaParser(text).ParseFormula();
    }

    private Formula ParseFormula()
    {
        var response = ParseResponse();
        if (Peek.Kind != FormulaTokenKind.Tilde)
            throw Error(Peek, _text.Contains('~')
                ? $"expected '~' after the response, found {Peek.Describe()}"
                : $"expected '~' after the response, found {Peek.Describe()}: a formula reads response ~ terms");
        Next(); // '~'
        if (Peek.Kind == FormulaTokenKind.End)
            throw Error(Peek, "expected terms after '~', such as 1 or 1 + x");

        var rhs = ParseSum();
        var stop = Peek;
        switch (stop.Kind)
        {
            case FormulaTokenKind.End: break;
            case FormulaTokenKind.Bar or FormulaTokenKind.DoubleBar: throw BarOutsideParentheses(stop);
            case FormulaTokenKind.RightParen: throw Error(stop, "unbalanced parentheses: this ')' has no matching '('");
            case FormulaTokenKind.Tilde: throw Error(stop, "a formula has only one '~'");
            default: throw Error(stop, $"expected '+', '-' or the end of the formula, found {stop.Describe()}");
        }
        return new Formula(_text, response, rhs.Intercept ?? true, rhs.Terms,
            rhs.Random.Select(r => r.Term).ToList(), rhs.Offsets.Select(o => o.Column).ToList());
    }

    // ---- response ------------------------------------------------------------------------

    private ResponseSpec ParseResponse()
    {
        var t = Peek;
        if (t.Kind == FormulaTokenKind.Tilde)
            throw Error(t, "expected a response column before '~': one-sided formulas are not supported");
        if (t.Kind != FormulaTokenKind.Name)
            throw Error(t, $"expected the response column at the start of the formula, found {t.Describe()}");
        if (PeekAt(1).Kind == FormulaTokenKind.LeftParen)
        {
            return t.Text switch
            {
                "cbind" => ParseCbind(),
                "trials" or "se" => throw Error(t, $"{t.Text}() follows the response after '|', as in y | {t.Text}(n) ~ ..."),
                _ => throw Error(t, $"unknown function '{t.Text}' in the response: the response is a column y, cbind(s, f), s | trials(n) or y | se(s); compute transformed responses in the data first"),
            };
        }
        var column = ColumnName(Next());
        if (Peek.Kind == FormulaTokenKind.DoubleBar)
            throw Error(Peek, "expected '|' before an addition term such as trials(n) or se(s), found '||'");
        return Peek.Kind == FormulaTokenKind.Bar ? ParseAddition(column) : new ResponseSpec(column);
    }

    /// <summary>The part after <c>y |</c>: exactly one of trials(n) or se(s).</summary>
    private ResponseSpec ParseAddition(string column)
    {
        Next(); // '|'
        var t = Peek;
        if (t.Kind != FormulaTokenKind.Name || PeekAt(1).Kind != FormulaTokenKind.LeftParen)
            throw Error(t, $"expected an addition term after '|', such as trials(n) or se(s), found {t.Describe()}");
        if (t.Text is not ("trials" or "se"))
            throw Error(t, $"unsupported addition term '{t.Text}()': the supported ones are trials(n) and se(s)");
        var argument = SingleColumnArgument(t.Text == "se" ? "se(s, sigma = TRUE) and other extra arguments are not supported" : null);
        if (Peek.Kind is FormulaTokenKind.Plus or FormulaTokenKind.Bar)
            throw Error(Peek, "only one addition term is supported after '|'");
        return t.Text == "trials" ? new ResponseSpec(column, TrialsColumn: argument) : new ResponseSpec(column, SeColumn: argument);
    }

    private ResponseSpec ParseCbind()
    {
        Next(); // cbind
        var open = Next(); // '('
        int firstArgument = _index;
        var successes = ExpectColumnArgument("cbind", firstArgument);
        if (Peek.Kind != FormulaTokenKind.Comma)
            throw IsExpressionOperator(Peek.Kind)
                ? ExpressionArgument("cbind", firstArgument)
                : Error(Peek, $"expected ',' and the failures column in cbind(s, f), found {Peek.Describe()}");
        Next();
        int secondArgument = _index;
        var failures = ExpectColumnArgument("cbind", secondArgument);
        if (Peek.Kind == FormulaTokenKind.Comma)
            throw Error(Peek, "cbind() takes exactly two columns: successes and failures");
        ExpectArgumentClose("cbind", open, secondArgument);
        return new ResponseSpec(successes, FailuresColumn: failures);
    }

    // ---- shared argument handling --------------------------------------------------------------

    /// <summary>Parses <c>f(col)</c> at the cursor (f already peeked) and returns col.</summary>
    private string SingleColumnArgument(string? extraArgumentsMessage)
    {
        var function = Next();
        var open = Next(); // '('
        int argument = _index;
        var column = ExpectColumnArgument(function.Text, argument);
        if (Peek.Kind == FormulaTokenKind.Comma)
            throw Error(Peek, extraArgumentsMessage ?? $"{function.Text}() takes one column");
        ExpectArgumentClose(function.Text, open, argument);
        return column;
    }

    private string ExpectColumnArgument(string function, int argumentIndex)
    {
        var t = Peek;
        if (t.Kind == FormulaTokenKind.Name && PeekAt(1).Kind != FormulaTokenKind.LeftParen)
            return ColumnName(Next());
        if (t.Kind is FormulaTokenKind.Name or FormulaTokenKind.Number or FormulaTokenKind.Minus or FormulaTokenKind.LeftParen)
            throw ExpressionArgument(function, argumentIndex);
        throw Error(t, $"expected a column name in {function}(), found {t.Describe()}");
    }

    private void ExpectArgumentClose(string function, FormulaToken open, int argumentIndex)
    {
        if (Peek.Kind == FormulaTokenKind.RightParen) { Next(); return; }
        if (IsExpressionOperator(Peek.Kind)) throw ExpressionArgument(function, argumentIndex);
        if (Peek.Kind == FormulaTokenKind.End) throw Error(open, "unbalanced parentheses: this '(' is never closed");
        throw Error(Peek, $"expected ')' to close {function}(, found {Peek.Describe()}");
    }

    private static bool IsExpressionOperator(FormulaTokenKind k) => k is FormulaTokenKind.Plus or FormulaTokenKind.Minus
        or FormulaTokenKind.Star or FormulaTokenKind.Slash or FormulaTokenKind.Colon or FormulaTokenKind.LeftParen
        or FormulaTokenKind.Name or FormulaTokenKind.Number;

    /// <summary>
    /// An error for an argument that is an expression rather than a column, quoting the whole
    /// argument and pointing at its first token that is not a lone column name.
    /// </summary>
    private GpuHbmFormulaException ExpressionArgument(string function, int argumentIndex)
    {
        int depth = 0, end = argumentIndex;
        for (; _tokens[end].Kind != FormulaTokenKind.End; end++)
        {
            var k = _tokens[end].Kind;
            if (k == FormulaTokenKind.LeftParen) depth++;
            else if (k == FormulaTokenKind.RightParen && depth-- == 0) break;
            else if (k == FormulaTokenKind.Comma && depth == 0) break;
        }
        int from = _tokens[argumentIndex].Position;
        var expression = _text[from.._tokens[end].Position].Trim();
        // Point past a leading column name (at the '-' of 'size - incidence'), but at a function's name.
        var first = _tokens[argumentIndex];
        var at = first.Kind == FormulaTokenKind.Name && end > argumentIndex + 1 && _tokens[argumentIndex + 1].Kind != FormulaTokenKind.LeftParen
            ? _tokens[argumentIndex + 1]
            : first;
        return Error(at, $"{function}() takes column names, not expressions such as '{expression}': compute it as a column of the data first");
    }

    // ---- token cursor ------------------------------------------------------------------------------

    private FormulaToken Peek => _tokens[_index];

    private FormulaToken PeekAt(int ahead) => _tokens[Math.Min(_index + ahead, _tokens.Count - 1)];

    private FormulaToken Next()
    {
        var t = _tokens[_index];
        if (t.Kind != FormulaTokenKind.End) _index++;
        return t;
    }

    /// <summary>A column name token; a bare '.' (R's "all other columns") is refused.</summary>
    private string ColumnName(FormulaToken t)
    {
        if (t.Text == "." && _text[t.Position] == '.')
            throw Error(t, "'.' (all other columns) is not supported: name the columns");
        return t.Text;
    }

    private GpuHbmFormulaException Error(FormulaToken at, string message) => new(_text, at.Position, message);

    private GpuHbmFormulaException BarOutsideParentheses(FormulaToken bar) =>
        Error(bar, $"'{bar.Text}' can only appear inside parentheses, in a group-level term such as (1 {bar.Text} g)");
}
