using System.Buffers;
using System.Runtime.Intrinsics;
using GpuHbm.Kernels;

namespace GpuHbm.Models;

/// <summary>
/// The reference CPU log density of a compiled GLMM and its analytic gradient, for a batch of chains.
/// </summary>
/// <remarks>
/// log p(θ) = Σ_i log p(y_i | η_i) + Σ priors on the constrained parameters + log-Jacobians, with
/// η = X·b + Σ_t Z_t[i,:]·r_t[g_t[i],:] + offset and r_t[j,:] = diag(sd_t)·L_t·z_t[j,:] (non-centered),
/// z ~ normal(0, 1). Every normalizing constant is included (likelihoods as in the Stan Functions
/// Reference: normal_lpdf, bernoulli_logit_lpmf, binomial_logit_lpmf, poisson_log_lpmf; priors with
/// their half-distribution factor; the LKJ constant). The scalar math (family terms, priors, the CPC
/// transform, LKJ) is the shared code of the kernels project (<see cref="FamilyTerms"/>,
/// <see cref="PriorDensity"/>, <see cref="CholeskyCorr"/>, <see cref="LkjCholesky"/>) that the device kernels run too.
/// <para>
/// Rows are processed in fixed blocks of <see cref="BlockRows"/> (a function of N only); block partial
/// sums are added in block order, so the result is bit-identical whether blocks run sequentially or in
/// parallel (used when N × chains exceeds <see cref="ParallelThresholdRows"/>) and whatever the thread count.
/// Scratch comes from <see cref="ArrayPool{T}"/>; the sequential path allocates nothing.
/// </para>
/// </remarks>
internal sealed partial class GlmmDensity
{
    private static readonly double HalfLog2Pi = 0.5 * Math.Log(2 * Math.PI);

    private readonly FamilyKind _family;
    private readonly LikelihoodKind _likelihood;
    private readonly int _n, _p, _dim;
    private readonly double[] _x, _y;
    private readonly double[] _xColumns;        // X column-major (p × N): the row loops read it a lane of rows at a time
    private readonly double[]? _trials, _se, _offset, _invSe;
    private readonly int _sigmaOffset;          // -1 when there is no sigma
    private readonly TermData[] _terms;
    private readonly int _maxK;
    private readonly PriorSet _priors;
    private readonly double _constant;          // likelihood and z-prior normalizing constants
    private readonly int _blockRows, _blockCount;
    private readonly int _etaOffset, _partialOffset, _partialStride, _scratchPerChain;

    /// <summary>Per random term: data, offsets in θ and in the per-chain scratch.</summary>
    private sealed class TermData
    {
        public required int K, J;
        public required int[] G;
        public required double[] Z;
        public required RandomTermKind Kind;
        public required bool UnitZ;
        public required int SdOffset, LOffset, ZOffset;            // in θ (LOffset −1 when uncorrelated)
        public required int R, Gr, L, GL, Sd, LogJ;                // in scratch
        /// <summary>gr(id, cov = K): L = chol(K + εI); r = sd·(L z). Null for an ordinary term.</summary>
        public Kinship.KinshipCholesky? Chol;
        public int W, Tmp;                                         // in scratch (J each, relationship terms only): L z and sd·∂/∂r
        /// <summary>
        /// Block partials of ∂/∂r: block b's rows touch levels BlockLo[b] .. + BlockWidth[b] − 1, and its own sums over
        /// them sit at scratch Part + BlockStart[b] (K per level). Null when those ranges together would hold more than
        /// N + J·K values (many scattered levels); <see cref="Finish"/> then scatters all rows itself.
        /// </summary>
        public int[]? BlockLo, BlockWidth, BlockStart;
        public int Part;
        /// <summary>Whether at least half the rows repeat the level of the row before (data sorted by this factor).</summary>
        public bool Runs;
    }

    public int Dimension => _dim;

