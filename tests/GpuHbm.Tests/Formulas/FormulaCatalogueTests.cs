using GpuHbm.Formulas;
using Xunit;

namespace GpuHbm.Tests.Formulas;

/// <summary>Formulas from the lme4 and brms documentation, with their expanded AST asserted exactly.</summary>
public class FormulaCatalogueTests
{
    private static FixedTerm T(params string[] variables) => new(variables);
    private static FixedTerm[] Ts(params FixedTerm[] terms) => terms;
    private static readonly FixedTerm[] None = Array.Empty<FixedTerm>();

    private static RandomTerm R(bool intercept, FixedTerm[] terms, string group, bool correlated = true, string? cov = null) =>
        new(intercept, terms, group.Split(':'), correlated, cov);

    private static Formula F(string text, ResponseSpec response, bool intercept, FixedTerm[] fixedTerms, RandomTerm[]? random = null, string[]? offsets = null) =>
        new(text, response, intercept, fixedTerms, random ?? Array.Empty<RandomTerm>(), offsets ?? Array.Empty<string>());

    private static ResponseSpec Y(string column) => new(column);

    /// <summary>Every formula of the catalogue with its expected expansion.</summary>
    public static IEnumerable<Formula> Catalogue()
    {
        // lme4 sleepstudy
        yield return F("Reaction ~ 1 + Days + (1 + Days | Subject)", Y("Reaction"), true, Ts(T("Days")),
            new[] { R(true, Ts(T("Days")), "Subject") });
        yield return F("Reaction ~ Days + (Days || Subject)", Y("Reaction"), true, Ts(T("Days")),
            new[] { R(true, Ts(T("Days")), "Subject", correlated: false) });
        // Minnesota radon
        yield return F("log_radon ~ 1 + floor + (1 + floor || county)", Y("log_radon"), true, Ts(T("floor")),
            new[] { R(true, Ts(T("floor")), "county", correlated: false) });
        // cbpp, binomial with trials and with cbind
        yield return F("incidence | trials(size) ~ period + (1 | herd)", new ResponseSpec("incidence", TrialsColumn: "size"), true,
            Ts(T("period")), new[] { R(true, None, "herd") });
        yield return F("cbind(incidence, healthy) ~ period + (1 | herd)", new ResponseSpec("incidence", FailuresColumn: "healthy"), true,
            Ts(T("period")), new[] { R(true, None, "herd") });
        // eight schools: known standard errors
        yield return F("y | se(sigma) ~ 1 + (1 | school)", new ResponseSpec("y", SeColumn: "sigma"), true, None,
            new[] { R(true, None, "school") });
        // pastes: nested
        yield return F("strength ~ 1 + (1 | batch/cask)", Y("strength"), true, None,
            new[] { R(true, None, "batch"), R(true, None, "batch:cask") });
        // penicillin: crossed
        yield return F("diameter ~ 1 + (1 | plate) + (1 | sample)", Y("diameter"), true, None,
            new[] { R(true, None, "plate"), R(true, None, "sample") });
        // intercept switches
        yield return F("y ~ 0 + x", Y("y"), false, Ts(T("x")));
        yield return F("y ~ x - 1", Y("y"), false, Ts(T("x")));
        yield return F("y ~ -1 + x", Y("y"), false, Ts(T("x")));
        yield return F("y ~ 0 + x + 1", Y("y"), true, Ts(T("x")));
        yield return F("y ~ x - 0", Y("y"), true, Ts(T("x")));
        yield return F("y ~ 1", Y("y"), true, None);
        yield return F("y ~ 0 + (1 | g)", Y("y"), false, None, new[] { R(true, None, "g") });
        // crossing, nesting, interactions and offsets
        yield return F("y ~ a*b + offset(log_t)", Y("y"), true, Ts(T("a"), T("b"), T("a", "b")), offsets: new[] { "log_t" });
        yield return F("y ~ a*b*c", Y("y"), true,
            Ts(T("a"), T("b"), T("c"), T("a", "b"), T("a", "c"), T("b", "c"), T("a", "b", "c")));
        yield return F("y ~ (a + b)*c", Y("y"), true, Ts(T("a"), T("b"), T("c"), T("a", "c"), T("b", "c")));
        yield return F("y ~ a:b + a", Y("y"), true, Ts(T("a"), T("a", "b")));
        yield return F("y ~ b:a + a:b + x + x", Y("y"), true, Ts(T("x"), T("b", "a")));
        yield return F("y ~ a*b - a:b", Y("y"), true, Ts(T("a"), T("b")));
        yield return F("y ~ a/b", Y("y"), true, Ts(T("a"), T("a", "b")));
        yield return F("y ~ x + offset(o1) + offset(`log exposure`)", Y("y"), true, Ts(T("x")), offsets: new[] { "o1", "log exposure" });
        // brms gr() with a known covariance
        yield return F("y ~ 1 + x + (1 | gr(id, cov = K))", Y("y"), true, Ts(T("x")), new[] { R(true, None, "id", cov: "K") });
        yield return F("y ~ (1 | gr(id))", Y("y"), true, None, new[] { R(true, None, "id") });
        // group-level left sides: x implies the intercept, 0 + x does not
        yield return F("y ~ x + (x | g)", Y("y"), true, Ts(T("x")), new[] { R(true, Ts(T("x")), "g") });
        yield return F("y ~ x + (0 + x | g)", Y("y"), true, Ts(T("x")), new[] { R(false, Ts(T("x")), "g") });
        yield return F("y ~ x + (-1 + x || g)", Y("y"), true, Ts(T("x")), new[] { R(false, Ts(T("x")), "g", correlated: false) });
        yield return F("y ~ (1 + x*z || g)", Y("y"), true, None, new[] { R(true, Ts(T("x"), T("z"), T("x", "z")), "g", correlated: false) });
        yield return F("y ~ (1 | a:b)", Y("y"), true, None, new[] { R(true, None, "a:b") });
        yield return F("y ~ (1 | a/b/c)", Y("y"), true, None, new[] { R(true, None, "a"), R(true, None, "a:b"), R(true, None, "a:b:c") });
        yield return F("y ~ (1 | a/b) + (1 | a) + (1 | a:b)", Y("y"), true, None, new[] { R(true, None, "a"), R(true, None, "a:b") });
        yield return F("y ~ (1 | g) + (0 + x | g)", Y("y"), true, None, new[] { R(true, None, "g"), R(false, Ts(T("x")), "g") });
        yield return F("y ~ x + (1 + x | g1) + (1 | g2)", Y("y"), true, Ts(T("x")), new[] { R(true, Ts(T("x")), "g1"), R(true, None, "g2") });
        // names: dots, underscores, backquotes, and no spaces at all
        yield return F("`odd name` ~ `x 1` + x.2 + _z", Y("odd name"), true, Ts(T("x 1"), T("x.2"), T("_z")));
        yield return F("y~x+(1|g)", Y("y"), true, Ts(T("x")), new[] { R(true, None, "g") });
    }

