using GpuHbm.Kernels;
using GpuHbm.Models;
using GpuHbm.Models.Kinship;
using GpuHbm.Results;
using GpuHbm.Sampling;

namespace GpuHbm.Predictions;

/// <summary>A block of draws × rows from <see cref="PosteriorPredictor.ForEachBatch"/>.</summary>
public sealed class PredictionBatch
{
    internal PredictionBatch(int firstDraw, int drawCount, int firstRow, int rowCount, double[] values)
    {
        FirstDraw = firstDraw; DrawCount = drawCount; FirstRow = firstRow; RowCount = rowCount; _values = values;
    }

    private readonly double[] _values;

    public int FirstDraw { get; }
    public int DrawCount { get; }
    public int FirstRow { get; }
    public int RowCount { get; }

    /// <summary>DrawCount × RowCount, draw-major: entry (d, i) is draw FirstDraw + d of row FirstRow + i.</summary>
    public ReadOnlySpan<double> Values => _values.AsSpan(0, DrawCount * RowCount);

    /// <summary>The value of draw FirstDraw + <paramref name="d"/>, row FirstRow + <paramref name="i"/>.</summary>
    public double this[int d, int i] => _values[d * RowCount + i];

    /// <summary>The batch's draws of one row (copied).</summary>
    public double[] Row(int i)
    {
        var r = new double[DrawCount];
        for (int d = 0; d < DrawCount; d++) r[d] = _values[d * RowCount + i];
        return r;
    }
}

/// <summary>
/// The batched prediction engine: from a fit's draws, the linear predictor, expected response, posterior
/// predictive draws or pointwise log likelihood of a set of rows, computed for blocks of draws and rows
/// so that the draws-by-rows matrix is never held whole when N is large.
/// </summary>
/// <remarks>
/// η_di = offset_i + x_i·b_d + Σ_t z_ti·r_td[g_ti], with the rows coded by the model's own design
/// (<see cref="PredictionRows"/>) and the group effects of draw d: the fitted levels' from the draws (on
/// the FaST-LMM path, drawn from their conditional as a fit with --draw-genetic-effects would), new
/// levels' as <see cref="NewLevelMode"/> says (<see cref="GroupEffectDraws"/>). The family functions
/// are the model's: <see cref="ResponseDistribution"/> (mean, random draw) and the density's own row
/// log likelihood (<c>GlmmDensity.RowLogLikelihood</c>). Draws are numbered 0..<see cref="DrawCount"/>−1
/// over the chains in order (draws.csv's .draw − 1). Random numbers come from Philox keyed by (seed,
/// draw, row) and (seed, draw, term), so every value is the same whatever the batching and thread count.
/// Work runs on the CPU, in parallel over draws and row blocks.
/// </remarks>
public sealed class PosteriorPredictor
{
    /// <summary>Values per batch of <see cref="ForEachBatch"/> by default (32 MB of doubles).</summary>
    public const long DefaultBatchValues = 1L << 22;

    private const int RowChunk = 4096;

    private readonly Fit _fit;
    private readonly PredictionRows _rows;
    private readonly FamilyKind _family;
    private readonly (int Chain, int Iteration)[] _draws;
    private readonly int _bOffset, _sigma;
    private readonly GroupEffectDraws?[] _terms;     // null: the term is left out
    private readonly FastLmmModel? _fastLmm;
    private readonly int _p;
    private readonly ulong _seed;

