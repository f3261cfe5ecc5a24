using System.Globalization;
using GpuHbm.Data;
using GpuHbm.Diagnostics;
using GpuHbm.Results;

namespace GpuHbm.Predictions;

/// <summary>What <see cref="FitPredictions.Predict"/> computes besides the treatment of group effects.</summary>
public sealed record PredictOptions : PredictionOptions
{
    /// <summary>The scales summarized (default: expected response and posterior predictive draws).</summary>
    public IReadOnlyList<PredictionScale> Scales { get; init; } = [PredictionScale.ExpectedResponse, PredictionScale.PosteriorPredictive];

    /// <summary>Quantiles reported per row (default 5 %, 50 %, 95 %, as the posterior summary).</summary>
    public IReadOnlyList<double> Probabilities { get; init; } = [0.05, 0.5, 0.95];

    /// <summary>When set, every draw is written here as CSV (.chain, .iteration, .draw, .row, one column per scale), streamed.</summary>
    public TextWriter? DrawsOutput { get; init; }
}

/// <summary>
/// Per row and scale: the posterior mean, sd and quantiles of the predictions (brms's predict() and
/// fitted() summaries), computed from all draws of blocks of rows at a time.
/// </summary>
public sealed class PredictionSummary
{
    private readonly double[][] _values;   // per scale: rows × (2 + quantiles)

    internal PredictionSummary(IReadOnlyList<PredictionScale> scales, IReadOnlyList<double> probabilities, int rows, double[][] values, IReadOnlyList<IReadOnlyList<string>> newLevels)
    {
        Scales = scales;
        Probabilities = probabilities;
        RowCount = rows;
        _values = values;
        NewLevels = newLevels;
    }

    public IReadOnlyList<PredictionScale> Scales { get; }
    public IReadOnlyList<double> Probabilities { get; }
    public int RowCount { get; }

    /// <summary>Per group-level term, the levels of the rows that the fit did not see.</summary>
    public IReadOnlyList<IReadOnlyList<string>> NewLevels { get; }

    private int Width => 2 + Probabilities.Count;

    private double[] Of(PredictionScale scale)
    {
        int s = Scales.ToList().IndexOf(scale);
        return s >= 0 ? _values[s] : throw new GpuHbmException($"the predictions were not computed on the {Name(scale)} scale");
    }

    public double Mean(PredictionScale scale, int row) => Of(scale)[row * Width];
    public double Sd(PredictionScale scale, int row) => Of(scale)[row * Width + 1];

    /// <summary>The quantile at <see cref="Probabilities"/>[<paramref name="q"/>].</summary>
    public double Quantile(PredictionScale scale, int row, int q) => Of(scale)[row * Width + 2 + q];

    /// <summary>Column prefix of a scale: linpred, epred, predict (brms's function names), log_lik.</summary>
    public static string Name(PredictionScale scale) => scale switch
    {
        PredictionScale.LinearPredictor => "linpred",
        PredictionScale.ExpectedResponse => "epred",
        PredictionScale.PosteriorPredictive => "predict",
        _ => "log_lik",
    };

    /// <summary>Parses linpred, epred, predict (or log_lik).</summary>
    public static PredictionScale ParseScale(string text) => text.Trim().ToLowerInvariant() switch
    {
        "linpred" => PredictionScale.LinearPredictor,
        "epred" => PredictionScale.ExpectedResponse,
        "predict" => PredictionScale.PosteriorPredictive,
        "log_lik" => PredictionScale.LogLikelihood,
        _ => throw new GpuHbmException($"unknown prediction type '{text}' (use linpred, epred or predict)"),
    };

    /// <summary>Quantile column name: q5, q50, q95, q2.5.</summary>
    public static string QuantileName(double p) => "q" + (100 * p).ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>
    /// CSV: <c>.row</c> (1-based), the columns of <paramref name="data"/> when given (so each row says what it
    /// predicts), then per scale <c>{scale}_mean, {scale}_sd, {scale}_q5, ...</c>, full precision.
    /// </summary>
    public void WriteCsv(TextWriter writer, DataTable? data = null)
    {
        var header = new List<string> { ".row" };
        if (data is not null) header.AddRange(data.Columns.Select(c => CsvText.Quote(c.Name)));
        foreach (var scale in Scales)
        {
            string n = Name(scale);
            header.Add(n + "_mean");
            header.Add(n + "_sd");
            header.AddRange(Probabilities.Select(p => n + "_" + QuantileName(p)));
        }
        writer.WriteLine(string.Join(",", header));
        var sb = new System.Text.StringBuilder();
        for (int i = 0; i < RowCount; i++)
        {
            sb.Clear();
            sb.Append((i + 1).ToString(CultureInfo.InvariantCulture));
            if (data is not null)
                foreach (var c in data.Columns) sb.Append(',').Append(c.Raw[i] is { } v ? CsvText.Quote(v) : "NA");
            for (int s = 0; s < Scales.Count; s++)
                for (int k = 0; k < Width; k++) sb.Append(',').Append(R(_values[s][i * Width + k]));
            writer.WriteLine(sb);
        }
    }

