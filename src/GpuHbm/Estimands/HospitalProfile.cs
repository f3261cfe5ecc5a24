using GpuHbm.Models;
using GpuHbm.Predictions;
using GpuHbm.Results;

namespace GpuHbm.Estimands;

/// <summary>Options of hospital profiling (<see cref="HospitalProfile"/>).</summary>
public sealed record HospitalProfileOptions
{
    /// <summary>The grouping profiled (a term with an intercept for it, e.g. "hospital").</summary>
    public required string Group { get; init; }

    /// <summary>
    /// Relative margin m: a hospital "exceeds" when its risk-standardised rate is above (1 + m) × the
    /// overall rate, i.e. its predicted/expected ratio above 1 + m (default 0: any excess); "falls below"
    /// when under (1 − m) × the overall rate.
    /// </summary>
    public double Margin { get; init; }

    /// <summary>Hospitals are flagged when P(exceeds) (or P(falls below)) is at least this (default 0.9).</summary>
    public double FlagProbability { get; init; } = 0.9;

    /// <summary>Probability of the rate and rank intervals (default 0.9).</summary>
    public double Level { get; init; } = 0.9;

    /// <summary>Use at most this many posterior draws, evenly spaced over the chains (null: all).</summary>
    public int? MaxDraws { get; init; }

    /// <summary>Rows per call of the prediction engine (memory: draws per batch × this × 8 bytes).</summary>
    public int RowChunk { get; init; } = 1 << 18;
}

/// <summary>
/// One hospital's profile: its patients, observed rate, posterior of the risk-standardised rate
/// (RSR) and of the predicted/expected ratio, P(RSR above (1 + margin) × overall) and P(below
/// (1 − margin) × overall), flags at the chosen probability, and the posterior of its rank
/// (1 = lowest rate) with the rank interval.
/// </summary>
public sealed record HospitalRate(string Hospital, int Patients, double Events, double ObservedRate,
    QuantitySummary Rate, QuantitySummary Ratio, double ProbabilityAbove, double ProbabilityBelow,
    bool FlaggedAbove, bool FlaggedBelow, QuantitySummary Rank);

/// <summary>
/// Hospital profiling as in the CMS methodology (Krumholz et al. 2006, Circulation 113:1683; the
/// Yale/CORE measures' hierarchical logistic models): for hospital h with patients i ∈ h and draw s,
/// predicted P_h = Σ_i μ(η_i) with the hospital's own effects, expected E_h = Σ_i μ(η_i − z_i·r_h)
/// with the hospital's effects at 0 (an average hospital treating the same patients), and the
/// risk-standardised rate RSR_h = P_h / E_h × ȳ, ȳ the overall observed rate (Σy / Σtrials). Every
/// quantity is a posterior over the draws; ranks are taken within each draw (Lingsma et al. 2010).
/// </summary>
/// <remarks>
/// The draws × patients matrix is never held: the prediction engine is called for one draw and a
/// chunk of rows at a time and the per-hospital sums P and E (draws × hospitals) accumulated.
/// </remarks>
public sealed class HospitalProfile
{
    /// <summary>
    /// Writes the expected events of rows [firstRow, firstRow + count) in draw <c>draw</c> (the mean
    /// response: μ, times the trials for binomial) into output, with the profiled group's effects
    /// (true) or with them at 0 (false).
    /// </summary>
    public delegate void RowMeans(bool withGroupEffects, int draw, int firstRow, int count, Span<double> output);

    public string Group { get; }
    public double OverallRate { get; }
    public double Margin { get; }
    public double FlagProbability { get; }
    public double Level { get; }
    public int DrawsUsed { get; }
    public IReadOnlyList<HospitalRate> Hospitals { get; }

    private readonly int[] _ranks;   // draws × hospitals, 1-based

    private HospitalProfile(string group, double overall, HospitalProfileOptions o, int draws, IReadOnlyList<HospitalRate> hospitals, int[] ranks)
    {
        Group = group; OverallRate = overall; Margin = o.Margin; FlagProbability = o.FlagProbability; Level = o.Level;
        DrawsUsed = draws; Hospitals = hospitals; _ranks = ranks;
    }

