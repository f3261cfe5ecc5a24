namespace GpuHbm.Models;

/// <summary>
/// The priors of a compiled model, one per parameter, resolved from the user's
/// <see cref="PriorSpec"/>s (the most specific matching one wins; among equally specific ones the
/// last) and <see cref="DefaultPriors"/>. A user prior that matches nothing is an error naming it and
/// listing the valid targets.
/// </summary>
internal sealed class PriorSet
{
    public required ResolvedPrior[] All { get; init; }
    /// <summary>Per column of X.</summary>
    public required PriorDistribution[] B { get; init; }
    public PriorDistribution? Sigma { get; init; }
    /// <summary>Per random term, per column.</summary>
    public required PriorDistribution[][] Sd { get; init; }
    /// <summary>Per random term: LKJ eta (NaN when the term has no correlation matrix) and log constant.</summary>
    public required double[] CorEta { get; init; }
    public required double[] CorLogConstant { get; init; }

    public static PriorSet Resolve(IReadOnlyList<PriorSpec> user, DefaultPriors defaults, DesignColumns x,
        bool hasSigma, IReadOnlyList<RandomEffectsTerm> terms)
    {
        var targets = new List<(PriorClass Class, string? Group, string? Coef, Func<PriorDistribution> Default)>();
        int p = x.Count;
        for (int j = 0; j < p; j++)
        {
            if (x.Names[j] == "Intercept") { targets.Add((PriorClass.Intercept, null, null, () => defaults.Intercept)); continue; }
            int col = j;
            targets.Add((PriorClass.B, null, x.Names[j], () =>
            {
                var v = new double[x.Rows];
                for (int i = 0; i < x.Rows; i++) v[i] = x.Values[i * p + col];
                return defaults.B(v);
            }));
        }
        foreach (var t in terms)
            foreach (var c in t.ColumnNames) targets.Add((PriorClass.Sd, t.GroupName, c, () => defaults.Scale));
        foreach (var t in terms)
            if (t.Correlated) targets.Add((PriorClass.Cor, t.GroupName, null, () => defaults.Cor));
        if (hasSigma) targets.Add((PriorClass.Sigma, null, null, () => defaults.Scale));

        foreach (var u in user)
            if (!targets.Any(t => Matches(u, t.Class, t.Group, t.Coef)))
                throw new GpuHbmModelException(NoMatch(u, targets.Select(t => (t.Class, t.Group, t.Coef)).ToList()));

        var all = new List<ResolvedPrior>();
        foreach (var t in targets)
        {
            PriorSpec? best = null;
            foreach (var u in user)
                if (Matches(u, t.Class, t.Group, t.Coef) && (best is null || u.Specificity >= best.Specificity)) best = u;
            all.Add(best is null
                ? new ResolvedPrior(t.Class, t.Group, t.Coef, t.Default(), true)
                : new ResolvedPrior(t.Class, t.Group, t.Coef, best.Distribution, false));
        }

        int n = 0;
        var b = new PriorDistribution[p];
        for (int j = 0; j < p; j++) b[j] = all[n++].Distribution;
        var sd = new PriorDistribution[terms.Count][];
        for (int t = 0; t < terms.Count; t++)
        {
            sd[t] = new PriorDistribution[terms[t].K];
            for (int k = 0; k < terms[t].K; k++) sd[t][k] = all[n++].Distribution;
        }
        var eta = new double[terms.Count];
        var logC = new double[terms.Count];
        for (int t = 0; t < terms.Count; t++)
        {
            eta[t] = double.NaN;
            if (!terms[t].Correlated) continue;
            eta[t] = all[n++].Distribution.LkjEta;
            logC[t] = LkjCorrCholesky.LogNormalizingConstant(terms[t].K, eta[t]);
        }
        PriorDistribution? sigma = hasSigma ? all[n++].Distribution : null;
        return new PriorSet { All = all.ToArray(), B = b, Sigma = sigma, Sd = sd, CorEta = eta, CorLogConstant = logC };
    }

    private static bool Matches(PriorSpec u, PriorClass cls, string? group, string? coef) =>
        u.Class == cls && (u.Group is null || u.Group == group) && (u.Coef is null || u.Coef == coef);

    private static string NoMatch(PriorSpec u, List<(PriorClass Class, string? Group, string? Coef)> targets)
    {
        string cls = PriorSpec.ClassName(u.Class);
        var sameClass = targets.Where(t => t.Class == u.Class).ToList();
        if (sameClass.Count == 0)
        {
            string why = u.Class switch
            {
                PriorClass.Intercept => "the model has no intercept",
                PriorClass.B => "the model has no population-level coefficients besides the intercept",
                PriorClass.Sd => "the model has no group-level terms",
                PriorClass.Cor => "the model has no correlated group-level terms (with two or more effects and a single '|')",
                _ => "the family has no sigma (it is not gaussian, or the standard errors are known through se())",
            };
            return $"prior '{u}' does not apply: {why}; valid prior targets are: {string.Join(", ", ValidTargets(targets))}";
        }
        string what = u.Group is not null && !sameClass.Any(t => t.Group == u.Group)
            ? $"group '{u.Group}'"
            : $"coefficient '{u.Coef}'" + (u.Group is null ? "" : $" in group '{u.Group}'");
        return $"prior '{u}' names {what}, which is not in the model; valid targets for {cls} are: {string.Join(", ", ValidTargets(sameClass))}";
    }

    private static IEnumerable<string> ValidTargets(List<(PriorClass Class, string? Group, string? Coef)> targets)
    {
        var result = new List<string>();
        void Add(string s) { if (!result.Contains(s)) result.Add(s); }
        foreach (var t in targets)
        {
            string cls = PriorSpec.ClassName(t.Class);
            switch (t.Class)
            {
                case PriorClass.B: Add("b"); Add($"b[{t.Coef}]"); break;
                case PriorClass.Sd: Add("sd"); Add($"sd[{t.Group}]"); Add($"sd[{t.Group}, {t.Coef}]"); break;
                case PriorClass.Cor: Add("cor"); Add($"cor[{t.Group}]"); break;
                default: Add(cls); break;
            }
        }
        return result;
    }
}
