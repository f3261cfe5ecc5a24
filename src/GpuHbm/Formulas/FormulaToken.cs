namespace GpuHbm.Formulas;

/// <summary>The kinds of token in an lme4/brms formula.</summary>
public enum FormulaTokenKind
{
    /// <summary>A variable or function name; backquoted names arrive without their backquotes.</summary>
    Name,
    /// <summary>An unsigned number such as 0 or 1.</summary>
    Number,
    Tilde,
    Plus,
    Minus,
    Star,
    Colon,
    Slash,
    /// <summary><c>|</c>: a correlated group-level term, or an addition term in the response.</summary>
    Bar,
    /// <summary><c>||</c>: an uncorrelated group-level term.</summary>
    DoubleBar,
    LeftParen,
    RightParen,
    Comma,
    Equals,
    /// <summary>The end of the text; its Position is the text's length.</summary>
    End,
}

/// <summary>One token: its kind, its text (the name without backquotes) and 0-based start.</summary>
public readonly record struct FormulaToken(FormulaTokenKind Kind, string Text, int Position)
{
    /// <summary>How the token reads in a message: <c>'+'</c>, <c>'Days'</c>, or "the end of the formula".</summary>
    public string Describe() => Kind == FormulaTokenKind.End ? "the end of the formula" : $"'{Text}'";
}
