using GpuHbm.Models;
using GpuHbm.Results;

namespace GpuHbm.Estimands;

/// <summary>
/// One level of a grouping factor: its rows, the raw (no-pooling) estimate of its coefficient, the
/// partially pooled posterior (<see cref="Pooled"/>) and the shrinkage factor: the fraction of the
/// raw deviation from the population mean that partial pooling removes (0: none, 1: all).
/// <see cref="Raw"/> is NaN when the level's own data give no finite estimate (all 0 or all 1 in a
/// logistic model, fewer rows than effects, a constant slope covariate).
/// </summary>
public sealed record GroupShrinkage(string Level, int Size, double Raw, QuantitySummary Pooled, double Shrinkage);

/// <summary>
/// Shrinkage of one coefficient of one group-level term: per level, <see cref="GroupShrinkage"/>, on
/// the coefficient's scale (b_&lt;col&gt; + r_&lt;group&gt;[level,&lt;col&gt;] when the column is also a
/// population-level one, else the deviation r alone); <see cref="PopulationMean"/> is the posterior
/// mean of b_&lt;col&gt; (0 when there is none): what the levels are pulled toward.
/// </summary>
public sealed record ShrinkageTable(string Group, string Column, string Term, double PopulationMean, IReadOnlyList<GroupShrinkage> Groups)
{
    /// <summary>Levels without a finite raw estimate.</summary>
    public int NotEstimable => Groups.Count(g => double.IsNaN(g.Raw));

    /// <summary>"r_Subject[.,Days] + b_Days" or "r_g[.,x]": what <see cref="GroupShrinkage.Pooled"/> is.</summary>
    public string Quantity => HasFixed ? $"b_{Column} + r_{Group}[.,{Column}]" : $"r_{Group}[.,{Column}]";

    internal bool HasFixed { get; init; }
}

/// <summary>Options of <see cref="Shrinkage.Compute"/>.</summary>
public sealed record ShrinkageOptions
{
    /// <summary>Only the terms of this grouping (e.g. "county"); null: every ordinary group-level term.</summary>
    public string? Group { get; init; }

    /// <summary>Probability of the pooled estimates' intervals (default 0.9).</summary>
    public double Level { get; init; } = 0.9;
}

/// <summary>
/// Raw against partially pooled group estimates (Gelman and Hill 2007, ch. 12; Efron and Morris 1975).
/// </summary>
/// <remarks>
/// <para><b>Raw (no-pooling) estimate</b> of level j of term t: the maximum-likelihood estimate of the
/// level's own effects r_j from its rows alone, with everything else in the linear predictor held at
/// its posterior mean (fixed effects, offsets, the other terms' effects): least squares of
/// y − η₋ₜ on the term's columns Z (gaussian; weighted by 1/se² with known se), or Newton's method for
/// the logit/log likelihood with offset η₋ₜ. Reported on the coefficient's scale (plus the posterior
/// mean of b_col when the column is a population-level one).</para>
/// <para><b>Shrinkage factor</b>: with H_j = Σ_i w_i z_i z_iᵀ the information of level j's effects
/// (w_i the GLM working weight at the posterior-mean fit: 1/sigma², trials·μ(1−μ) or μ) and Σ the
/// term's covariance, the conditional posterior mean of r_j is (Σ⁻¹ + H_j)⁻¹H_j r̂_j, so the share of
/// the raw deviation removed is S_j = (I + ΣH_j)⁻¹; the factor reported is diag(S_j) averaged over the
/// posterior draws of Σ (and sigma). One effect: σ_e²/n_j / (σ_e²/n_j + σ_u²), the classic
/// 1 − reliability. Relationship-matrix terms (effects correlated through K) get NaN.</para>
/// </remarks>
public static class Shrinkage
{
    public static IReadOnlyList<ShrinkageTable> Compute(Fit fit, ShrinkageOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(fit);
        options ??= new ShrinkageOptions();
        QuantitySummary.CheckLevel(options.Level);
        if (fit.Model is not CompiledModel model)
            throw new GpuHbmModelException("shrinkage needs the sampled group-level effects, which the FaST-LMM fast path does not sample; refit with --fast-path off");
        var terms = model.RandomTerms.Where(t => options.Group is null || t.GroupName == options.Group).ToArray();
        if (terms.Length == 0)
            throw new GpuHbmModelException(options.Group is null
                ? "the model has no group-level terms, so nothing is pooled"
                : $"no group-level term groups by '{options.Group}'; the groupings are: {string.Join(", ", model.RandomTerms.Select(t => t.GroupName).Distinct())}");

        var draws = new PosteriorDraws(fit.Draws);
        var fitState = PlugInFit.At(model, draws, draws.Means());
        var tables = new List<ShrinkageTable>();
        foreach (var term in terms)
            tables.AddRange(ForTerm(model, draws, fitState, term, options.Level));
        return tables;
    }