    /// <summary>Per random term: whether its ∂/∂r is summed from block partials (else scattered over all rows in Finish).</summary>
    public bool[] TermsWithBlockPartials => _terms.Select(t => t.BlockLo is not null).ToArray();

    /// <summary>
    /// Whether the row loops run four rows at a time (Vector256); the default where the hardware accelerates
    /// it. The scalar loop is the same generic code with one row per lane; the two differ only in the order of the
    /// sums over rows (tested to agree closely).
    /// </summary>
    public bool Simd { get; set; } = Vector256.IsHardwareAccelerated;
    public int BlockRows => _blockRows;

    /// <summary>The data-only constant of the log density: likelihood normalizing constants and the z prior's.</summary>
    public double Constant => _constant;

    /// <summary>Rows × chains above which blocks are evaluated with Parallel.For.</summary>
    public long ParallelThresholdRows { get; set; } = 50_000;

    /// <summary>MaxDegreeOfParallelism for the parallel path (−1: the runtime's choice).</summary>
    public int MaxDegreeOfParallelism { get; set; } = -1;

    public GlmmDensity(Family family, DesignColumns x, ResponseData response, IReadOnlyList<RandomEffectsTerm> terms,
        ParameterLayout layout, PriorSet priors)
    {
        _family = family.Kind;
        _likelihood = family.Likelihood(response.Se is not null);
        _n = x.Rows;
        _p = x.Count;
        _x = x.Values;
        _xColumns = new double[_x.Length];
        for (int i = 0; i < x.Rows; i++)
            for (int q = 0; q < x.Count; q++) _xColumns[q * x.Rows + i] = _x[i * x.Count + q];
        _y = response.Y;
        _trials = response.Trials;
        _se = response.Se;
        _offset = response.Offset;
        _priors = priors;
        _dim = layout.Dimension;
        _sigmaOffset = layout.Find("sigma")?.Offset ?? -1;
        if (_se is not null) _invSe = _se.Select(s => 1 / s).ToArray();

        int s = 0;
        _terms = new TermData[terms.Count];
        for (int t = 0; t < terms.Count; t++)
        {
            var rt = terms[t];
            int k = rt.K, j = rt.LevelCount;
            var blocks = layout.Blocks.Where(b => b.Term == t).ToList();
            var z = rt.ZArray;
            var td = new TermData
            {
                K = k, J = j, G = rt.GroupIndexArray, Z = z, Kind = rt.Kind,
                UnitZ = k == 1 && z.All(v => v == 1),
                SdOffset = blocks.Single(b => b.Transform == ParameterTransform.Log).Offset,
                LOffset = blocks.SingleOrDefault(b => b.Transform == ParameterTransform.CholeskyCorr)?.Offset ?? -1,
                ZOffset = blocks.Single(b => b.Transform == ParameterTransform.NonCentered).Offset,
                R = s, Gr = s + j * k, L = s + 2 * j * k, GL = s + 2 * j * k + k * k, Sd = s + 2 * j * k + 2 * k * k,
                LogJ = s + 2 * j * k + 2 * k * k + k,
                Runs = 2 * Enumerable.Range(1, Math.Max(0, _n - 1)).Count(i => rt.GroupIndexArray[i] == rt.GroupIndexArray[i - 1]) >= _n - 1,
            };
            s = td.LogJ + 1;
            if (rt.Relationship is not null)
            {
                td.Chol = rt.Cholesky;
                td.W = s;
                td.Tmp = s + j;
                s += 2 * j;
            }
            _terms[t] = td;
        }
        _maxK = _terms.Length == 0 ? 1 : _terms.Max(t => t.K);
        _blockRows = Math.Max(4096, (_n + 63) / 64);
        _blockCount = Math.Max(1, (_n + _blockRows - 1) / _blockRows);
        foreach (var t in _terms) s = BlockRanges(t, s);
        _etaOffset = s;
        _partialOffset = s + _n;
        _partialStride = _p + 2;
        _scratchPerChain = _partialOffset + _blockCount * _partialStride;

        double c = 0;
        switch (_family)
        {
            case FamilyKind.Gaussian:
                if (_se is null) c += _n * RowConstant(_family, 0, 0, null);
                else foreach (var v in _se) c += RowConstant(_family, 0, 0, v);
                break;
            case FamilyKind.Binomial:
            case FamilyKind.Poisson:
                for (int i = 0; i < _n; i++) c += RowConstant(_family, _y[i], _trials?[i] ?? 1, null);
                break;
        }
        foreach (var t in _terms) c -= t.J * t.K * HalfLog2Pi;
        _constant = c;
    }

