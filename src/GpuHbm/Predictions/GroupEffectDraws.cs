using GpuHbm.Kernels;
using GpuHbm.Models;
using GpuHbm.Results;
using GpuHbm.Sampling;
using MathNet.Numerics.LinearAlgebra;

namespace GpuHbm.Predictions;

/// <summary>
/// One group-level term's effects for a posterior draw: the fitted levels' r (read from the draws, or
/// drawn from their conditional on the FaST-LMM path) and the new levels' effects under the
/// <see cref="NewLevelMode"/> chosen.
/// </summary>
/// <remarks>
/// New levels of an ordinary term, <see cref="NewLevelMode.Sample"/>: r_new = diag(sd)·L·ξ with L the
/// Cholesky factor of the draw's correlation matrix (identity for uncorrelated terms) and ξ ~ N(0, I)
/// from Philox keyed by (seed, draw, term) — brms's sample_new_levels = "gaussian". Individuals of a
/// gr(id, cov = K) term who are in K but not in the fit: u_new | u_old ~ N(A u_old, sd²C) with
/// A = K_no (K_oo + εI)⁻¹ and C = K_nn + εI − A K_on, the conditional of the model's prior
/// u ~ N(0, sd²(K + εI)) (ε the jitter of the fit's Cholesky factor).
/// </remarks>
internal sealed class GroupEffectDraws
{
    public int K { get; }
    public int LevelCount { get; }
    public int NewCount { get; }

    private readonly int _rOffset;            // first r_ column in the draws; −1 when computed per draw (FaST-LMM)
    private readonly int[] _sd;               // draws columns of sd (K)
    private readonly int[]? _cor;             // draws columns of cor pairs (i < j, column-major), correlated terms
    private readonly bool _sampleNew;
    private readonly double[]? _a;            // kinship: A, in-K new levels × J, row-major
    private readonly double[]? _lc;           // kinship: chol(C), lower, row-major
    private readonly int[]? _kinshipRow;      // per new level: its row in A, or −1 (no effect)
    private readonly int _kinshipCount;

    public GroupEffectDraws(RandomEffectsTerm term, PredictionRows.TermRows rows, DrawSet draws, NewLevelMode mode, string dataSource)
    {
        K = term.K;
        LevelCount = term.LevelCount;
        NewCount = rows.NewLevelNames.Length;
        string g = term.GroupName;
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < draws.Names.Count; i++) index.TryAdd(draws.Names[i], i);
        int Column(string name) => index.TryGetValue(name, out int i) ? i
            : throw new GpuHbmModelException($"the draws have no column '{name}'");

        _sd = term.ColumnNames.Select(c => Column($"sd_{g}__{c}")).ToArray();
        if (term.Correlated)
        {
            var cor = new List<int>();
            for (int j = 1; j < K; j++)
                for (int i = 0; i < j; i++) cor.Add(Column($"cor_{g}__{term.ColumnNames[i]}__{term.ColumnNames[j]}"));
            _cor = cor.ToArray();
        }
        string first = $"r_{g}[{term.LevelNames[0]},{term.ColumnNames[0]}]";
        if (index.TryGetValue(first, out int r0))
        {
            for (int l = 0; l < LevelCount; l++)
                for (int k = 0; k < K; k++)
                    if (draws.Names[r0 + l * K + k] != $"r_{g}[{term.LevelNames[l]},{term.ColumnNames[k]}]")
                        throw new InvalidOperationException($"the r_{g} columns of the draws are not in level-major order");
            _rOffset = r0;
        }
        else _rOffset = -1;

