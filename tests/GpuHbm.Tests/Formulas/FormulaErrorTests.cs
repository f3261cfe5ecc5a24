using GpuHbm.Formulas;
using Xunit;

namespace GpuHbm.Tests.Formulas;

/// <summary>
/// Each bad formula is written above a caret line marking the character the error must point
/// at, so that the expected Position can be read off the test itself.
/// </summary>
public class FormulaErrorTests
{
    private static void AssertError(string text, string caret, string message)
    {
        var e = Assert.Throws<GpuHbmFormulaException>(() => FormulaParser.Parse(text));
        Assert.Equal(message, e.Message.Split('\n')[0]);
        Assert.Equal(caret.IndexOf('^'), e.Position);
        Assert.Equal(text, e.Formula);
    }

    [Theory]
    [InlineData("y + x",
                "  ^", "expected '~' after the response, found '+': a formula reads response ~ terms")]
    [InlineData("y",
                " ^", "expected '~' after the response, found the end of the formula: a formula reads response ~ terms")]
    [InlineData("y x ~ z",
                "  ^", "expected '~' after the response, found 'x'")]
    [InlineData("~ x",
                "^", "expected a response column before '~': one-sided formulas are not supported")]
    [InlineData("y ~",
                "   ^", "expected terms after '~', such as 1 or 1 + x")]
    [InlineData("  ",
                "^", "the formula is empty: write it as response ~ terms, such as y ~ 1 + x")]
    [InlineData("y ~ 1 + x ~ z",
                "          ^", "a formula has only one '~'")]
    public void Tilde_errors(string text, string caret, string message) => AssertError(text, caret, message);

    [Theory]
    [InlineData("y ~ x +",
                "      ^", "nothing follows this '+': remove it or add a term after it")]
    [InlineData("y ~ x + + z",
                "        ^", "expected a term (a column, 0, 1, offset(col) or (1 | g)), found '+'")]
    [InlineData("y ~ x + (1 + | g)",
                "           ^", "nothing follows this '+': remove it or add a term after it")]
    [InlineData("y ~ x z",
                "      ^", "expected '+', '-' or the end of the formula, found 'z'")]
    [InlineData("y ~ * x",
                "    ^", "expected a term (a column, 0, 1, offset(col) or (1 | g)), found '*'")]
    [InlineData("y ~ 2 + x",
                "    ^", "'2' cannot be a term: the only numbers allowed are 0 and 1, which switch the intercept off or on")]
    [InlineData("y ~ 1:x",
                "     ^", "':' cannot combine '1': 0 and 1 only switch the intercept off or on")]
    [InlineData("y ~ x + .",
                "        ^", "'.' (all other columns) is not supported: name the columns")]
    [InlineData("y ~ (0 + x) * z",
                "     ^", "0 and 1 can be terms of the formula or of a group-level term, not inside other parentheses")]
    public void Term_errors(string text, string caret, string message) => AssertError(text, caret, message);

    [Theory]
    [InlineData("y ~ (1 | g",
                "    ^", "unbalanced parentheses: this '(' is never closed")]
    [InlineData("y ~ x + ((a + b",
                "         ^", "unbalanced parentheses: this '(' is never closed")]
    [InlineData("y ~ x + (",
                "        ^", "unbalanced parentheses: this '(' is never closed")]
    [InlineData("y ~ x)",
                "     ^", "unbalanced parentheses: this ')' has no matching '('")]
    [InlineData("y ~ (1 | g))",
                "           ^", "unbalanced parentheses: this ')' has no matching '('")]
    [InlineData("y ~ ()",
                "     ^", "expected a term (a column, 0, 1, offset(col) or (1 | g)), found ')'")]
    public void Parenthesis_errors(string text, string caret, string message) => AssertError(text, caret, message);

    [Theory]
    [InlineData("y ~ x | g",
                "      ^", "'|' can only appear inside parentheses, in a group-level term such as (1 | g)")]
    [InlineData("y ~ x + || g",
                "        ^", "'||' can only appear inside parentheses, in a group-level term such as (1 || g)")]
    [InlineData("y ~ (1 | )",
                "         ^", "expected a grouping factor after '|', such as (1 | g), found ')'")]
    [InlineData("y ~ (1 || 2)",
                "          ^", "expected a grouping factor after '||', such as (1 || g), found '2'")]
    [InlineData("y ~ ( | g)",
                "      ^", "expected the terms of a group-level term before '|', such as (1 | g) or (1 + x | g)")]
    [InlineData("y ~ (0 | g)",
                "     ^", "this group-level term has neither an intercept nor a variable: write (1 | g), (1 + x | g) or (0 + x | g)")]
    [InlineData("y ~ (1 | a + b)",
                "           ^", "expected ')' to match an earlier '(', found '+': a group-level term has one grouping factor, such as g, a:b, a/b or gr(g, cov = K)")]
    [InlineData("y ~ (1 | p | g)",
                "           ^", "expected ')' to match an earlier '(', found '|': a group-level term has one '|' (brms's (1 | ID | g) is not supported)")]
    [InlineData("y ~ (1 | g) * x",
                "            ^", "'*' cannot combine a group-level term (... | g): add it with '+'")]
    [InlineData("y ~ x:(1 | g)",
                "     ^", "':' cannot combine a group-level term (... | g): add it with '+'")]
    [InlineData("y ~ x - (1 | g)",
                "      ^", "a group-level term cannot be removed with '-': leave it out of the formula instead")]
    [InlineData("y ~ (1 + (1 | h) | g)",
                "         ^", "a group-level term cannot contain another group-level term")]
    [InlineData("y ~ (1 + offset(o) | g)",
                "         ^", "offset() cannot be inside a group-level term: add it to the formula with '+'")]
    [InlineData("y ~ (1 | a:a)",
                "           ^", "'a' appears twice in this grouping factor")]
    public void Group_level_term_errors(string text, string caret, string message) => AssertError(text, caret, message);