    private static string R(double v) => double.IsNaN(v) ? "NA" : v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Summaries of every row on every scale, from all draws of blocks of rows.</summary>
    internal static PredictionSummary Compute(Fit fit, PredictionRows rows, PredictOptions options)
    {
        if (options.Scales.Count == 0) throw new GpuHbmException("no prediction type was asked for");
        foreach (var p in options.Probabilities)
            if (!(p >= 0 && p <= 1)) throw new GpuHbmException($"quantile probabilities must lie in [0, 1]; got {p}");
        var engine = new PosteriorPredictor(fit, rows, options);
        int width = 2 + options.Probabilities.Count, n = rows.Count;
        var values = options.Scales.Select(_ => new double[(long)n * width]).ToArray();
        for (int s = 0; s < options.Scales.Count; s++)
        {
            var target = values[s];
            engine.ForEachBatch(options.Scales[s], batch =>
            {
                Parallel.For(0, batch.RowCount, i =>
                {
                    var x = batch.Row(i);
                    int row = batch.FirstRow + i;
                    target[row * width] = SampleStatistics.Mean(x);
                    target[row * width + 1] = SampleStatistics.StandardDeviation(x);
                    Array.Sort(x);
                    for (int q = 0; q < options.Probabilities.Count; q++)
                        target[row * width + 2 + q] = SampleStatistics.QuantileOfSorted(x, options.Probabilities[q]);
                });
            }, allDrawsPerBatch: true);
        }
        if (options.DrawsOutput is { } w) WriteDraws(engine, options.Scales, w);
        return new PredictionSummary(options.Scales, options.Probabilities, n, values, rows.NewLevels);
    }

    /// <summary>Every draw, long format, row block by row block (all scales of a block computed together).</summary>
    private static void WriteDraws(PosteriorPredictor engine, IReadOnlyList<PredictionScale> scales, TextWriter writer)
    {
        writer.WriteLine(".chain,.iteration,.draw,.row," + string.Join(",", scales.Select(Name)));
        int rowBlock = (int)Math.Clamp(PosteriorPredictor.DefaultBatchValues / Math.Max(1, engine.DrawCount * scales.Count), 1, engine.RowCount);
        var sb = new System.Text.StringBuilder();
        for (int r0 = 0; r0 < engine.RowCount; r0 += rowBlock)
        {
            int len = Math.Min(rowBlock, engine.RowCount - r0);
            var blocks = scales.Select(s => engine.Compute(s, 0, engine.DrawCount, r0, len)).ToArray();
            for (int i = 0; i < len; i++)
                for (int d = 0; d < engine.DrawCount; d++)
                {
                    var (c, it) = engine.DrawOf(d);
                    sb.Clear();
                    sb.Append(c + 1).Append(',').Append(it + 1).Append(',').Append(d + 1).Append(',').Append(r0 + i + 1);
                    foreach (var b in blocks) sb.Append(',').Append(R(b[d * len + i]));
                    writer.WriteLine(sb);
                }
        }
    }
}

/// <summary>Predictions from a fit: <c>fit.Predict(newData)</c> (brms's predict/fitted/posterior_linpred).</summary>
public static class FitPredictions
{
    /// <summary>
    /// Summaries (mean, sd, quantiles) of the predictions for each row of <paramref name="newData"/> (null: the
    /// fit's own rows) on the scales asked for; new data are coded with the fit's design, and trials, offsets
    /// and known standard errors come from them.
    /// </summary>
    public static PredictionSummary Predict(this Fit fit, DataTable? newData = null, PredictOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(fit);
        options ??= new PredictOptions();
        var rows = newData is null ? PredictionRows.FromFit(fit.Model) : PredictionRows.FromData(fit.Model, newData);
        return PredictionSummary.Compute(fit, rows, options);
    }
}