    /// <summary>
    /// The levels each block's rows touch, and room in scratch (from <paramref name="s"/>) for the block's own ∂/∂r over
    /// them, unless those ranges together hold more than N + J·K values (the term's own effects plus one per row: the
    /// partials then cost at most what a row-length buffer costs); returns the next free scratch offset.
    /// </summary>
    private int BlockRanges(TermData t, int s)
    {
        var lo = new int[_blockCount];
        var width = new int[_blockCount];
        var start = new int[_blockCount];
        long total = 0;
        for (int blk = 0; blk < _blockCount; blk++)
        {
            int r0 = blk * _blockRows, r1 = Math.Min(_n, r0 + _blockRows), min = int.MaxValue, max = -1;
            for (int i = r0; i < r1; i++) { min = Math.Min(min, t.G[i]); max = Math.Max(max, t.G[i]); }
            lo[blk] = max < 0 ? 0 : min;
            width[blk] = max < 0 ? 0 : max - min + 1;
            start[blk] = (int)(total * t.K);
            total += width[blk];
        }
        if (total * t.K > (long)_n + (long)t.J * t.K) return s;
        t.BlockLo = lo;
        t.BlockWidth = width;
        t.BlockStart = start;
        t.Part = s;
        return s + (int)(total * t.K);
    }

    /// <param name="positions">chains × D.</param>
    /// <param name="logDensity">One per chain.</param>
    /// <param name="gradient">chains × D.</param>
    /// <param name="chains">Number of chains.</param>
    /// <param name="centring">Null (every effect non-centred), or the partial-centring weight λ of every θ entry (length D; 0
    /// outside the z blocks of <see cref="RandomTermKind.Independent"/> terms): see <see cref="Centring"/>.</param>
    public void Evaluate(ReadOnlySpan<double> positions, Span<double> logDensity, Span<double> gradient, int chains, double[]? centring = null)
    {
        if (chains < 0) throw new ArgumentOutOfRangeException(nameof(chains));
        if (positions.Length < chains * _dim || gradient.Length < chains * _dim || logDensity.Length < chains)
            throw new ArgumentException($"positions and gradient need {chains}×{_dim} values and logDensity {chains}");
        if (chains == 0) return;
        int s = _scratchPerChain;
        if ((long)s * chains > Array.MaxLength)
            throw new InvalidOperationException(
                $"{chains} chains need {(long)s * chains:N0} doubles of density scratch ({s:N0} per chain), more than one .NET array holds; evaluate fewer chains per call");
        double[] scratch = ArrayPool<double>.Shared.Rent(s * chains);
        try
        {
            if ((long)_n * chains <= ParallelThresholdRows || MaxDegreeOfParallelism == 1)
            {
                for (int c = 0; c < chains; c++)
                {
                    var theta = positions.Slice(c * _dim, _dim);
                    var sc = scratch.AsSpan(c * s, s);
                    Prepare(theta, sc, centring);
                    for (int blk = 0; blk < _blockCount; blk++) Block(theta, sc, blk);
                    logDensity[c] = Finish(theta, sc, gradient.Slice(c * _dim, _dim), centring);
                }
            }
            else
            {
                EvaluateParallel(positions, logDensity, gradient, chains, scratch, centring);
            }
        }
        finally
        {
            ArrayPool<double>.Shared.Return(scratch);
        }
    }

