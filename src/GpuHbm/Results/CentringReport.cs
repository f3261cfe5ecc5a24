using System.Globalization;
using GpuHbm.Kernels;
using GpuHbm.Models;
using GpuHbm.Sampling;

namespace GpuHbm.Results;

/// <summary>
/// How one group-level term was parameterised in a fit (automatic centring, <see cref="FitOptions.AutomaticCentring"/>).
/// </summary>
/// <param name="Term">The term as written in the formula, e.g. <c>(1 | f)</c>.</param>
/// <param name="Effects">Its effects: levels × columns.</param>
/// <param name="CentredPerChain">Per chain, the effects with a centring weight λ above 0 (all 0 when not applied).</param>
/// <param name="MeanWeightPerChain">Per chain, the mean λ over its centred effects (0 when none).</param>
/// <param name="Reason">Why the term stayed non-centred in every chain without automatic centring being tried on it (a
/// correlated or relationship term, --centring none, ChEES, a device backend, a short warm-up); null when automatic
/// centring ran on it (whatever it chose).</param>
/// <param name="InterceptChains">Chains whose intercept this term's effects held (hierarchical centring,
/// <see cref="CentredChainDensity.AbsorbingTerm"/>).</param>
public sealed record TermCentring(string Term, int Effects, int[] CentredPerChain, double[] MeanWeightPerChain, string? Reason, int InterceptChains = 0)
{
    /// <summary>True when some chain centred some of the term's effects.</summary>
    public bool Centred => CentredPerChain.Any(n => n > 0);

    /// <summary>One phrase: "(1 | f): 5 of 5 effects centred per chain (mean λ 0.97)", "(1 | g): non-centred (correlated term)".</summary>
    public string Describe()
    {
        if (Reason is not null) return $"{Term}: non-centred ({Reason})";
        if (!Centred) return $"{Term}: non-centred (no effect informed enough by the data)";
        int low = CentredPerChain.Min(), high = CentredPerChain.Max();
        var weights = MeanWeightPerChain.Where((_, c) => CentredPerChain[c] > 0).ToArray();
        string count = low == high ? $"{low}" : $"{low}–{high}";
        string intercept = InterceptChains == 0 ? ""
            : InterceptChains == CentredPerChain.Length ? ", the intercept centred into it" : $", the intercept centred into it in {InterceptChains} of {CentredPerChain.Length} chains";
        return string.Create(CultureInfo.InvariantCulture, $"{Term}: {count} of {Effects} effects centred per chain (mean λ {weights.Average():F2}){intercept}");
    }
}

/// <summary>
/// Which group-level terms of a fit were centred and how (<see cref="Centring"/>, chosen per chain in NUTS warm-up), and
/// why the others were not: what fit.json's <c>centring</c> and the printed summary's <c>centring:</c> line report.
/// </summary>
public static class CentringReport
{
    /// <summary>One entry per group-level term of <paramref name="fit"/>'s model (empty for models without terms or the FaST-LMM path).</summary>
    public static IReadOnlyList<TermCentring> Describe(Fit fit)
    {
        ArgumentNullException.ThrowIfNull(fit);
        if (fit.Model is not CompiledModel model) return [];
        var o = fit.Settings.Options;
        // fit.json written before per-chain automatic_centring existed carries the weights only.
        bool tried = fit.Adaptation.Any(a => a.AutomaticCentring || a.Centring is not null);
        string? notTried = tried ? null
            : !o.AutomaticCentring ? "--centring none"
            : o.IsChees ? "ChEES does not centre"
            : fit.Settings.Backend is { } b && !string.Equals(b.Name, "cpu", StringComparison.OrdinalIgnoreCase) ? $"the {b.Name} backend does not centre"
            : o.ResolvedWarmup < CentredChainDensity.MinimumWarmup ? $"a warm-up under {CentredChainDensity.MinimumWarmup} iterations"
            : "not applied";
        var result = new List<TermCentring>();
        for (int t = 0; t < model.RandomTerms.Count; t++)
        {
            var term = model.RandomTerms[t];
            var block = model.Layout.Blocks.First(x => x.Term == t && x.Transform == ParameterTransform.NonCentered);
            string? reason = term.Kind switch
            {
                RandomTermKind.Relationship => "relationship-matrix term",
                RandomTermKind.Correlated => "correlated term",
                _ => notTried,
            };
            var centred = new int[fit.Adaptation.Count];
            var mean = new double[fit.Adaptation.Count];
            for (int c = 0; c < centred.Length; c++)
            {
                if (fit.Adaptation[c].Centring is not { } weights) continue;
                var own = weights.AsSpan(block.Offset, block.Length).ToArray().Where(l => l > 0).ToArray();
                centred[c] = own.Length;
                mean[c] = own.Length == 0 ? 0 : own.Average();
            }
            int intercept = fit.Adaptation.Count(a => a.InterceptTermOffset == block.Offset);
            result.Add(new TermCentring(term.Term.ToString(), block.Length, centred, mean, reason, intercept));
        }
        return result;
    }

    /// <summary>The summary's line, "centring: …; …", or null when the model has no group-level term.</summary>
    public static string? ToText(IReadOnlyList<TermCentring> terms) =>
        terms.Count == 0 ? null : "centring: " + string.Join("; ", terms.Select(t => t.Describe()));
}
