using GpuHbm.Diagnostics;
using GpuHbm.Predictions;
using GpuHbm.Results;
using MathNet.Numerics.Distributions;

namespace GpuHbm.Loo;

/// <summary>One observation's PSIS-LOO and WAIC terms (the columns of R's loo and waic pointwise tables).</summary>
/// <param name="ElpdLoo">log p(y_i | y_−i), the PSIS estimate.</param>
/// <param name="McseElpdLoo">Its Monte Carlo standard error (loo's mcse_elpd).</param>
/// <param name="PLoo">lpd_i − elpd_loo_i.</param>
/// <param name="Looic">−2 elpd_loo_i.</param>
/// <param name="ParetoK">The Pareto shape k̂ of the importance ratios.</param>
/// <param name="NEff">PSIS effective sample size: r_eff / Σ w².</param>
/// <param name="REff">Relative efficiency of exp(log-lik) over the chains.</param>
/// <param name="Lpd">log of the mean likelihood over draws.</param>
/// <param name="ElpdWaic">lpd_i − p_waic_i.</param>
/// <param name="PWaic">The sample variance of the log likelihood over draws.</param>
public sealed record LooPointwise(double ElpdLoo, double McseElpdLoo, double PLoo, double Looic, double ParetoK, double NEff, double REff,
    double Lpd, double ElpdWaic, double PWaic)
{
    /// <summary>−2 elpd_waic_i.</summary>
    public double Waic => -2 * ElpdWaic;
}

/// <summary>
/// Approximate leave-one-out cross-validation by Pareto-smoothed importance sampling (Vehtari, Gelman
/// and Gabry 2017, "Practical Bayesian model evaluation using leave-one-out cross-validation and WAIC",
/// Statistics and Computing 27:1413; smoothing as in Vehtari et al. 2024) and WAIC, per observation from
/// its log likelihood over the posterior draws — the computations of R's loo 2.5.1 (loo.matrix with
/// r_eff = relative_eff(exp(ll), chain_id); waic.matrix).
/// </summary>
public static class PsisLoo
{
    private static readonly Lazy<double[]> BlomScores = new(() =>
    {
        // loo's mcse_elpd: approximate normal order statistics with Blom's (1958) offset c = 3/8, 1000 points.
        const int n = 1000;
        const double c = 3.0 / 8;
        return Enumerable.Range(1, n).Select(r => Normal.InvCDF(0, 1, (r - c) / (n - 2 * c + 1))).ToArray();
    });

    /// <summary>
    /// PSIS-LOO and WAIC of a fit: the pointwise log likelihood of every observation from the draws (the
    /// model's own row log likelihood, <see cref="PredictionScale.LogLikelihood"/>), computed in blocks of
    /// observations × all draws so the draws-by-observations matrix is never held whole, over the chains that
    /// hold draws, each cut to the length all of them reached (as the convergence diagnostics).
    /// </summary>
    /// <param name="fit">The fit (in memory or from <see cref="Fit.Load"/>).</param>
    /// <param name="maxValues">Log-likelihood values held at once.</param>
    public static LooResult Of(Fit fit, long maxValues = PosteriorPredictor.DefaultBatchValues)
    {
        ArgumentNullException.ThrowIfNull(fit);
        var engine = new PosteriorPredictor(fit, PredictionRows.FromFit(fit.Model));
        var (selected, chains) = CommonDraws(fit);
        var pointwise = new LooPointwise[engine.RowCount];
        engine.ForEachBatch(PredictionScale.LogLikelihood, batch =>
        {
            Parallel.For(0, batch.RowCount, i =>
            {
                var ll = new double[selected.Length];
                for (int s = 0; s < selected.Length; s++) ll[s] = batch[selected[s], i];
                pointwise[batch.FirstRow + i] = Observation(ll, chains);
            });
        }, allDrawsPerBatch: true, maxValues: Math.Max(maxValues, engine.DrawCount));
        return new LooResult(pointwise, selected.Length);
    }

    /// <summary>
    /// Leave-one-group-out by PSIS: each level of <paramref name="group"/> (a grouping of the model, or any column of
    /// the fitted data) is one unit whose log likelihood per draw is the sum over its rows; PSIS-LOO then estimates
    /// log p(y_g | y_−g) for each level. Expect high Pareto k for group-level terms of that grouping (leaving a group
    /// out changes its effects' posterior a lot); the warnings say so.
    /// </summary>
    public static LooResult OfGroups(Fit fit, string group)
    {
        ArgumentNullException.ThrowIfNull(fit);
        ArgumentNullException.ThrowIfNull(group);
        var rows = PredictionRows.FromFit(fit.Model);
        var (levels, level) = GroupsOf(fit, rows, group);

        var engine = new PosteriorPredictor(fit, rows);
        var (selected, chains) = CommonDraws(fit);
        var position = Enumerable.Repeat(-1, engine.DrawCount).ToArray();
        for (int s = 0; s < selected.Length; s++) position[selected[s]] = s;
        int g = levels.Length, draws = selected.Length;
        var sums = new double[(long)g * draws];
        engine.ForEachBatch(PredictionScale.LogLikelihood, batch =>
        {
            Parallel.For(0, batch.DrawCount, d =>
            {
                int s = position[batch.FirstDraw + d];
                if (s < 0) return;
                for (int i = 0; i < batch.RowCount; i++) sums[(long)level[batch.FirstRow + i] * draws + s] += batch[d, i];
            });
        });
        var pointwise = new LooPointwise[g];
        Parallel.For(0, g, k => pointwise[k] = Observation(sums.AsSpan((int)((long)k * draws), draws), chains));
        return new LooResult(pointwise, draws) { Group = group, Levels = levels };
    }

