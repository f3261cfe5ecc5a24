using System.Globalization;
using GpuHbm.Kernels;

namespace GpuHbm.Models;

/// <summary>brms's parameter classes a prior can target.</summary>
public enum PriorClass { Intercept, B, Sd, Sigma, Cor }

/// <summary>
/// A user prior such as <c>sd[county] ~ exponential(1)</c>: a class (Intercept, b, sd, sigma,
/// cor), optionally narrowed to a group and/or coefficient, and a distribution.
/// </summary>
/// <remarks>
/// Syntax: <c>Intercept ~ D</c>, <c>sigma ~ D</c>, <c>b ~ D</c>, <c>b[coef] ~ D</c>, <c>sd ~ D</c>,
/// <c>sd[group] ~ D</c>, <c>sd[group, coef] ~ D</c>, <c>cor ~ lkj(eta)</c>, <c>cor[group] ~ lkj(eta)</c>,
/// where D is <c>normal(mu, sigma)</c>, <c>student_t(nu, mu, sigma)</c>, <c>cauchy(mu, sigma)</c>,
/// <c>exponential(rate)</c> (sd and sigma only), <c>flat</c> (Intercept and b only) or <c>lkj(eta)</c>
/// (cor only). On sd and sigma the distribution is truncated at 0 (a half distribution), as in brms.
/// <c>b[Intercept]</c> is the same as <c>Intercept</c>. More specific priors override less specific ones.
/// </remarks>
public sealed class PriorSpec
{
    public PriorClass Class { get; }

    /// <summary>The grouping (sd, cor), e.g. "county" or "a:b"; null for all groups.</summary>
    public string? Group { get; }

    /// <summary>The coefficient (b, sd), e.g. "Days" or "period2"; null for all.</summary>
    public string? Coef { get; }

    public PriorDistribution Distribution { get; }

    public PriorSpec(PriorClass @class, PriorDistribution distribution, string? group = null, string? coef = null)
    {
        ArgumentNullException.ThrowIfNull(distribution);
        if (@class == PriorClass.B && coef == "Intercept") { @class = PriorClass.Intercept; coef = null; }
        if (group is not null && @class is not (PriorClass.Sd or PriorClass.Cor))
            throw new GpuHbmModelException($"a prior on {ClassName(@class)} cannot name a group ('{group}'); only sd and cor can");
        if (coef is not null && @class is not (PriorClass.B or PriorClass.Sd))
            throw new GpuHbmModelException($"a prior on {ClassName(@class)} cannot name a coefficient ('{coef}'); only b and sd can");
        if (coef is not null && @class == PriorClass.Sd && group is null)
            throw new GpuHbmModelException($"a prior on sd for coefficient '{coef}' must also name its group: sd[group, {coef}]");
        var kind = distribution.Kind;
        bool ok = @class switch
        {
            PriorClass.Cor => kind == PriorDistributionKind.Lkj,
            PriorClass.Intercept or PriorClass.B => distribution.IsUnbounded,
            _ => kind is not (PriorDistributionKind.Lkj or PriorDistributionKind.Flat),
        };
        if (!ok)
        {
            string allowed = @class switch
            {
                PriorClass.Cor => "lkj(eta)",
                PriorClass.Intercept or PriorClass.B => "normal, student_t, cauchy or flat",
                _ => "normal, student_t, cauchy or exponential (truncated at 0)",
            };
            throw new GpuHbmModelException($"{PriorDistribution.Name(kind)} is not a valid prior for {ClassName(@class)}; use {allowed}");
        }
        Class = @class;
        Group = group;
        Coef = coef;
        Distribution = distribution;
    }

    /// <summary>brms's name of a class: "Intercept", "b", "sd", "sigma", "cor".</summary>
    public static string ClassName(PriorClass c) => c switch
    {
        PriorClass.Intercept => "Intercept",
        PriorClass.B => "b",
        PriorClass.Sd => "sd",
        PriorClass.Sigma => "sigma",
        _ => "cor",
    };

    /// <summary>How specific the target is (more specific wins): 0 class, 1 group or coef, 2 both.</summary>
    internal int Specificity => (Group is null ? 0 : 1) + (Coef is null ? 0 : 1);

    /// <summary>The target as written before <c>~</c>, e.g. <c>sd[county, floor]</c>.</summary>
    public string Target => (Group, Coef) switch
    {
        (null, null) => ClassName(Class),
        (null, { } c) => $"{ClassName(Class)}[{c}]",
        ({ } g, null) => $"{ClassName(Class)}[{g}]",
        ({ } g, { } c) => $"{ClassName(Class)}[{g}, {c}]",
    };

    /// <summary>The prior as text that <see cref="Parse"/> reads back.</summary>
    public override string ToString() => $"{Target} ~ {Distribution}";

