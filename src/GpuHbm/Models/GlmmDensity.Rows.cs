using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using GpuHbm.Kernels;

namespace GpuHbm.Models;

internal sealed partial class GlmmDensity
{
    /// <summary>
    /// Rows per chunk inside a block: η, d and the group indices of a chunk stay in L1 between the chunk's passes.
    /// A multiple of the widest lane count, so only a block's last chunk has a scalar tail.
    /// </summary>
    private const int ChunkRows = 512;

    /// <summary>
    /// One block of rows, chunk by chunk: η_i = offset + X_i·b + Σ_t Z_t[i,:]·r_t[g_t[i],:]; the family's log likelihood
    /// (without its data-only constant) and d_i = ∂ log p(y_i)/∂η_i, stored over η in scratch; the block's partial sums
    /// [Σ log-lik, Σ u² (gaussian), Σ d_i X_i]; and, for every term with block partials (<see cref="TermData.BlockLo"/>),
    /// the block's own ∂/∂r_t over the levels it touches (<see cref="Finish"/> adds the blocks in block order). Every
    /// family runs four rows at a time (<see cref="VectorLanes"/>, when <see cref="Simd"/>: its row formula is generic
    /// and branch-free, so each lane computes the one-row bits); every tail runs one row at a time through the same
    /// generic row loop.
    /// </summary>
    private void Block(ReadOnlySpan<double> theta, Span<double> sc, int block)
    {
        switch (_likelihood)
        {
            case LikelihoodKind.Gaussian:
                var gaussian = new GaussianRows(DeviceMath.Exp(-theta[_sigmaOffset]), _y);
                if (Simd) BlockCore<GaussianRows, Fp64x4, VectorLanes>(theta, sc, block, gaussian);
                else BlockCore<GaussianRows, double, ScalarLanes>(theta, sc, block, gaussian);
                break;
            case LikelihoodKind.GaussianKnownSe:
                var known = new GaussianSeRows(_invSe!, _y);
                if (Simd) BlockCore<GaussianSeRows, Fp64x4, VectorLanes>(theta, sc, block, known);
                else BlockCore<GaussianSeRows, double, ScalarLanes>(theta, sc, block, known);
                break;
            case LikelihoodKind.Bernoulli:
            case LikelihoodKind.Binomial:
                var binomial = new BinomialRows(_likelihood == LikelihoodKind.Binomial ? _trials : null, _y);
                if (Simd) BlockCore<BinomialRows, Fp64x4, VectorLanes>(theta, sc, block, binomial);
                else BlockCore<BinomialRows, double, ScalarLanes>(theta, sc, block, binomial);
                break;
            default:
                var poisson = new PoissonRows(_y);
                if (Simd) BlockCore<PoissonRows, Fp64x4, VectorLanes>(theta, sc, block, poisson);
                else BlockCore<PoissonRows, double, ScalarLanes>(theta, sc, block, poisson);
                break;
        }
    }

    private void BlockCore<TRows, T, TLanes>(ReadOnlySpan<double> theta, Span<double> sc, int block, TRows rows)
        where TRows : struct, IRowLikelihood<T>, IRowLikelihood<double>
        where T : unmanaged, IAdditionOperators<T, T, T>, IMultiplyOperators<T, T, T>
        where TLanes : struct, ILanes<T>
    {
        int r0 = block * _blockRows, r1 = Math.Min(_n, r0 + _blockRows);
        var partial = sc.Slice(_partialOffset + block * _partialStride, _partialStride);
        partial.Clear();
        foreach (var t in _terms)
            if (t.BlockLo is not null) sc.Slice(t.Part + t.BlockStart![block], t.BlockWidth![block] * t.K).Clear();
        var b = theta[.._p];
        ref double x = ref MemoryMarshal.GetArrayDataReference(_xColumns);
        for (int c0 = r0; c0 < r1; c0 += ChunkRows)
        {
            int len = Math.Min(ChunkRows, r1 - c0);
            var eta = sc.Slice(_etaOffset + c0, len);

            // η = offset + Σ_t Z_t[i,:]·r_t[g_t[i],:]; the family pass adds X_i·b.
            if (_offset is not null) _offset.AsSpan(c0, len).CopyTo(eta);
            GatherTerms(sc, c0, eta, _offset is null);
            ref double e = ref MemoryMarshal.GetReference(eta);

            // Family: log likelihood and d over η; Σ d_i X_i. Whole lanes first, then the rows left one by one.
            int whole = len - len % TLanes.Width;
            FamilyPass<TRows, T, TLanes>(rows, ref e, ref x, _n, b, c0, whole, partial);
            if (whole < len) FamilyPass<TRows, double, ScalarLanes>(rows, ref Unsafe.Add(ref e, whole), ref x, _n, b, c0 + whole, len - whole, partial);

            // The block's own ∂/∂r over the levels it touches, in row order.
            ScatterTerms(sc, eta, c0, block);
        }
    }

