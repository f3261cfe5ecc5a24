using GpuHbm.Data;
using GpuHbm.Diagnostics;
using GpuHbm.Predictions;
using GpuHbm.Results;

namespace GpuHbm.Loo;

/// <summary>What <see cref="KFold.Run"/> refits and how the rows are split.</summary>
public sealed record KFoldOptions
{
    /// <summary>Number of folds K (brms/loo default 10); at most the number of rows (or of groups).</summary>
    public int Folds { get; init; } = 10;

    /// <summary>
    /// Grouped K-fold: whole levels of this grouping (a grouping of the model or any column of the fitted data) go to one
    /// fold, as loo's <c>kfold_split_grouped</c>; the held-out groups are new levels, their effects drawn from the fitted
    /// population. Null splits rows at random (<c>kfold_split_random</c>).
    /// </summary>
    public string? Group { get; init; }

    /// <summary>Seed of the split and of the refits (default: the fit's seed).</summary>
    public ulong? Seed { get; init; }

    /// <summary>Chains, warm-up and draws of each refit (default: the fit's).</summary>
    public int? Chains { get; init; }
    public int? Warmup { get; init; }
    public int? Draws { get; init; }

    /// <summary>Chains run at once in each refit.</summary>
    public int? MaxParallelism { get; init; }

    /// <summary>Called after each refit with (fold, folds).</summary>
    public Action<int, int>? FoldFinished { get; init; }
}

/// <summary>
/// K-fold cross-validation by refitting (Vehtari, Gelman and Gabry 2017, section 4; brms's <c>kfold</c>): the rows of
/// each fold are left out, the model is fitted to the others with the same formula, family, priors and options, and the
/// left-out rows are scored by elpd_i = log (1/S) Σ_s p(y_i | θ_s) over that refit's draws. Reliable where PSIS-LOO's
/// Pareto k is high, e.g. leaving whole groups out.
/// </summary>
public static class KFold
{
    /// <summary>Refits the model K times and scores the held-out rows.</summary>
    public static KFoldResult Run(Fit fit, KFoldOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fit);
        options ??= new KFoldOptions();
        var data = fit.Settings.Data
            ?? throw new GpuHbmException("K-fold cross-validation refits the model, so it needs the fitted data (a fit from Glmm.Fit or Fit.Load)");
        int n = data.RowCount;
        ulong seed = options.Seed ?? fit.Seed;
        var fold = Split(fit, data, options, seed);
        int k = options.Folds;

        var elpd = new double[n];
        var refitOptions = RefitOptions(fit, options, seed);
        for (int f = 0; f < k; f++)
        {
            var test = Enumerable.Range(0, n).Where(i => fold[i] == f).ToArray();
            var scores = HeldOut(fit, data, test, refitOptions, seed + (ulong)f + 1, cancellationToken);
            for (int i = 0; i < test.Length; i++) elpd[test[i]] = scores[i];
            options.FoldFinished?.Invoke(f + 1, k);
        }