    /// <summary>
    /// Parses a prior such as <c>b[Days] ~ student_t(3, 0, 10)</c>. Errors point at the character at fault.
    /// </summary>
    public static PriorSpec Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int tilde = text.IndexOf('~');
        if (tilde < 0) throw Error(text, text.Length, "a prior needs '~' between the parameter class and the distribution, e.g. 'sd ~ normal(0, 1)'");

        // Left side: class [ '[' a (',' b)? ']' ]
        string left = text[..tilde];
        int open = left.IndexOf('[');
        string className = (open < 0 ? left : left[..open]).Trim();
        PriorClass cls = className switch
        {
            "Intercept" => PriorClass.Intercept,
            "b" => PriorClass.B,
            "sd" => PriorClass.Sd,
            "sigma" => PriorClass.Sigma,
            "cor" => PriorClass.Cor,
            _ => throw Error(text, SkipSpace(text, 0), $"unknown parameter class '{className}'; valid classes are Intercept, b, sd, sigma, cor"),
        };
        string? group = null, coef = null;
        if (open >= 0)
        {
            int close = left.IndexOf(']', open);
            if (close < 0) throw Error(text, tilde, "missing ']' before '~'");
            if (left[(close + 1)..].Trim().Length > 0) throw Error(text, close + 1 + SkipSpace(left[(close + 1)..], 0), "unexpected text after ']'");
            var args = left[(open + 1)..close].Split(',').Select(s => s.Trim()).ToArray();
            if (args.Any(a => a.Length == 0)) throw Error(text, open + 1, "empty name inside [ ]");
            switch (cls)
            {
                case PriorClass.B when args.Length == 1: coef = args[0]; break;
                case PriorClass.Sd when args.Length is 1 or 2: group = args[0]; coef = args.Length == 2 ? args[1] : null; break;
                case PriorClass.Cor when args.Length == 1: group = args[0]; break;
                default:
                    throw Error(text, open, cls switch
                    {
                        PriorClass.B => "b takes one name in brackets: b[coef]",
                        PriorClass.Sd => "sd takes sd[group] or sd[group, coef]",
                        PriorClass.Cor => "cor takes one name in brackets: cor[group]",
                        _ => $"{className} takes no brackets",
                    });
            }
        }

        // Right side: name [ '(' number (',' number)* ')' ]
        int pos = SkipSpace(text, tilde + 1);
        int nameStart = pos;
        while (pos < text.Length && (char.IsLetterOrDigit(text[pos]) || text[pos] == '_')) pos++;
        string dist = text[nameStart..pos];
        PriorDistributionKind kind = dist switch
        {
            "normal" => PriorDistributionKind.Normal,
            "student_t" => PriorDistributionKind.StudentT,
            "cauchy" => PriorDistributionKind.Cauchy,
            "exponential" => PriorDistributionKind.Exponential,
            "lkj" or "lkj_corr_cholesky" or "lkj_corr" => PriorDistributionKind.Lkj,
            "flat" => PriorDistributionKind.Flat,
            _ => throw Error(text, nameStart, dist.Length == 0
                ? "missing distribution after '~'"
                : $"unknown distribution '{dist}'; supported: normal, student_t, cauchy, exponential, lkj, flat"),
        };
        var values = new List<double>();
        pos = SkipSpace(text, pos);
        if (pos < text.Length && text[pos] == '(')
        {
            int close = text.IndexOf(')', pos);
            if (close < 0) throw Error(text, text.Length, "missing ')'");
            string inner = text[(pos + 1)..close];
            if (inner.Trim().Length > 0)
            {
                int at = pos + 1;
                foreach (var part in inner.Split(','))
                {
                    if (!double.TryParse(part.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
                        throw Error(text, at + SkipSpace(part, 0), $"'{part.Trim()}' is not a number");
                    values.Add(v);
                    at += part.Length + 1;
                }
            }
            pos = SkipSpace(text, close + 1);
        }
        else if (kind != PriorDistributionKind.Flat)
            throw Error(text, pos, $"{dist} needs its arguments in parentheses: {dist}({PriorDistribution.ArgumentNames(kind)})");
        if (pos < text.Length) throw Error(text, pos, "unexpected text after the distribution");

        try
        {
            return new PriorSpec(cls, new PriorDistribution(kind, values.ToArray()), group, coef);
        }
        catch (GpuHbmModelException e)
        {
            throw new GpuHbmModelException($"in prior '{text.Trim()}': {e.Message}");
        }
    }

    private static int SkipSpace(string s, int i)
    {
        while (i < s.Length && char.IsWhiteSpace(s[i])) i++;
        return i;
    }

    private static GpuHbmModelException Error(string text, int position, string message) =>
        new($"{message}\n  {text}\n  {new string(' ', Math.Max(0, position))}^");
}