    /// <summary>The posterior draws of hospital <paramref name="h"/>'s rank (1 = lowest rate).</summary>
    public int[] RankDraws(int h)
    {
        int g = Hospitals.Count;
        var r = new int[DrawsUsed];
        for (int s = 0; s < r.Length; s++) r[s] = _ranks[s * g + h];
        return r;
    }

    /// <summary>P(rank = k) for k = 1..G of hospital <paramref name="h"/>: its posterior rank distribution.</summary>
    public double[] RankDistribution(int h)
    {
        var p = new double[Hospitals.Count];
        foreach (int r in RankDraws(h)) p[r - 1] += 1.0 / DrawsUsed;
        return p;
    }

    /// <summary>
    /// The profile of a fit's own patients: the prediction engine (<see cref="PosteriorPredictor"/>, expected
    /// response) with every effect of <see cref="HospitalProfileOptions.Group"/> (predicted) and with
    /// that grouping's effects left out (expected). The family must be bernoulli, binomial or poisson
    /// (events); the grouping a group-level term of the model.
    /// </summary>
    public static HospitalProfile Compute(Fit fit, HospitalProfileOptions options)
    {
        ArgumentNullException.ThrowIfNull(fit);
        ArgumentNullException.ThrowIfNull(options);
        if (fit.Model is not CompiledModel model)
            throw new GpuHbmModelException("profiling needs a model with sampled group-level effects (not the FaST-LMM fast path)");
        if (model.Spec.Family == Family.Gaussian)
            throw new GpuHbmModelException("profiling compares event rates (predicted over expected events): it needs a bernoulli, binomial or poisson model, not gaussian");
        var term = model.RandomTerms.FirstOrDefault(t => t.GroupName == options.Group)
            ?? throw new GpuHbmModelException($"the model has no group-level term for '{options.Group}'; its groupings are: {string.Join(", ", model.RandomTerms.Select(t => t.GroupName).Distinct())}");
        var rows = PredictionRows.FromFit(model);
        var with = new PosteriorPredictor(fit, rows);
        var without = new PosteriorPredictor(fit, rows, new PredictionOptions { ExcludeGroups = [options.Group] });
        var draws = SelectDraws(with.DrawCount, options.MaxDraws);
        return Compute(options, term.LevelNames, term.GroupIndex.Span, model.Y.Span, model.Trials.Span, draws,
            (own, draw, first, count, output) => (own ? with : without).Compute(PredictionScale.ExpectedResponse, draw, 1, first, count, output));
    }

    /// <summary>
    /// The profile from the engine: <paramref name="hospitalOfRow"/> gives each data row's hospital
    /// (0-based into <paramref name="labels"/>), <paramref name="events"/> and <paramref name="trials"/>
    /// the observed outcomes; <paramref name="draws"/> the engine's draw numbers to use.
    /// </summary>
    public static HospitalProfile Compute(HospitalProfileOptions options, IReadOnlyList<string> labels, ReadOnlySpan<int> hospitalOfRow,
        ReadOnlySpan<double> events, ReadOnlySpan<double> trials, IReadOnlyList<int> draws, RowMeans means)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(means);
        QuantitySummary.CheckLevel(options.Level);
        if (options.Margin < 0 || options.Margin >= 1) throw new GpuHbmException($"the margin must lie in [0, 1) (a relative excess, e.g. 0.1 for 10 %), but it is {options.Margin}");
        if (!(options.FlagProbability > 0 && options.FlagProbability < 1)) throw new GpuHbmException($"the flag probability must lie strictly between 0 and 1, but it is {options.FlagProbability}");
        int g = labels.Count, n = hospitalOfRow.Length, d = draws.Count;
        if (d < 2) throw new GpuHbmException("profiling needs at least 2 posterior draws");
        var patients = new int[g];
        var observed = new double[g];
        var exposure = new double[g];
        double totalEvents = 0, totalTrials = 0;
        for (int i = 0; i < n; i++)
        {
            int h = hospitalOfRow[i];
            double t = trials.IsEmpty ? 1 : trials[i];
            patients[h]++; observed[h] += events[i]; exposure[h] += t;
            totalEvents += events[i]; totalTrials += t;
        }
        double overall = totalEvents / totalTrials;