        // p_kfold = lpd of the full fit − elpd_kfold, as loo's kfold.
        var full = PsisLoo.Of(fit);
        var lpd = full.Pointwise.Select(p => p.Lpd).ToArray();
        return new KFoldResult(elpd, lpd, fold, k) { Group = options.Group };
    }

    /// <summary>
    /// Exact leave-one-out for the observations PSIS cannot bridge (loo's <c>reloo</c>): each observation whose Pareto k
    /// exceeds <paramref name="threshold"/> is left out, the model refitted to the others and the observation scored by
    /// log mean_s p(y_i | θ_s) over the refit's draws; its elpd_loo, p_loo = lpd − elpd_loo and looic replace PSIS's, its
    /// Monte Carlo SE and Pareto k become 0 (so the warnings count only the observations PSIS still estimates) and its n_eff
    /// the refit's draws.
    /// </summary>
    /// <param name="fit">The fit <paramref name="loo"/> was computed from.</param>
    /// <param name="loo">PSIS-LOO of the fit by observation (<see cref="PsisLoo.Of"/>), not by group.</param>
    /// <param name="threshold">Pareto k above which an observation is refitted (loo's k_threshold, 0.7).</param>
    /// <param name="options">Chains, warm-up, draws and seed of the refits (Folds and Group are not used).</param>
    /// <param name="cancellationToken">Stops between and inside refits.</param>
    public static LooResult Reloo(Fit fit, LooResult loo, double threshold = LooResult.KBad, KFoldOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fit);
        ArgumentNullException.ThrowIfNull(loo);
        if (loo.Group is not null) throw new GpuHbmException("exact refits are for leave-one-observation-out; for groups use K-fold cross-validation (--group)");
        options ??= new KFoldOptions();
        var data = fit.Settings.Data
            ?? throw new GpuHbmException("exact LOO refits the model, so it needs the fitted data (a fit from Glmm.Fit or Fit.Load)");
        if (data.RowCount != loo.Observations) throw new GpuHbmException($"the LOO result has {loo.Observations} observations but the fit {data.RowCount}");
        ulong seed = options.Seed ?? fit.Seed;
        var refitOptions = RefitOptions(fit, options, seed);
        var bad = Enumerable.Range(0, loo.Observations).Where(i => loo.Pointwise[i].ParetoK > threshold).ToArray();
        var pointwise = loo.Pointwise.ToArray();
        for (int j = 0; j < bad.Length; j++)
        {
            int i = bad[j];
            double elpd = HeldOut(fit, data, [i], refitOptions, seed + (ulong)i + 1, cancellationToken)[0];
            pointwise[i] = pointwise[i] with { ElpdLoo = elpd, PLoo = pointwise[i].Lpd - elpd, Looic = -2 * elpd, McseElpdLoo = 0, ParetoK = 0, NEff = refitOptions.Chains * refitOptions.Draws };
            options.FoldFinished?.Invoke(j + 1, bad.Length);
        }
        return new LooResult(pointwise, loo.Draws) { Refitted = bad };
    }

    /// <summary>The fit's options for a refit: no output folder or progress, rows already without missing values.</summary>
    private static FitOptions RefitOptions(Fit fit, KFoldOptions options, ulong seed)
    {
        var o = fit.Settings.Options;
        return o with
        {
            Seed = seed,
            Chains = options.Chains ?? o.Chains,
            Warmup = options.Warmup ?? o.Warmup,
            Draws = options.Draws ?? o.Draws,
            MaxParallelism = options.MaxParallelism ?? o.MaxParallelism,
            OutputDirectory = null,
            Progress = null,
            DropMissing = false,
        };
    }

    /// <summary>Refits the model without the rows <paramref name="test"/> and returns their elpd_i = log mean_s p(y_i | θ_s).</summary>
    private static double[] HeldOut(Fit fit, DataTable data, int[] test, FitOptions refitOptions, ulong seed, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var held = new HashSet<int>(test);
        var train = Enumerable.Range(0, data.RowCount).Where(i => !held.Contains(i)).ToArray();
        var refit = Glmm.Fit(fit.Settings.Formula, data.SelectRows(train), refitOptions with { Seed = seed }, cancellationToken);
        if (refit.StoppedEarly) throw new OperationCanceledException("the refits were stopped");
        var rows = PredictionRows.FromData(refit.Model, data.SelectRows(test));
        var engine = new PosteriorPredictor(refit, rows, new PredictionOptions { NewLevels = NewLevelMode.Sample, Seed = seed });
        var ll = engine.Compute(PredictionScale.LogLikelihood, 0, engine.DrawCount, 0, rows.Count);
        int draws = engine.DrawCount;
        var elpd = new double[test.Length];
        var column = new double[draws];
        for (int i = 0; i < test.Length; i++)
        {
            for (int s = 0; s < draws; s++) column[s] = ll[(long)s * test.Length + i];
            elpd[i] = ParetoSmoothing.LogSumExp(column) - Math.Log(draws);
        }
        return elpd;
    }

    /// <summary>
    /// Fold of each row, 0 … K−1: rows (or the levels of the grouping) in a random order from <paramref name="seed"/>,
    /// dealt to the folds in turn, so the folds' sizes differ by at most one row (or level).
    /// </summary>
    private static int[] Split(Fit fit, DataTable data, KFoldOptions options, ulong seed)
    {
        int n = data.RowCount, k = options.Folds;
        int[] unit;
        int units;
        if (options.Group is { } group)
        {
            var (levels, level) = PsisLoo.GroupsOf(fit, PredictionRows.FromFit(fit.Model), group);
            (unit, units) = (level, levels.Length);
        }
        else (unit, units) = (Enumerable.Range(0, n).ToArray(), n);
        if (k < 2 || k > units)
            throw new GpuHbmException($"--folds {k}: give between 2 and {units} ({(options.Group is null ? "rows" : $"levels of {options.Group}")})");
        var order = Enumerable.Range(0, units).ToArray();
        new Random(unchecked((int)(seed ^ (seed >> 32)))).Shuffle(order);
        var foldOfUnit = new int[units];
        for (int j = 0; j < units; j++) foldOfUnit[order[j]] = j % k;
        return unit.Select(u => foldOfUnit[u]).ToArray();
    }
}