        if (NewCount == 0) return;
        if (term.Relationship is not null)
        {
            var missing = Enumerable.Range(0, NewCount).Where(m => rows.NewLevelInMatrix![m] < 0).ToArray();
            if (missing.Length > 0 && mode != NewLevelMode.Population)
                throw new GpuHbmDataException(
                    $"{dataSource}: individual '{rows.NewLevelNames[missing[0]]}' of '{g}' (row {FirstRow(rows, missing[0]) + 1}) is neither in the fit nor in the relationship matrix {term.RelationshipName}" +
                    (missing.Length > 1 ? $" ({missing.Length} such individuals)" : "") +
                    ", so its relationship to the fitted individuals is unknown; add it to the matrix, or use --new-levels population to give it no genetic effect");
            (_a, _lc, _kinshipRow, _kinshipCount) = Conditional(term, rows);
            return;
        }
        if (mode == NewLevelMode.Error)
            throw new GpuHbmDataException(
                $"{dataSource}: '{rows.NewLevelNames[0]}' at row {FirstRow(rows, 0) + 1} is a level of '{g}' that the fit did not see" +
                (NewCount > 1 ? $" ({NewCount} new levels in all)" : "") +
                "; use --new-levels sample to draw new levels' effects from the fitted population distribution, or --new-levels population to leave them out (PredictionOptions.NewLevels)");
        _sampleNew = mode == NewLevelMode.Sample;
    }

    private int FirstRow(PredictionRows.TermRows rows, int newLevel) => Array.IndexOf(rows.Level, LevelCount + newLevel);

    /// <summary>A and chol(C) of the conditional of the in-K new individuals given the fitted ones.</summary>
    private static (double[] A, double[] Lc, int[] Row, int Count) Conditional(RandomEffectsTerm term, PredictionRows.TermRows rows)
    {
        var k = term.Relationship!;
        var matrix = rows.FullMatrix!;
        int j = term.LevelCount;
        var row = new int[rows.NewLevelNames.Length];
        var inK = new List<int>();
        for (int m = 0; m < row.Length; m++)
        {
            row[m] = rows.NewLevelInMatrix![m] >= 0 ? inK.Count : -1;
            if (rows.NewLevelInMatrix[m] >= 0) inK.Add(rows.NewLevelInMatrix[m]);
        }
        int mk = inK.Count;
        if (mk == 0) return ([], [], row, 0);
        double eps = term.Cholesky.Jitter;
        var fittedInFull = term.LevelNames.Select(matrix.IndexOf).ToArray();
        var koo = Matrix<double>.Build.Dense(j, j, (a, b) => k[a, b] + (a == b ? eps : 0));
        var kon = Matrix<double>.Build.Dense(j, mk, (a, b) => matrix[fittedInFull[a], inK[b]]);
        var knn = Matrix<double>.Build.Dense(mk, mk, (a, b) => matrix[inK[a], inK[b]] + (a == b ? eps : 0));
        var x = koo.Cholesky().Solve(kon);               // (K_oo + εI)⁻¹ K_on
        var c = knn - kon.TransposeThisAndMultiply(x);   // K_nn + εI − K_no (K_oo + εI)⁻¹ K_on
        c = (c + c.Transpose()) / 2;
        Matrix<double> lc;
        double jitter = 0;
        while (true)
        {
            try
            {
                lc = (c + Matrix<double>.Build.DenseDiagonal(mk, mk, jitter)).Cholesky().Factor;
                break;
            }
            catch (ArgumentException) when (jitter < 0.1 * eps * 1e6)
            {
                jitter = jitter == 0 ? eps : jitter * 10;
            }
        }
        var a = x.Transpose();
        var aRow = new double[mk * j];
        var lcRow = new double[mk * mk];
        for (int p = 0; p < mk; p++)
        {
            for (int q = 0; q < j; q++) aRow[p * j + q] = a[p, q];
            for (int q = 0; q <= p; q++) lcRow[p * mk + q] = lc[p, q];
        }
        return (aRow, lcRow, row, mk);
    }

    /// <summary>Whether the fitted levels' effects must be computed per draw (not in the draws).</summary>
    public bool Computed => _rOffset < 0;

    /// <summary>The fitted levels' effects in a draw (J × K, level-major), when <see cref="Computed"/> is false.</summary>
    public ReadOnlySpan<double> Fitted(ReadOnlySpan<double> draw) => draw.Slice(_rOffset, LevelCount * K);

    /// <summary>Writes the new levels' effects (NewCount × K) for posterior draw <paramref name="d"/>.</summary>
    public void New(ReadOnlySpan<double> draw, ReadOnlySpan<double> fitted, ulong seed, int d, int term, Span<double> output)
    {
        output.Clear();
        if (NewCount == 0) return;
        if (_kinshipRow is not null)
        {
            if (_kinshipCount == 0) return;
            int j = LevelCount, mk = _kinshipCount;
            Span<double> xi = mk <= 256 ? stackalloc double[mk] : new double[mk];
            Philox.Normals(seed, (uint)d, (uint)term, RandomPurpose.NewLevelEffects, xi);
            double sd = draw[_sd[0]];
            for (int m = 0; m < NewCount; m++)
            {
                int p = _kinshipRow[m];
                if (p < 0) continue;
                double mean = 0, noise = 0;
                for (int q = 0; q < j; q++) mean += _a![p * j + q] * fitted[q];
                for (int q = 0; q <= p; q++) noise += _lc![p * mk + q] * xi[q];
                output[m] = mean + sd * noise;
            }
            return;
        }
        if (!_sampleNew) return;
        int k = K;
        Philox.Normals(seed, (uint)d, (uint)term, RandomPurpose.NewLevelEffects, output[..(NewCount * k)]);
        Span<double> l = stackalloc double[k * k];
        CorrelationCholesky(draw, l);
        Span<double> xiRow = stackalloc double[k];
        for (int m = 0; m < NewCount; m++)
        {
            var r = output.Slice(m * k, k);
            r.CopyTo(xiRow);
            for (int a = 0; a < k; a++)
            {
                double w = 0;
                for (int b = 0; b <= a; b++) w += l[a * k + b] * xiRow[b];
                r[a] = draw[_sd[a]] * w;
            }
        }
    }

    /// <summary>The lower Cholesky factor of the draw's correlation matrix (identity for an uncorrelated term).</summary>
    private void CorrelationCholesky(ReadOnlySpan<double> draw, Span<double> l)
    {
        int k = K;
        l.Clear();
        if (_cor is null)
        {
            for (int a = 0; a < k; a++) l[a * k + a] = 1;
            return;
        }
        var omega = Matrix<double>.Build.DenseIdentity(k);
        int c = 0;
        for (int j = 1; j < k; j++)
            for (int i = 0; i < j; i++)
            {
                omega[i, j] = omega[j, i] = draw[_cor[c++]];
            }
        var factor = omega.Cholesky().Factor;
        for (int a = 0; a < k; a++)
            for (int b = 0; b <= a; b++) l[a * k + b] = factor[a, b];
    }
}