    public PosteriorPredictor(Fit fit, PredictionRows rows, PredictionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(fit);
        ArgumentNullException.ThrowIfNull(rows);
        options ??= new PredictionOptions();
        _fit = fit;
        _rows = rows;
        var model = fit.Model;
        var parts = PredictionRows.PartsOf(model);
        _family = model.Spec.Family.Kind;
        _p = parts.X.Count;
        _seed = options.Seed ?? fit.Seed;
        var draws = fit.Draws;
        _draws = Enumerable.Range(0, draws.ChainCount).SelectMany(c => Enumerable.Range(0, draws.DrawCount(c)).Select(i => (c, i))).ToArray();
        if (_draws.Length == 0) throw new GpuHbmException("the fit has no draws to predict from");

        var names = draws.Names;
        _bOffset = _p == 0 ? 0 : IndexOf(names, "b_" + parts.X.Names[0]);
        for (int q = 0; q < _p; q++)
            if (names[_bOffset + q] != "b_" + parts.X.Names[q])
                throw new InvalidOperationException("the b_ columns of the draws are not in the model's column order");
        _sigma = parts.HasSigma ? IndexOf(names, "sigma") : -1;
        _fastLmm = model as FastLmmModel;

        foreach (var g in options.ExcludeGroups)
            if (!parts.Terms.Any(t => t.GroupName == g))
                throw new GpuHbmModelException($"the model has no group-level term for '{g}'; its groupings are: {string.Join(", ", parts.Terms.Select(t => t.GroupName).Distinct())}");
        _terms = new GroupEffectDraws?[parts.Terms.Length];
        for (int t = 0; t < _terms.Length; t++)
        {
            var term = parts.Terms[t];
            if (!options.IncludeGroupEffects || options.ExcludeGroups.Contains(term.GroupName)) continue;
            _terms[t] = new GroupEffectDraws(term, rows.Terms[t], draws, options.NewLevels, rows.Source);
            if (_terms[t]!.Computed && _fastLmm is null)
                throw new GpuHbmModelException($"the draws have no r_{term.GroupName} columns to predict from");
        }
    }