    /// <summary>
    /// The levels of <paramref name="group"/> and each fitted row's level: a grouping of the model (its own level coding),
    /// else a column of the fitted data; an error names both kinds otherwise.
    /// </summary>
    internal static (string[] Levels, int[] Level) GroupsOf(Fit fit, PredictionRows rows, string group)
    {
        var terms = fit.Model.RandomTerms;
        int t = Enumerable.Range(0, terms.Count).FirstOrDefault(k => terms[k].GroupName == group, -1);
        if (t >= 0) return (terms[t].LevelNames.ToArray(), rows.Terms[t].Level);
        if (fit.Settings.Data is { } table && table.HasColumn(group) && table.RowCount == rows.Count)
        {
            var factor = table[group].ToFactor();
            return (factor.Levels, factor.Codes);
        }
        throw new GpuHbmModelException($"'{group}' is neither a grouping of the model ({string.Join(", ", terms.Select(x => x.GroupName).Distinct())}) nor a column of the fitted data");
    }

    /// <summary>The global indices of the draws LOO uses (summarized chains, each cut to the common length) and their chain count.</summary>
    private static (int[] Draws, int Chains) CommonDraws(Fit fit)
    {
        var chains = fit.Draws.SummarizedChains;
        int perChain = fit.Draws.CommonDrawCount;
        if (perChain < 2) throw new GpuHbmException($"PSIS-LOO needs at least 2 draws per chain; the fit has {perChain}");
        var start = new int[fit.Draws.ChainCount];
        for (int c = 1; c < start.Length; c++) start[c] = start[c - 1] + fit.Draws.DrawCount(c - 1);
        return (chains.SelectMany(c => Enumerable.Range(start[c], perChain)).ToArray(), chains.Count);
    }

    /// <summary>
    /// The PSIS-LOO and WAIC terms of one observation.
    /// </summary>
    /// <param name="logLik">log p(y_i | θ_s) for every draw, chain after chain (each chain's draws contiguous and in order).</param>
    /// <param name="chains">Number of chains (equal lengths), for r_eff.</param>
    public static LooPointwise Observation(ReadOnlySpan<double> logLik, int chains)
    {
        int s = logLik.Length;
        if (chains < 1 || s % chains != 0) throw new ArgumentException($"{s} draws are not {chains} chains of equal length");
        foreach (var v in logLik)
            if (!double.IsFinite(v)) throw new GpuHbmException("the log likelihood is not finite for some draw; PSIS-LOO needs finite values");
        int n = s / chains;
        double max = double.NegativeInfinity;
        foreach (var v in logLik) max = Math.Max(max, v);

        // r_eff of exp(ll); ESS is unchanged by scaling, so exp(ll − max) avoids underflow.
        var lik = new double[chains][];
        for (int c = 0; c < chains; c++)
        {
            lik[c] = new double[n];
            for (int i = 0; i < n; i++) lik[c][i] = Math.Exp(logLik[c * n + i] - max);
        }
        double rEff = RelativeEfficiency.Of(lik);

        var logRatios = new double[s];
        for (int i = 0; i < s; i++) logRatios[i] = -logLik[i];
        var lw = new double[s];
        double k = ParetoSmoothing.Smooth(logRatios, ParetoSmoothing.TailLength(rEff, s), lw);
        double norm = ParetoSmoothing.LogSumExp(lw);
        var terms = new double[s];
        double sumW2 = 0;
        for (int i = 0; i < s; i++)
        {
            lw[i] -= norm;
            terms[i] = logLik[i] + lw[i];
            double w = Math.Exp(lw[i]);
            sumW2 += w * w;
        }
        double elpd = ParetoSmoothing.LogSumExp(terms);
        double lpd = ParetoSmoothing.LogSumExp(logLik) - Math.Log(s);
        double pWaic = SampleStatistics.Variance(logLik);
        return new LooPointwise(elpd, Mcse(logLik, lw, elpd, rEff), lpd - elpd, -2 * elpd, k, rEff / sumW2, rEff, lpd, lpd - pWaic, pWaic);
    }

    /// <summary>loo's mcse_elpd: the variance of log of a normal approximation to the predictive density's estimate.</summary>
    private static double Mcse(ReadOnlySpan<double> logLik, ReadOnlySpan<double> normalizedLogWeights, double elpd, double rEff)
    {
        double epd = Math.Exp(elpd), variance = 0;
        for (int i = 0; i < logLik.Length; i++)
        {
            double w = Math.Exp(normalizedLogWeights[i]), d = Math.Exp(logLik[i]) - epd;
            variance += w * w * d * d;
        }
        double sd = Math.Sqrt(variance);
        var logs = new List<double>(BlomScores.Value.Length);
        foreach (var z in BlomScores.Value)
        {
            double v = epd + sd * z;
            if (v > 0) logs.Add(Math.Log(v));
        }
        return Math.Sqrt(SampleStatistics.Variance(logs.ToArray()) / rEff);
    }
}