    [Theory]
    [InlineData("y ~ log(x)",
                "    ^", "unknown function 'log': " + FormulaParser.SupportedFunctions + "; compute transformed columns in the data first")]
    [InlineData("y ~ x + poly(x, 2)",
                "        ^", "unknown function 'poly': " + FormulaParser.SupportedFunctions + "; compute transformed columns in the data first")]
    [InlineData("y ~ x + (1 | factor(g))",
                "             ^", "unknown function 'factor' as a grouping factor: the supported one is gr(g, cov = K)")]
    [InlineData("y ~ x + gr(id)",
                "        ^", "gr() can only be the grouping factor of a group-level term, as in (1 | gr(id, cov = K))")]
    [InlineData("y ~ x + (1 | gr(id, by = z))",
                "                    ^", "gr() supports only the cov argument, found 'by'")]
    [InlineData("y ~ x + (1 | gr(id, K))",
                "                     ^", "expected '=' after 'K': write gr(id, cov = K)")]
    [InlineData("y ~ x + (1 | gr(id)/h)",
                "                   ^", "gr() cannot be combined with '/': nest or interact plain columns, as a/b or a:b")]
    [InlineData("y ~ x + offset(log(t))",
                "               ^", "offset() takes column names, not expressions such as 'log(t)': compute it as a column of the data first")]
    [InlineData("y ~ x + offset(a + b)",
                "                 ^", "offset() takes column names, not expressions such as 'a + b': compute it as a column of the data first")]
    [InlineData("y ~ x - offset(o)",
                "      ^", "an offset cannot be removed with '-': leave it out of the formula instead")]
    [InlineData("y ~ x + trials(n)",
                "        ^", "trials() belongs to the response, left of '~'")]
    public void Function_errors(string text, string caret, string message) => AssertError(text, caret, message);

    [Theory]
    [InlineData("cbind(incidence, size - incidence) ~ period + (1 | herd)",
                "                      ^", "cbind() takes column names, not expressions such as 'size - incidence': compute it as a column of the data first")]
    [InlineData("cbind(incidence) ~ period",
                "               ^", "expected ',' and the failures column in cbind(s, f), found ')'")]
    [InlineData("cbind(a, b, c) ~ x",
                "          ^", "cbind() takes exactly two columns: successes and failures")]
    [InlineData("log(y) ~ x",
                "^", "unknown function 'log' in the response: the response is a column y, cbind(s, f), s | trials(n) or y | se(s); compute transformed responses in the data first")]
    [InlineData("y | weights(w) ~ x",
                "    ^", "unsupported addition term 'weights()': the supported ones are trials(n) and se(s)")]
    [InlineData("y | se(s, sigma = TRUE) ~ 1",
                "        ^", "se(s, sigma = TRUE) and other extra arguments are not supported")]
    [InlineData("s | trials(10) ~ x",
                "           ^", "trials() takes column names, not expressions such as '10': compute it as a column of the data first")]
    [InlineData("s | trials(n) + se(e) ~ x",
                "              ^", "only one addition term is supported after '|'")]
    [InlineData("y | n ~ x",
                "    ^", "expected an addition term after '|', such as trials(n) or se(s), found 'n'")]
    [InlineData("y || se(s) ~ x",
                "  ^", "expected '|' before an addition term such as trials(n) or se(s), found '||'")]
    public void Response_errors(string text, string caret, string message) => AssertError(text, caret, message);

    [Fact]
    public void Message_shows_the_formula_with_a_caret_under_the_fault()
    {
        var e = Assert.Throws<GpuHbmFormulaException>(() => FormulaParser.Parse("y ~ x + (1 | g"));
        Assert.Equal(
            "unbalanced parentheses: this '(' is never closed\n" +
            "  y ~ x + (1 | g\n" +
            "          ^", e.Message);
    }
}
