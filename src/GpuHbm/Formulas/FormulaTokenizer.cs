namespace GpuHbm.Formulas;

/// <summary>
/// Splits formula text into tokens. Names follow R: letters, digits, '_' and '.', not starting
/// with a digit; any other name is written in backquotes (<c>`odd name`</c>).
/// </summary>
public static class FormulaTokenizer
{
    /// <summary>The tokens of <paramref name="text"/>, always ending with an End token.</summary>
    public static IReadOnlyList<FormulaToken> Tokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokens = new List<FormulaToken>();
        int i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            if (char.IsWhiteSpace(c)) { i++; continue; }
            int start = i;
            switch (c)
            {
                case '~': tokens.Add(new(FormulaTokenKind.Tilde, "~", i++)); continue;
                case '+': tokens.Add(new(FormulaTokenKind.Plus, "+", i++)); continue;
                case '-': tokens.Add(new(FormulaTokenKind.Minus, "-", i++)); continue;
                case '*': tokens.Add(new(FormulaTokenKind.Star, "*", i++)); continue;
                case ':': tokens.Add(new(FormulaTokenKind.Colon, ":", i++)); continue;
                case '/': tokens.Add(new(FormulaTokenKind.Slash, "/", i++)); continue;
                case '(': tokens.Add(new(FormulaTokenKind.LeftParen, "(", i++)); continue;
                case ')': tokens.Add(new(FormulaTokenKind.RightParen, ")", i++)); continue;
                case ',': tokens.Add(new(FormulaTokenKind.Comma, ",", i++)); continue;
                case '=': tokens.Add(new(FormulaTokenKind.Equals, "=", i++)); continue;
                case '|':
                    if (i + 1 < text.Length && text[i + 1] == '|') { tokens.Add(new(FormulaTokenKind.DoubleBar, "||", i)); i += 2; }
                    else tokens.Add(new(FormulaTokenKind.Bar, "|", i++));
                    continue;
                case '`':
                    tokens.Add(Backquoted(text, ref i));
                    continue;
            }
            if (IsNameStart(c))
            {
                while (i < text.Length && IsNamePart(text[i])) i++;
                tokens.Add(new(FormulaTokenKind.Name, text[start..i], start));
            }
            else if (char.IsAsciiDigit(c))
            {
                while (i < text.Length && IsNamePart(text[i])) i++;
                var word = text[start..i];
                if (!word.All(ch => char.IsAsciiDigit(ch) || ch == '.') || word.Count(ch => ch == '.') > 1)
                    throw new GpuHbmFormulaException(text, start,
                        $"'{word}' is neither a number nor a name: names start with a letter, '.' or '_'; write other names in backquotes, as `{word}`");
                tokens.Add(new(FormulaTokenKind.Number, word, start));
            }
            else
            {
                throw new GpuHbmFormulaException(text, start, Unexpected(c));
            }
        }
        tokens.Add(new(FormulaTokenKind.End, "", text.Length));
        return tokens;
    }

    /// <summary>True when <paramref name="name"/> can be written without backquotes.</summary>
    public static bool IsPlainName(string name) =>
        name.Length > 0 && IsNameStart(name[0]) && name.All(IsNamePart) && name != ".";

    private static FormulaToken Backquoted(string text, ref int i)
    {
        int open = i;
        int close = text.IndexOf('`', open + 1);
        if (close < 0)
            throw new GpuHbmFormulaException(text, open, "this backquote is never closed: write a name with other characters as `odd name`");
        if (close == open + 1)
            throw new GpuHbmFormulaException(text, open, "empty backquoted name ``: put the column name between the backquotes");
        i = close + 1;
        return new FormulaToken(FormulaTokenKind.Name, text[(open + 1)..close], open);
    }

    private static bool IsNameStart(char c) => char.IsLetter(c) || c == '.' || c == '_';

    private static bool IsNamePart(char c) => char.IsLetterOrDigit(c) || c == '.' || c == '_';

    private static string Unexpected(char c) => c switch
    {
        '^' => "'^' (powers of terms) is not supported: write interactions with ':' or '*'",
        '%' => "'%in%' and other %-operators are not supported: write nesting as a/b",
        '"' or '\'' => "quoted strings are not allowed in a formula: write column names bare, or in backquotes as `odd name`",
        _ => $"unexpected character '{c}' in the formula",
    };
}