        // P and E per (draw, hospital), accumulated over row chunks; never draws × rows.
        var predicted = new double[(long)d * g];
        var expected = new double[(long)d * g];
        int chunk = Math.Max(1, options.RowChunk);
        var rowHospital = hospitalOfRow.ToArray();
        Parallel.For(0, d, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, Environment.ProcessorCount) }, () => (new double[chunk], new double[chunk]), (s, _, buffers) =>
        {
            var (with, without) = buffers;
            var p = predicted.AsSpan(s * g, g);
            var e = expected.AsSpan(s * g, g);
            for (int r0 = 0; r0 < n; r0 += chunk)
            {
                int len = Math.Min(chunk, n - r0);
                means(true, draws[s], r0, len, with.AsSpan(0, len));
                means(false, draws[s], r0, len, without.AsSpan(0, len));
                for (int i = 0; i < len; i++)
                {
                    int h = rowHospital[r0 + i];
                    p[h] += with[i];
                    e[h] += without[i];
                }
            }
            return buffers;
        }, _ => { });

        // Ratios, rates and ranks per draw.
        var ratio = new double[(long)d * g];
        var ranks = new int[(long)d * g];
        Parallel.For(0, d, s =>
        {
            var order = new int[g];
            var keys = new double[g];
            for (int h = 0; h < g; h++) { ratio[s * g + h] = predicted[s * g + h] / expected[s * g + h]; order[h] = h; keys[h] = ratio[s * g + h]; }
            Array.Sort(keys, order);
            for (int k = 0; k < g; k++) ranks[s * g + order[k]] = k + 1;
        });

        double above = 1 + options.Margin, below = 1 - options.Margin;
        var rows = new HospitalRate[g];
        Parallel.For(0, g, h =>
        {
            var rr = new double[d];
            var rate = new double[d];
            var rk = new double[d];
            int nAbove = 0, nBelow = 0;
            for (int s = 0; s < d; s++)
            {
                double v = ratio[s * g + h];
                rr[s] = v; rate[s] = v * overall; rk[s] = ranks[s * g + h];
                if (v > above) nAbove++;
                if (v < below) nBelow++;
            }
            double pa = (double)nAbove / d, pb = (double)nBelow / d;
            rows[h] = new HospitalRate(labels[h], patients[h], observed[h], observed[h] / exposure[h],
                QuantitySummary.Quick($"RSR {labels[h]}", rate, options.Level), QuantitySummary.Quick($"P/E {labels[h]}", rr, options.Level),
                pa, pb, pa >= options.FlagProbability, pb >= options.FlagProbability, QuantitySummary.Quick($"rank {labels[h]}", rk, options.Level));
        });
        return new HospitalProfile(options.Group, overall, options, d, rows, ranks);
    }

    /// <summary>Evenly spaced draw numbers: all of 0..total−1, or at most <paramref name="max"/> of them.</summary>
    public static int[] SelectDraws(int total, int? max)
    {
        if (max is not { } m || m >= total) return Enumerable.Range(0, total).ToArray();
        if (m < 2) throw new GpuHbmException($"use at least 2 draws, not {m}");
        return Enumerable.Range(0, m).Select(k => (int)((long)k * total / m)).ToArray();
    }

    /// <summary>Funnel-plot control limits for a proportion p at n patients: p ± z·√(p(1−p)/n) (Spiegelhalter 2005).</summary>
    public static (double Lower, double Upper) ControlLimits(double p, double n, double z) =>
        (Math.Max(0, p - z * Math.Sqrt(p * (1 - p) / n)), Math.Min(1, p + z * Math.Sqrt(p * (1 - p) / n)));
}