    private static IEnumerable<ShrinkageTable> ForTerm(CompiledModel model, PosteriorDraws draws, PlugInFit plug, RandomEffectsTerm term, double level)
    {
        int t = model.RandomTerms.ToList().IndexOf(term);
        int k = term.K, levels = term.LevelCount;
        var cov = new TermCovariance(term, draws);
        var rows = GroupRows(term);
        var family = model.Spec.Family;
        var y = model.Y.Span;
        var trials = model.Trials.Span;
        var se = model.Se.Span;
        var z = term.Z.Span;
        int sigma = draws.Find("sigma");

        // η without this term, at the posterior mean.
        var etaOther = new double[plug.Eta.Length];
        for (int i = 0; i < etaOther.Length; i++) etaOther[i] = plug.Eta[i] - plug.Contribution[t][i];

        var raw = new double[levels * k];
        var info = new double[levels * k * k];   // H_j, without the 1/sigma² of the gaussian (applied per draw)
        for (int j = 0; j < levels; j++)
        {
            var r = rows[j];
            RawEstimate(family, r, z, k, y, trials, se, etaOther, raw.AsSpan(j * k, k));
            var h = info.AsSpan(j * k * k, k * k);
            foreach (int i in r)
            {
                double w = family.Kind == FamilyKind.Gaussian
                    ? (se.Length > 0 ? 1 / (se[i] * se[i]) : 1)
                    : family.WorkingWeight(family.InverseLink(plug.Eta[i]), trials.Length > 0 ? trials[i] : 1);
                for (int a = 0; a < k; a++)
                    for (int b = 0; b < k; b++) h[a * k + b] += w * z[i * k + a] * z[i * k + b];
            }
        }

        // Shrinkage factors: diag((I + ΣH)⁻¹) averaged over the draws.
        var factor = new double[levels * k];
        if (term.Relationship is not null) Array.Fill(factor, double.NaN);
        else
        {
            bool perDrawSigma = family.Kind == FamilyKind.Gaussian && sigma >= 0;
            Parallel.For(0, levels, j =>
            {
                Span<double> s = stackalloc double[k * k], m = stackalloc double[k * k], diag = stackalloc double[k];
                var h = info.AsSpan(j * k * k, k * k);
                for (int d = 0; d < draws.Count; d++)
                {
                    var draw = draws.Draw(d);
                    cov.Fill(draw, s);
                    double scale = perDrawSigma ? 1 / (draw[sigma] * draw[sigma]) : 1;
                    for (int a = 0; a < k; a++)
                        for (int b = 0; b < k; b++)
                        {
                            double v = a == b ? 1 : 0;
                            for (int c = 0; c < k; c++) v += s[a * k + c] * h[c * k + b] * scale;
                            m[a * k + b] = v;
                        }
                    SmallMatrix.InverseDiagonal(m, diag, k);
                    for (int a = 0; a < k; a++) factor[j * k + a] += diag[a];
                }
                for (int a = 0; a < k; a++) factor[j * k + a] /= draws.Count;
            });
        }

        for (int a = 0; a < k; a++)
        {
            string column = term.ColumnNames[a];
            int b = draws.Find("b_" + column);
            double population = b >= 0 ? plug.Means[b] : 0;
            var groups = new GroupShrinkage[levels];
            Parallel.For(0, levels, j =>
            {
                string name = $"r_{term.GroupName}[{term.LevelNames[j]},{column}]";
                int ri = draws.IndexOf(name);
                var values = new double[draws.Count];
                for (int d = 0; d < values.Length; d++)
                {
                    var draw = draws.Draw(d);
                    values[d] = draw[ri] + (b >= 0 ? draw[b] : 0);
                }
                double rawValue = raw[j * k + a] + population;
                groups[j] = new GroupShrinkage(term.LevelNames[j], rows[j].Length, rawValue,
                    draws.Summarize(b >= 0 ? $"b_{column} + {name}" : name, values, level), factor[j * k + a]);
            });
            yield return new ShrinkageTable(term.GroupName, column, term.Term.ToString(), population, groups) { HasFixed = b >= 0 };
        }
    }

    /// <summary>The rows of each level, in row order.</summary>
    internal static int[][] GroupRows(RandomEffectsTerm term)
    {
        var g = term.GroupIndex.Span;
        var counts = new int[term.LevelCount];
        foreach (int j in g) counts[j]++;
        var rows = counts.Select(c => new int[c]).ToArray();
        Array.Clear(counts);
        for (int i = 0; i < g.Length; i++) rows[g[i]][counts[g[i]]++] = i;
        return rows;
    }

    /// <summary>Level j's own maximum-likelihood estimate of its k effects, with offset η₋ₜ; NaN when not finite.</summary>
    private static void RawEstimate(Family family, int[] rows, ReadOnlySpan<double> z, int k, ReadOnlySpan<double> y,
        ReadOnlySpan<double> trials, ReadOnlySpan<double> se, double[] offset, Span<double> r)
    {
        r.Clear();
        Span<double> h = stackalloc double[k * k], u = stackalloc double[k];
        bool gaussian = family.Kind == FamilyKind.Gaussian;
        for (int iteration = 0; iteration < (gaussian ? 1 : 100); iteration++)
        {
            h.Clear(); u.Clear();
            foreach (int i in rows)
            {
                double eta = offset[i];
                for (int a = 0; a < k; a++) eta += z[i * k + a] * r[a];
                double n = trials.Length > 0 ? trials[i] : 1;
                double w, resid;
                if (gaussian)
                {
                    w = se.Length > 0 ? 1 / (se[i] * se[i]) : 1;
                    resid = w * (y[i] - eta);
                }
                else
                {
                    double mu = family.InverseLink(eta);
                    w = family.WorkingWeight(mu, n);
                    resid = y[i] - n * mu;
                }
                for (int a = 0; a < k; a++)
                {
                    u[a] += z[i * k + a] * resid;
                    for (int b = 0; b < k; b++) h[a * k + b] += w * z[i * k + a] * z[i * k + b];
                }
            }
            if (!SmallMatrix.Solve(h, u, k)) { r.Fill(double.NaN); return; }
            double change = 0;
            for (int a = 0; a < k; a++) { r[a] += u[a]; change = Math.Max(change, Math.Abs(u[a])); }
            if (!gaussian)
            {
                for (int a = 0; a < k; a++)
                    if (!double.IsFinite(r[a]) || Math.Abs(r[a]) > 25) { r.Fill(double.NaN); return; }   // separation: no finite MLE
                if (change < 1e-10) return;
            }
        }
        if (!gaussian) r.Fill(double.NaN);   // did not converge
    }
}