    public static TheoryData<string> CatalogueTexts() => new(Catalogue().Select(f => f.Text));

    private static Formula Expected(string text) => Catalogue().Single(f => f.Text == text);

    [Theory]
    [MemberData(nameof(CatalogueTexts))]
    public void Parses_to_the_expected_expansion(string text)
    {
        var parsed = FormulaParser.Parse(text);
        Assert.Equal(Expected(text), parsed);
        Assert.Equal(text, parsed.Text);
    }

    [Theory]
    [MemberData(nameof(CatalogueTexts))]
    public void Canonical_text_parses_back_to_the_same_structure(string text)
    {
        var parsed = FormulaParser.Parse(text);
        var again = FormulaParser.Parse(parsed.ToString());
        Assert.Equal(parsed with { Text = again.Text }, again);
    }

    [Theory]
    [InlineData("Reaction ~ 1 + Days + (1 + Days | Subject)", "Reaction ~ 1 + Days + (1 + Days | Subject)")]
    [InlineData("Reaction ~ Days + (Days || Subject)", "Reaction ~ 1 + Days + (1 + Days || Subject)")]
    [InlineData("incidence | trials(size) ~ period + (1 | herd)", "incidence | trials(size) ~ 1 + period + (1 | herd)")]
    [InlineData("cbind(incidence, healthy) ~ period + (1 | herd)", "cbind(incidence, healthy) ~ 1 + period + (1 | herd)")]
    [InlineData("y | se(sigma) ~ 1 + (1 | school)", "y | se(sigma) ~ 1 + (1 | school)")]
    [InlineData("strength ~ 1 + (1 | batch/cask)", "strength ~ 1 + (1 | batch) + (1 | batch:cask)")]
    [InlineData("y ~ x - 1", "y ~ 0 + x")]
    [InlineData("y ~ a*b + offset(log_t)", "y ~ 1 + a + b + a:b + offset(log_t)")]
    [InlineData("y ~ 1 + x + (1 | gr(id, cov = K))", "y ~ 1 + x + (1 | gr(id, cov = K))")]
    [InlineData("`odd name` ~ `x 1` + x.2 + _z", "`odd name` ~ 1 + `x 1` + x.2 + _z")]
    public void Renders_the_canonical_expanded_form(string text, string canonical)
    {
        Assert.Equal(canonical, FormulaParser.Parse(text).ToString());
    }

    [Fact]
    public void Used_columns_are_listed_once_in_first_use_order()
    {
        var f = FormulaParser.Parse("s | trials(n) ~ x*z + (1 + z | g/h) + offset(o)");
        Assert.Equal(new[] { "s", "n", "x", "z", "g", "h", "o" }, f.UsedColumns());
    }

    [Fact]
    public void Random_term_group_name_joins_interacted_factors()
    {
        var f = FormulaParser.Parse("strength ~ 1 + (1 | batch/cask)");
        Assert.Equal(new[] { "batch", "batch:cask" }, f.RandomTerms.Select(r => r.GroupName));
    }
}