    /// <summary>
    /// Adds X_i·b to η_i (X column-major), then writes d_i over η and adds the chunk's [Σ log-lik, Σ extra, Σ d_i X_i] to
    /// <paramref name="sums"/>. <typeparamref name="T"/> holds <see cref="ILanes{T}.Width"/> rows; the lane sums are
    /// reduced in a fixed order at the end, so the result depends on the rows and the lane width only.
    /// A method of its own so that the accumulators stay in registers.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void FamilyPass<TRows, T, TLanes>(TRows rows, ref double e, ref double x, int n, ReadOnlySpan<double> b, int r0, int len,
        Span<double> sums)
        where TRows : struct, IRowLikelihood<T>
        where T : unmanaged, IAdditionOperators<T, T, T>, IMultiplyOperators<T, T, T>
        where TLanes : struct, ILanes<T>
    {
        if (len == 0) return;
        if (TRows.LongChain)
        {
            SplitFamilyPass<TRows, T, TLanes>(rows, ref e, ref x, n, b, r0, len, sums);
            return;
        }
        int p = b.Length, w = TLanes.Width;
        T ll = TLanes.Broadcast(0), extra = ll;
        if (p == 2)
        {
            // Intercept and one slope, the common case: everything in registers.
            T b0 = TLanes.Broadcast(b[0]), b1 = TLanes.Broadcast(b[1]), g0 = ll, g1 = ll;
            ref double x0 = ref Unsafe.Add(ref x, r0);
            ref double x1 = ref Unsafe.Add(ref x, n + r0);
            for (int i = 0; i < len; i += w)
            {
                T xi0 = TLanes.Load(ref Unsafe.Add(ref x0, i)), xi1 = TLanes.Load(ref Unsafe.Add(ref x1, i));
                ll += rows.Step(TLanes.Load(ref Unsafe.Add(ref e, i)) + (xi0 * b0 + xi1 * b1), r0 + i, out T d, out T ex);
                TLanes.Store(d, ref Unsafe.Add(ref e, i));
                extra += ex;
                g0 += d * xi0;
                g1 += d * xi1;
            }
            sums[2] += TLanes.Sum(g0);
            sums[3] += TLanes.Sum(g1);
        }
        else
        {
            Span<T> bv = stackalloc T[p];
            Span<T> gb = stackalloc T[p];
            for (int q = 0; q < p; q++) { bv[q] = TLanes.Broadcast(b[q]); gb[q] = ll; }
            for (int i = 0; i < len; i += w)
            {
                T xb = TLanes.Broadcast(0);
                for (int q = 0; q < p; q++) xb += TLanes.Load(ref Unsafe.Add(ref x, q * n + r0 + i)) * bv[q];
                ll += rows.Step(TLanes.Load(ref Unsafe.Add(ref e, i)) + xb, r0 + i, out T d, out T ex);
                TLanes.Store(d, ref Unsafe.Add(ref e, i));
                extra += ex;
                for (int q = 0; q < p; q++) gb[q] += d * TLanes.Load(ref Unsafe.Add(ref x, q * n + r0 + i));
            }
            for (int q = 0; q < p; q++) sums[2 + q] += TLanes.Sum(gb[q]);
        }
        sums[0] += TLanes.Sum(ll);
        sums[1] += TLanes.Sum(extra);
    }

    /// <summary>
    /// <see cref="FamilyPass"/> in three loops, for row formulas with a long dependency chain (e^x, log1p, divisions):
    /// η += X·b, then the rows alone (<see cref="RowsPass"/>), then Σ d·X. The fused loop leaves one chain in flight at a
    /// time (by a count of its dependent operations, about 200 cycles of latency per four rows of the logit family); the
    /// rows-only loop is short enough for the core to overlap several (hospital gradient: 2,226 → 3,500 evaluations/s,
    /// benchmarks/results/logit-rows-simd-2026-11-30.md). Every row's η, d and log likelihood, and every lane's sums, are the fused loop's
    /// arithmetic in the same order, so the results are the same bits.
    /// </summary>
    private static void SplitFamilyPass<TRows, T, TLanes>(TRows rows, ref double e, ref double x, int n, ReadOnlySpan<double> b, int r0, int len,
        Span<double> sums)
        where TRows : struct, IRowLikelihood<T>
        where T : unmanaged, IAdditionOperators<T, T, T>, IMultiplyOperators<T, T, T>
        where TLanes : struct, ILanes<T>
    {
        int p = b.Length, w = TLanes.Width;
        if (p == 2)
        {
            T b0 = TLanes.Broadcast(b[0]), b1 = TLanes.Broadcast(b[1]);
            ref double x0 = ref Unsafe.Add(ref x, r0);
            ref double x1 = ref Unsafe.Add(ref x, n + r0);
            for (int i = 0; i < len; i += w)
                TLanes.Store(TLanes.Load(ref Unsafe.Add(ref e, i))
                    + (TLanes.Load(ref Unsafe.Add(ref x0, i)) * b0 + TLanes.Load(ref Unsafe.Add(ref x1, i)) * b1), ref Unsafe.Add(ref e, i));
        }
        else
        {
            Span<T> bv = stackalloc T[p];
            for (int q = 0; q < p; q++) bv[q] = TLanes.Broadcast(b[q]);
            for (int i = 0; i < len; i += w)
            {
                T xb = TLanes.Broadcast(0);
                for (int q = 0; q < p; q++) xb += TLanes.Load(ref Unsafe.Add(ref x, q * n + r0 + i)) * bv[q];
                TLanes.Store(TLanes.Load(ref Unsafe.Add(ref e, i)) + xb, ref Unsafe.Add(ref e, i));
            }
        }
        RowsPass<TRows, T, TLanes>(rows, ref e, r0, len, out T ll, out T extra);
        for (int q = 0; q < p; q++)
        {
            T g = TLanes.Broadcast(0);
            ref double xq = ref Unsafe.Add(ref x, q * n + r0);
            for (int i = 0; i < len; i += w) g += TLanes.Load(ref Unsafe.Add(ref e, i)) * TLanes.Load(ref Unsafe.Add(ref xq, i));
            sums[2 + q] += TLanes.Sum(g);
        }
        sums[0] += TLanes.Sum(ll);
        sums[1] += TLanes.Sum(extra);
    }

    /// <summary>
    /// The row formula over η (which holds the full linear predictor), writing d over η; the lanes' log likelihood and
    /// extra sums in row order. Not inlined, so that the JIT's inlining budget covers the whole formula (its operators
    /// and elementary functions would otherwise stay calls).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void RowsPass<TRows, T, TLanes>(TRows rows, ref double e, int r0, int len, out T ll, out T extra)
        where TRows : struct, IRowLikelihood<T>
        where T : unmanaged, IAdditionOperators<T, T, T>, IMultiplyOperators<T, T, T>
        where TLanes : struct, ILanes<T>
    {
        int w = TLanes.Width;
        ll = TLanes.Broadcast(0);
        extra = ll;
        for (int i = 0; i < len; i += w)
        {
            ll += rows.Step(TLanes.Load(ref Unsafe.Add(ref e, i)), r0 + i, out T d, out T ex);
            TLanes.Store(d, ref Unsafe.Add(ref e, i));
            extra += ex;
        }
    }

    /// <summary>
    /// η[i] += Σ_t Z_t[r0+i,:]·r_t[g,:] in term order (η = that sum when <paramref name="overwrite"/>: η holds nothing
    /// yet); consecutive unit-Z terms (random intercepts) two or three at a time in one pass over η (the same additions
    /// in the same order as term by term).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void GatherTerms(ReadOnlySpan<double> sc, int r0, Span<double> eta, bool overwrite)
    {
        var terms = _terms;
        int len = eta.Length;
        ref double e = ref MemoryMarshal.GetReference(eta);
        if (overwrite && (terms.Length < 2 || !terms[0].UnitZ || !terms[1].UnitZ)) { eta.Clear(); overwrite = false; }
        for (int ti = 0; ti < terms.Length;)
        {
            var t = terms[ti];
            int unit = 0;
            while (unit < 3 && ti + unit < terms.Length && terms[ti + unit].UnitZ) unit++;
            if (unit < 2)
            {
                Gather(t, sc.Slice(t.R, t.J * t.K), r0, len, ref e);
                ti++;
                continue;
            }
            var u = terms[ti + 1];
            ref int g0 = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(t.G), r0);
            ref int g1 = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(u.G), r0);
            ref double ra = ref MemoryMarshal.GetReference(sc[t.R..]);
            ref double rb = ref MemoryMarshal.GetReference(sc[u.R..]);
            if (unit == 2)
            {
                if (overwrite) GatherPair<NewEta>(ref e, len, ref g0, ref ra, ref g1, ref rb);
                else GatherPair<AddToEta>(ref e, len, ref g0, ref ra, ref g1, ref rb);
            }
            else
            {
                var v = terms[ti + 2];
                ref int g2 = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(v.G), r0);
                ref double rc = ref MemoryMarshal.GetReference(sc[v.R..]);
                if (overwrite) GatherTriple<NewEta>(ref e, len, ref g0, ref ra, ref g1, ref rb, ref g2, ref rc);
                else GatherTriple<AddToEta>(ref e, len, ref g0, ref ra, ref g1, ref rb, ref g2, ref rc);
            }
            ti += unit;
            overwrite = false;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GatherPair<TStart>(ref double e, int len, ref int g0, ref double ra, ref int g1, ref double rb)
        where TStart : struct, IEtaStart
    {
        for (int i = 0; i < len; i++)
            Unsafe.Add(ref e, i) = TStart.Start(ref Unsafe.Add(ref e, i)) + Unsafe.Add(ref ra, Unsafe.Add(ref g0, i)) + Unsafe.Add(ref rb, Unsafe.Add(ref g1, i));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GatherTriple<TStart>(ref double e, int len, ref int g0, ref double ra, ref int g1, ref double rb, ref int g2, ref double rc)
        where TStart : struct, IEtaStart
    {
        for (int i = 0; i < len; i++)
            Unsafe.Add(ref e, i) = TStart.Start(ref Unsafe.Add(ref e, i)) + Unsafe.Add(ref ra, Unsafe.Add(ref g0, i)) + Unsafe.Add(ref rb, Unsafe.Add(ref g1, i))
                + Unsafe.Add(ref rc, Unsafe.Add(ref g2, i));
    }

    /// <summary>What a fused gather adds the group effects to: η as it is, or 0 (η holds nothing yet; no clearing pass).</summary>
    private interface IEtaStart
    {
        static abstract double Start(ref double eta);
    }

    private readonly struct AddToEta : IEtaStart
    {
        public static double Start(ref double eta) => eta;
    }

    private readonly struct NewEta : IEtaStart
    {
        public static double Start(ref double eta) => 0;
    }

    /// <summary>
    /// The chunk's d into each block-partial term's block sums, in row order: random intercepts whose levels jump from row
    /// to row (<see cref="TermData.Runs"/> false) two at a time in one pass over d (each term's additions the same as
    /// alone), the others one by one (<see cref="Scatter"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ScatterTerms(Span<double> sc, ReadOnlySpan<double> d, int r0, int block)
    {
        TermData? pending = null;
        foreach (var t in _terms)
        {
            if (t.BlockLo is null) continue;
            if (!t.UnitZ || t.Runs)
            {
                Scatter(t, d, r0, sc.Slice(t.Part + t.BlockStart![block], t.BlockWidth![block] * t.K), t.BlockLo[block]);
                continue;
            }
            if (pending is null) { pending = t; continue; }
            ref double ga = ref BlockSums(pending, sc, block);
            ref double gb = ref BlockSums(t, sc, block);
            ref int ia = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(pending.G), r0);
            ref int ib = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(t.G), r0);
            ref double dd = ref MemoryMarshal.GetReference(d);
            for (int i = 0; i < d.Length; i++)
            {
                double di = Unsafe.Add(ref dd, i);
                Unsafe.Add(ref ga, Unsafe.Add(ref ia, i)) += di;
                Unsafe.Add(ref gb, Unsafe.Add(ref ib, i)) += di;
            }
            pending = null;
        }
        if (pending is not null)
            Scatter(pending, d, r0, sc.Slice(pending.Part + pending.BlockStart![block], pending.BlockWidth![block]), pending.BlockLo![block]);
    }

    /// <summary>A reference that indexed by level gives the block's sum for that level (K = 1).</summary>
    private static ref double BlockSums(TermData t, Span<double> sc, int block) =>
        ref Unsafe.Subtract(ref sc[t.Part + t.BlockStart![block]], t.BlockLo![block]);

    /// <summary>η[i] += Z_t[r0+i,:]·r_t[g,:] for the rows of a block.</summary>
    private static void Gather(TermData t, ReadOnlySpan<double> rSpan, int r0, int len, ref double e)
    {
        int k = t.K;
        ref int g = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(t.G), r0);
        ref double z = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(t.Z), r0 * k);
        ref double r = ref MemoryMarshal.GetReference(rSpan);
        if (t.UnitZ)
            for (int i = 0; i < len; i++) Unsafe.Add(ref e, i) += Unsafe.Add(ref r, Unsafe.Add(ref g, i));
        else if (k == 1)
            for (int i = 0; i < len; i++) Unsafe.Add(ref e, i) += Unsafe.Add(ref z, i) * Unsafe.Add(ref r, Unsafe.Add(ref g, i));
        else if (k == 2)
            for (int i = 0; i < len; i++)
            {
                ref double rj = ref Unsafe.Add(ref r, 2 * Unsafe.Add(ref g, i));
                Unsafe.Add(ref e, i) += Unsafe.Add(ref z, 2 * i) * rj + Unsafe.Add(ref z, 2 * i + 1) * Unsafe.Add(ref rj, 1);
            }
        else
            for (int i = 0; i < len; i++)
            {
                ref double rj = ref Unsafe.Add(ref r, k * Unsafe.Add(ref g, i));
                ref double zi = ref Unsafe.Add(ref z, k * i);
                double s = 0;
                for (int m = 0; m < k; m++) s += Unsafe.Add(ref zi, m) * Unsafe.Add(ref rj, m);
                Unsafe.Add(ref e, i) += s;
            }
    }

    /// <summary>How a row loop reads, writes and sums <typeparamref name="T"/>: one row (double) or four (<see cref="Fp64x4"/>).</summary>
    private interface ILanes<T> where T : unmanaged
    {
        static abstract int Width { get; }
        static abstract T Load(ref double at);
        static abstract void Store(T value, ref double at);
        static abstract T Broadcast(double value);
        /// <summary>The lanes' sum in a fixed order.</summary>
        static abstract double Sum(T value);
    }

    private readonly struct ScalarLanes : ILanes<double>
    {
        public static int Width => 1;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Load(ref double at) => at;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(double value, ref double at) => at = value;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Broadcast(double value) => value;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Sum(double value) => value;
    }

    private readonly struct VectorLanes : ILanes<Fp64x4>
    {
        public static int Width => Vector256<double>.Count;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Fp64x4 Load(ref double at) => new(Vector256.LoadUnsafe(ref at));
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Fp64x4 value, ref double at) => value.Value.StoreUnsafe(ref at);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Fp64x4 Broadcast(double value) => new(Vector256.Create(value));
        /// <summary>(v0 + v1) + (v2 + v3).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static double Sum(Fp64x4 value) =>
            (value.Value.GetElement(0) + value.Value.GetElement(1)) + (value.Value.GetElement(2) + value.Value.GetElement(3));
    }

    /// <summary>
    /// The rows of one family: the log likelihood without its constant, d = ∂ log p/∂η and u² (gaussian, for ∂/∂log σ;
    /// 0 otherwise) of the row(s) starting at <c>i</c>, one per lane of <typeparamref name="T"/>.
    /// </summary>
    private interface IRowLikelihood<T>
    {
        /// <summary>Whether the row formula is a long dependency chain that runs best in a loop of its own (<see cref="SplitFamilyPass"/>).</summary>
        static abstract bool LongChain { get; }

        T Step(T eta, int i, out T d, out T extra);
    }

    /// <summary>normal_lpdf(y | η, σ) without −½log 2π − log σ (added once in Finish): <see cref="FamilyTerms.Normal{T}"/>.</summary>
    private readonly struct GaussianRows(double invSigma, double[] y) : IRowLikelihood<double>, IRowLikelihood<Fp64x4>
    {
        public static bool LongChain => false;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public double Step(double eta, int i, out double d, out double extra) =>
            FamilyTerms.Normal(Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(y), i), eta, invSigma, out d, out extra);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Fp64x4 Step(Fp64x4 eta, int i, out Fp64x4 d, out Fp64x4 extra) =>
            FamilyTerms.Normal(VectorLanes.Load(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(y), i)), eta, VectorLanes.Broadcast(invSigma), out d, out extra);
    }

    /// <summary>normal_lpdf(y | η, se_i) without its constant: <see cref="FamilyTerms.Normal{T}"/> with 1/se_i.</summary>
    private readonly struct GaussianSeRows(double[] invSe, double[] y) : IRowLikelihood<double>, IRowLikelihood<Fp64x4>
    {
        public static bool LongChain => false;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public double Step(double eta, int i, out double d, out double extra)
        {
            extra = 0;
            return FamilyTerms.Normal(Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(y), i), eta,
                Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(invSe), i), out d, out _);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Fp64x4 Step(Fp64x4 eta, int i, out Fp64x4 d, out Fp64x4 extra)
        {
            extra = VectorLanes.Broadcast(0);
            return FamilyTerms.Normal(VectorLanes.Load(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(y), i)), eta,
                VectorLanes.Load(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(invSe), i)), out d, out _);
        }
    }

    /// <summary>
    /// binomial_logit_lpmf(y | n, η) without log C(n, y): <see cref="FamilyTerms.BinomialLogit{T, TL}"/>;
    /// bernoulli when <c>trials</c> is null (n = 1).
    /// </summary>
    private readonly struct BinomialRows(double[]? trials, double[] y) : IRowLikelihood<double>, IRowLikelihood<Fp64x4>
    {
        public static bool LongChain => true;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public double Step(double eta, int i, out double d, out double extra)
        {
            extra = 0;
            double yi = Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(y), i);
            double n = trials is null ? 1 : Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(trials), i);
            return FamilyTerms.BinomialLogit<double, Fp64Lane>(yi, n, eta, out d);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Fp64x4 Step(Fp64x4 eta, int i, out Fp64x4 d, out Fp64x4 extra)
        {
            extra = VectorLanes.Broadcast(0);
            var yi = VectorLanes.Load(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(y), i));
            var n = trials is null ? VectorLanes.Broadcast(1) : VectorLanes.Load(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(trials), i));
            return FamilyTerms.BinomialLogit<Fp64x4, Fp64x4>(yi, n, eta, out d);
        }
    }

    /// <summary>poisson_log_lpmf(y | η) without −log y!: <see cref="FamilyTerms.PoissonLog{T, TL}"/>.</summary>
    private readonly struct PoissonRows(double[] y) : IRowLikelihood<double>, IRowLikelihood<Fp64x4>
    {
        public static bool LongChain => true;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public double Step(double eta, int i, out double d, out double extra)
        {
            extra = 0;
            return FamilyTerms.PoissonLog<double, Fp64Lane>(Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(y), i), eta, out d);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Fp64x4 Step(Fp64x4 eta, int i, out Fp64x4 d, out Fp64x4 extra)
        {
            extra = VectorLanes.Broadcast(0);
            return FamilyTerms.PoissonLog<Fp64x4, Fp64x4>(VectorLanes.Load(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(y), i)), eta, out d);
        }
    }
}
