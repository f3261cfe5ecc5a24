using GpuHbm.Formulas;
using Xunit;
using K = GpuHbm.Formulas.FormulaTokenKind;

namespace GpuHbm.Tests.Formulas;

public class FormulaTokenizerTests
{
    [Fact]
    public void Splits_a_formula_into_tokens_with_positions()
    {
        Assert.Equal(new[]
        {
            new FormulaToken(K.Name, "y", 0), new FormulaToken(K.Bar, "|", 1), new FormulaToken(K.Name, "se", 2),
            new FormulaToken(K.LeftParen, "(", 4), new FormulaToken(K.Name, "s", 5), new FormulaToken(K.RightParen, ")", 6),
            new FormulaToken(K.Tilde, "~", 7), new FormulaToken(K.Number, "0", 8), new FormulaToken(K.Plus, "+", 9),
            new FormulaToken(K.Name, "a", 10), new FormulaToken(K.Star, "*", 11), new FormulaToken(K.Name, "b", 12),
            new FormulaToken(K.Colon, ":", 13), new FormulaToken(K.Name, "c", 14), new FormulaToken(K.Minus, "-", 15),
            new FormulaToken(K.Number, "1", 16), new FormulaToken(K.Plus, "+", 17), new FormulaToken(K.LeftParen, "(", 18),
            new FormulaToken(K.Name, "x.1", 19), new FormulaToken(K.DoubleBar, "||", 22), new FormulaToken(K.Name, "my g", 24),
            new FormulaToken(K.Slash, "/", 30), new FormulaToken(K.Name, "h", 31), new FormulaToken(K.RightParen, ")", 32),
            new FormulaToken(K.End, "", 33),
        }, FormulaTokenizer.Tokenize("y|se(s)~0+a*b:c-1+(x.1||`my g`/h)"));
    }

    [Fact]
    public void Gr_arguments_tokenize_with_comma_and_equals()
    {
        Assert.Equal(new[] { K.Name, K.LeftParen, K.Name, K.Comma, K.Name, K.Equals, K.Name, K.RightParen, K.End },
            FormulaTokenizer.Tokenize("gr(id, cov = K)").Select(t => t.Kind));
    }

    [Theory]
    [InlineData("y ~ x^2", 5, "'^' (powers of terms) is not supported: write interactions with ':' or '*'")]
    [InlineData("y ~ 2x", 4, "'2x' is neither a number nor a name: names start with a letter, '.' or '_'; write other names in backquotes, as `2x`")]
    [InlineData("y ~ `x", 4, "this backquote is never closed: write a name with other characters as `odd name`")]
    [InlineData("y ~ `` + x", 4, "empty backquoted name ``: put the column name between the backquotes")]
    [InlineData("y ~ x $ z", 6, "unexpected character '$' in the formula")]
    [InlineData("y ~ x %in% g", 6, "'%in%' and other %-operators are not supported: write nesting as a/b")]
    [InlineData("y ~ \"x\"", 4, "quoted strings are not allowed in a formula: write column names bare, or in backquotes as `odd name`")]
    public void Bad_characters_are_errors_at_their_position(string text, int position, string message)
    {
        var e = Assert.Throws<GpuHbmFormulaException>(() => FormulaTokenizer.Tokenize(text));
        Assert.Equal(position, e.Position);
        Assert.Equal(message, e.Message.Split('\n')[0]);
    }

    [Theory]
    [InlineData("x", true)]
    [InlineData("log_radon", true)]
    [InlineData(".x1", true)]
    [InlineData("x 1", false)]
    [InlineData("2x", false)]
    [InlineData(".", false)]
    [InlineData("a-b", false)]
    public void Knows_which_names_need_backquotes(string name, bool plain)
    {
        Assert.Equal(plain, FormulaTokenizer.IsPlainName(name));
    }
}