    private static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (int i = 0; i < names.Count; i++) if (names[i] == name) return i;
        throw new GpuHbmModelException($"the draws have no column '{name}'");
    }

    /// <summary>The rows predicted for.</summary>
    public PredictionRows Rows => _rows;

    public int RowCount => _rows.Count;

    /// <summary>Posterior draws over all chains.</summary>
    public int DrawCount => _draws.Length;

    /// <summary>The chain and the draw within it (0-based) of global draw <paramref name="draw"/>.</summary>
    public (int Chain, int Iteration) DrawOf(int draw) => _draws[draw];

    /// <summary>The fit's response family name.</summary>
    public string Family => _fit.Model.Spec.Family.Name;

    /// <summary>
    /// Writes <paramref name="scale"/> for draws [firstDraw, firstDraw + drawCount) and rows [firstRow, firstRow + rowCount)
    /// into <paramref name="output"/>, draw-major (drawCount × rowCount).
    /// </summary>
    public void Compute(PredictionScale scale, int firstDraw, int drawCount, int firstRow, int rowCount, Span<double> output)
    {
        if (firstDraw < 0 || drawCount < 0 || firstDraw + drawCount > DrawCount)
            throw new ArgumentOutOfRangeException(nameof(drawCount), $"draws [{firstDraw}, {firstDraw + drawCount}) are outside 0..{DrawCount}");
        if (firstRow < 0 || rowCount < 0 || firstRow + rowCount > RowCount)
            throw new ArgumentOutOfRangeException(nameof(rowCount), $"rows [{firstRow}, {firstRow + rowCount}) are outside 0..{RowCount}");
        if (output.Length < (long)drawCount * rowCount) throw new ArgumentException($"output needs {drawCount} × {rowCount} values");
        Require(scale);
        if (drawCount == 0 || rowCount == 0) return;
        int n = drawCount * rowCount;
        var target = System.Buffers.ArrayPool<double>.Shared.Rent(n);
        try
        {
            ComputeInto(scale, firstDraw, drawCount, firstRow, rowCount, target);
            target.AsSpan(0, n).CopyTo(output);
        }
        finally
        {
            System.Buffers.ArrayPool<double>.Shared.Return(target);
        }
    }

    /// <summary>
    /// As <see cref="Compute(PredictionScale, int, int, int, int, Span{double})"/> for the draws listed (e.g. a thinned
    /// subset), output row d for draws[d]; each value is the one the full computation gives for that draw.
    /// </summary>
    public double[] Compute(PredictionScale scale, IReadOnlyList<int> draws, int firstRow, int rowCount)
    {
        ArgumentNullException.ThrowIfNull(draws);
        foreach (int d in draws)
            if (d < 0 || d >= DrawCount) throw new ArgumentOutOfRangeException(nameof(draws), $"draw {d} is outside 0..{DrawCount}");
        if (firstRow < 0 || rowCount < 0 || firstRow + rowCount > RowCount)
            throw new ArgumentOutOfRangeException(nameof(rowCount), $"rows [{firstRow}, {firstRow + rowCount}) are outside 0..{RowCount}");
        Require(scale);
        var target = new double[(long)draws.Count * rowCount];
        ComputeInto(scale, draws.Count, d => draws[d], firstRow, rowCount, target);
        return target;
    }

    /// <summary>The work of <see cref="Compute(PredictionScale, int, int, int, int, Span{double})"/> into an array (parallel writes need one).</summary>
    private void ComputeInto(PredictionScale scale, int firstDraw, int drawCount, int firstRow, int rowCount, double[] target) =>
        ComputeInto(scale, drawCount, d => firstDraw + d, firstRow, rowCount, target);

    private void ComputeInto(PredictionScale scale, int drawCount, Func<int, int> drawOf, int firstRow, int rowCount, double[] target)
    {
        var states = new DrawState[drawCount];
        Parallel.For(0, drawCount, d => states[d] = Prepare(drawOf(d)));
        int chunks = (rowCount + RowChunk - 1) / RowChunk;
        Parallel.For(0, drawCount * chunks, task =>
        {
            int d = task / chunks, c = task % chunks;
            int r0 = firstRow + c * RowChunk, len = Math.Min(RowChunk, firstRow + rowCount - r0);
            Row(scale, states[d], drawOf(d), r0, target.AsSpan(d * rowCount + (r0 - firstRow), len));
        });
    }

    /// <summary>As <see cref="Compute(PredictionScale, int, int, int, int, Span{double})"/>, into a new array.</summary>
    public double[] Compute(PredictionScale scale, int firstDraw, int drawCount, int firstRow, int rowCount)
    {
        var output = new double[(long)drawCount * rowCount];
        Compute(scale, firstDraw, drawCount, firstRow, rowCount, output);
        return output;
    }

    /// <summary>
    /// Calls <paramref name="consume"/> for consecutive blocks covering every draw and row, in order, one at
    /// a time (so it can accumulate without locks), each at most <paramref name="maxValues"/> values.
    /// With <paramref name="allDrawsPerBatch"/> each block holds every draw of a block of rows (what
    /// per-row quantiles and PSIS need); otherwise blocks run over draws within row blocks of up to 65,536 rows.
    /// </summary>
    public void ForEachBatch(PredictionScale scale, Action<PredictionBatch> consume, bool allDrawsPerBatch = false, long maxValues = DefaultBatchValues)
    {
        ArgumentNullException.ThrowIfNull(consume);
        Require(scale);
        int rowBlock, drawBlock;
        if (allDrawsPerBatch)
        {
            drawBlock = DrawCount;
            rowBlock = (int)Math.Clamp(maxValues / DrawCount, 1, RowCount);
        }
        else
        {
            rowBlock = Math.Min(RowCount, 65536);
            drawBlock = (int)Math.Clamp(maxValues / rowBlock, 1, DrawCount);
        }
        var buffer = new double[(long)rowBlock * drawBlock];
        for (int r0 = 0; r0 < RowCount; r0 += rowBlock)
        {
            int rows = Math.Min(rowBlock, RowCount - r0);
            for (int d0 = 0; d0 < DrawCount; d0 += drawBlock)
            {
                int ds = Math.Min(drawBlock, DrawCount - d0);
                ComputeInto(scale, d0, ds, r0, rows, buffer);
                consume(new PredictionBatch(d0, ds, r0, rows, buffer));
            }
        }
    }

    private void Require(PredictionScale scale)
    {
        if (scale == PredictionScale.LogLikelihood && _rows.Y is null)
            throw new GpuHbmDataException($"the log likelihood needs the observed response '{_fit.Model.Spec.Formula.Response.Column}', which {_rows.Source} lack");
        if (scale == PredictionScale.PosteriorPredictive && _rows.Se is null && _fit.Model.Spec.Formula.Response.SeColumn is { } se)
            throw new GpuHbmDataException($"posterior predictive draws of a model with known standard errors need the column '{se}' in {_rows.Source}");
    }

    /// <summary>What one draw needs: its parameter row and each term's effects (fitted levels, then new levels).</summary>
    private sealed class DrawState
    {
        public required double[] Values;
        public required int Offset;
        public required double[]?[] Computed;    // per term: fitted effects computed for this draw (FaST-LMM), else null
        public required double[][] New;          // per term: new levels' effects
        public double Sigma;
    }

    private DrawState Prepare(int d)
    {
        var (chain, iteration) = _draws[d];
        var values = _fit.Draws.ChainValues(chain);
        int width = _fit.Draws.ParameterCount, offset = iteration * width;
        var draw = values.AsSpan(offset, width);
        var computed = new double[]?[_terms.Length];
        var fresh = new double[_terms.Length][];
        for (int t = 0; t < _terms.Length; t++)
        {
            var g = _terms[t];
            if (g is null) { fresh[t] = []; continue; }
            if (g.Computed) computed[t] = FastLmmEffects(draw, chain, iteration, g.LevelCount);
            fresh[t] = new double[g.NewCount * g.K];
            g.New(draw, computed[t] ?? g.Fitted(draw), _seed, d, t, fresh[t]);
        }
        return new DrawState { Values = values, Offset = offset, Computed = computed, New = fresh, Sigma = _sigma >= 0 ? draw[_sigma] : double.NaN };
    }

    /// <summary>FaST-LMM fits without r_ columns: the genetic effects of the draw, as --draw-genetic-effects draws them.</summary>
    private double[] FastLmmEffects(ReadOnlySpan<double> draw, int chain, int iteration, int levels)
    {
        var theta = new double[_p + 2];
        draw.Slice(_bOffset, _p).CopyTo(theta);
        var t = _fit.Model.RandomTerms[0];
        theta[_p] = Math.Log(draw[IndexOf(_fit.Draws.Names, $"sd_{t.GroupName}__Intercept")]);
        theta[_p + 1] = Math.Log(draw[_sigma]);
        var r = new double[levels];
        _fastLmm!.GeneticEffects(theta, (_fit.Seed, chain, iteration), r);
        return r;
    }

    /// <summary>One draw over a chunk of rows: η, then the scale.</summary>
    private void Row(PredictionScale scale, DrawState s, int d, int r0, Span<double> output)
    {
        var draw = s.Values.AsSpan(s.Offset, _fit.Draws.ParameterCount);
        var b = draw.Slice(_bOffset, _p);
        var x = _rows.X;
        int p = _p, len = output.Length;
        for (int i = 0; i < len; i++)
        {
            int row = r0 + i;
            double e = _rows.Offset?[row] ?? 0;
            var xi = x.AsSpan(row * p, p);
            for (int q = 0; q < p; q++) e += xi[q] * b[q];
            output[i] = e;
        }
        for (int t = 0; t < _terms.Length; t++)
        {
            var g = _terms[t];
            if (g is null) continue;
            var tr = _rows.Terms[t];
            int k = g.K, j = g.LevelCount;
            ReadOnlySpan<double> fitted = s.Computed[t] ?? g.Fitted(draw);
            ReadOnlySpan<double> fresh = s.New[t];
            for (int i = 0; i < len; i++)
            {
                int row = r0 + i, level = tr.Level[row];
                var r = level < j ? fitted.Slice(level * k, k) : fresh.Slice((level - j) * k, k);
                var z = tr.Z.AsSpan(row * k, k);
                double sum = 0;
                for (int a = 0; a < k; a++) sum += z[a] * r[a];
                output[i] += sum;
            }
        }
        switch (scale)
        {
            case PredictionScale.LinearPredictor:
                return;
            case PredictionScale.ExpectedResponse:
                for (int i = 0; i < len; i++) output[i] = ResponseDistribution.Mean(_family, output[i], _rows.Trials?[r0 + i] ?? 1);
                return;
            case PredictionScale.PosteriorPredictive:
            {
                var random = new PhiloxRandom(_seed, RandomPurpose.PosteriorPredictive);
                for (int i = 0; i < len; i++)
                {
                    int row = r0 + i;
                    random.Reset((uint)d, (uint)row);
                    output[i] = ResponseDistribution.Draw(_family, output[i], _rows.Trials?[row] ?? 1, _rows.Se?[row] ?? s.Sigma, random);
                }
                return;
            }
            case PredictionScale.LogLikelihood:
            {
                Span<double> eta = len <= 1024 ? stackalloc double[len] : new double[len];
                output.CopyTo(eta);
                GlmmDensity.RowLogLikelihood(_family, eta, _rows.Y!, _rows.Trials, _rows.Se, _rows.InvSe, s.Sigma, r0, output);
                return;
            }
        }
    }
}