    private void EvaluateParallel(ReadOnlySpan<double> positions, Span<double> logDensity, Span<double> gradient, int chains, double[] scratch,
        double[]? centring)
    {
        int s = _scratchPerChain, d = _dim;
        double[] pos = ArrayPool<double>.Shared.Rent(chains * d);
        double[] grad = ArrayPool<double>.Shared.Rent(chains * d);
        double[] lp = ArrayPool<double>.Shared.Rent(chains);
        try
        {
            positions[..(chains * d)].CopyTo(pos);
            var options = new ParallelOptions { MaxDegreeOfParallelism = MaxDegreeOfParallelism };
            Parallel.For(0, chains, options, c => Prepare(pos.AsSpan(c * d, d), scratch.AsSpan(c * s, s), centring));
            Parallel.For(0, chains * _blockCount, options, idx =>
            {
                int c = idx / _blockCount, blk = idx % _blockCount;
                Block(pos.AsSpan(c * d, d), scratch.AsSpan(c * s, s), blk);
            });
            Parallel.For(0, chains, options, c => lp[c] = Finish(pos.AsSpan(c * d, d), scratch.AsSpan(c * s, s), grad.AsSpan(c * d, d), centring));
            grad.AsSpan(0, chains * d).CopyTo(gradient);
            lp.AsSpan(0, chains).CopyTo(logDensity);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(pos);
            ArrayPool<double>.Shared.Return(grad);
            ArrayPool<double>.Shared.Return(lp);
        }
    }

    /// <summary>
    /// Group-level effects r from θ: sd = exp(log sd), L from the CPC transform, r_j = diag(sd)·L·z_j; with partial
    /// centring (independent terms) r_jm = sd_m^(1−λ)·w_jm (<see cref="Centring"/>).
    /// </summary>
    private void Prepare(ReadOnlySpan<double> theta, Span<double> sc, double[]? centring)
    {
        foreach (var t in _terms)
        {
            int k = t.K;
            var sd = sc.Slice(t.Sd, k);
            for (int m = 0; m < k; m++) sd[m] = DeviceMath.Exp(theta[t.SdOffset + m]);
            var z = theta.Slice(t.ZOffset, t.J * k);
            var r = sc.Slice(t.R, t.J * k);
            if (t.Kind == RandomTermKind.Relationship)
            {
                // r = sd·(L z): the non-centred form of r ~ N(0, sd²(K + εI)).
                var w = sc.Slice(t.W, t.J);
                t.Chol!.Multiply(z, w, 1);
                double s0 = sd[0];
                for (int j = 0; j < t.J; j++) r[j] = s0 * w[j];
                continue;
            }
            if (t.Kind == RandomTermKind.Independent)
            {
                if (centring is not null)
                {
                    for (int idx = 0; idx < t.J * k; idx++)
                    {
                        double lambda = centring[t.ZOffset + idx];
                        int m = idx % k;
                        r[idx] = (lambda == 0 ? sd[m] : Centring.EffectScale(theta[t.SdOffset + m], lambda)) * z[idx];
                    }
                }
                else if (k == 1)
                {
                    double s0 = sd[0];
                    for (int j = 0; j < t.J; j++) r[j] = s0 * z[j];
                }
                else
                {
                    for (int j = 0; j < t.J; j++)
                        for (int m = 0; m < k; m++) r[j * k + m] = sd[m] * z[j * k + m];
                }
                continue;
            }
            var l = sc.Slice(t.L, k * k);
            sc[t.LogJ] = CholeskyCorrTransform.Constrain(theta.Slice(t.LOffset, CholeskyCorrTransform.FreeCount(k)), k, l);
            for (int j = 0; j < t.J; j++)
                for (int a = 0; a < k; a++)
                {
                    double w = 0;
                    for (int m = 0; m <= a; m++) w += l[a * k + m] * z[j * k + m];
                    r[j * k + a] = sd[a] * w;
                }
        }
    }
}