/// <summary>
/// K-fold cross-validation estimates: elpd_kfold = Σ elpd_i with SE √N·sd(elpd_i), p_kfold = lpd − elpd_kfold (lpd the
/// full fit's log pointwise predictive density), kfoldic = −2·elpd_kfold, as loo's kfold objects.
/// </summary>
public sealed class KFoldResult
{
    public KFoldResult(IReadOnlyList<double> elpd, IReadOnlyList<double> lpd, IReadOnlyList<int> fold, int folds)
    {
        Elpd = elpd; Fold = fold; Folds = folds;
        int n = elpd.Count;
        var p = elpd.Select((e, i) => lpd[i] - e).ToArray();
        double Se(IReadOnlyList<double> x) => Math.Sqrt(n) * SampleStatistics.StandardDeviation(x.ToArray());
        ElpdKfold = new LooEstimate(elpd.Sum(), Se(elpd));
        PKfold = new LooEstimate(p.Sum(), Se(p));
        Kfoldic = new LooEstimate(-2 * ElpdKfold.Estimate, 2 * ElpdKfold.Se);
    }

    /// <summary>elpd_i of each row: log of the mean over the refit's draws of p(y_i | θ), the fold's refit leaving row i out.</summary>
    public IReadOnlyList<double> Elpd { get; }

    /// <summary>Fold of each row (0-based).</summary>
    public IReadOnlyList<int> Fold { get; }

    public int Folds { get; }

    /// <summary>The grouping whose levels were kept together, or null.</summary>
    public string? Group { get; init; }

    public LooEstimate ElpdKfold { get; }
    public LooEstimate PKfold { get; }
    public LooEstimate Kfoldic { get; }

    /// <summary>As loo's print of a kfold object.</summary>
    public string ToText()
    {
        var c = System.Globalization.CultureInfo.InvariantCulture;
        var sb = new System.Text.StringBuilder();
        sb.AppendLine($"Based on {Folds}-fold cross-validation{(Group is null ? "" : $" (grouped by {Group})")}, {Elpd.Count} observations");
        sb.AppendLine();
        sb.AppendLine($"{"",-12}{"Estimate",10}{"SE",8}");
        foreach (var (name, e) in new[] { ("elpd_kfold", ElpdKfold), ("p_kfold", PKfold), ("kfoldic", Kfoldic) })
            sb.AppendLine($"{name,-12}{e.Estimate.ToString("F1", c),10}{e.Se.ToString("F1", c),8}");
        return sb.ToString();
    }

    /// <summary>CSV per observation: .row (1-based), fold (1-based), elpd_kfold.</summary>
    public void WritePointwiseCsv(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteLine(".row,fold,elpd_kfold");
        for (int i = 0; i < Elpd.Count; i++)
            writer.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{i + 1},{Fold[i] + 1},{Elpd[i]:R}"));
    }
}
