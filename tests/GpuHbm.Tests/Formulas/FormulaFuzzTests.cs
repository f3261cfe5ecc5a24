using GpuHbm.Formulas;
using Xunit;

namespace GpuHbm.Tests.Formulas;

/// <summary>
/// Random token soups: whatever the text, the parser either succeeds, with a canonical form
/// that parses back to the same structure, or throws a GpuHbmFormulaException pointing inside
/// the text; never another exception.
/// </summary>
public class FormulaFuzzTests
{
    private static readonly string[] Pieces =
    {
        "y", "x", "z", "g", "h", "`a b`", "0", "1", "2", "~", "~", "+", "+", "-", "*", ":", "/", "|", "||",
        "(", "(", ")", ")", ",", "=", "offset(", "gr(", "cov", "cbind(", "trials(", "se(", "log(", " ",
    };

    [Fact]
    public void Any_text_parses_or_fails_with_a_positioned_formula_error()
    {
        var random = new Random(20240611);
        int parsed = 0;
        for (int n = 0; n < 20_000; n++)
        {
            // Half start from a valid prefix so that the right-hand side gets exercised too.
            var text = (n % 2 == 0 ? "y ~ " : "") + string.Concat(Enumerable.Range(0, random.Next(1, 12)).Select(_ => Pieces[random.Next(Pieces.Length)] + " "));
            try
            {
                var f = FormulaParser.Parse(text);
                parsed++;
                var again = FormulaParser.Parse(f.ToString());
                Assert.Equal(f with { Text = again.Text }, again);
            }
            catch (GpuHbmFormulaException e)
            {
                Assert.InRange(e.Position, 0, text.Length);
                Assert.Equal(text, e.Formula);
            }
        }
        Assert.True(parsed > 100, $"only {parsed} random formulas parsed; the generator no longer exercises success");
    }
}
