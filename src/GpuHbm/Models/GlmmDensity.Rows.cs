using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using GpuHbm.Kernels;

namespace GpuHbm.Models;

internal sealed partial class GlmmDensity
{
    /// <summary>
    /// One block of rows: η_i = offset + X_i·b + Σ_t Z_t[i,:]·r_t[g_t[i],:]; the family's log likelihood
    /// (without its data-only constant) and d_i = ∂ log p(y_i)/∂η_i, stored over η in scratch; the block's
    /// partial sums [Σ log-lik, Σ u² (gaussian), Σ d_i X_i]; and, when the data are a single block, the
    /// scatter of d into ∂/∂r_t (otherwise <see cref="Finish"/> does it, identically, after all blocks).
    /// Each step is its own tight loop over the block's rows (all in L1 for the usual block size).
    /// </summary>
    private void Block(ReadOnlySpan<double> theta, Span<double> sc, int block)
    {
        switch (_likelihood)
        {
            case LikelihoodKind.Gaussian:
                BlockCore(theta, sc, block, new GaussianRows(DeviceMath.Exp(-theta[_sigmaOffset]), _y));
                break;
            case LikelihoodKind.GaussianKnownSe:
                BlockCore(theta, sc, block, new GaussianSeRows(_invSe!, _y));
                break;
            case LikelihoodKind.Bernoulli:
                BlockCore(theta, sc, block, new BinomialRows(null, _y));
                break;
            case LikelihoodKind.Binomial:
                BlockCore(theta, sc, block, new BinomialRows(_trials, _y));
                break;
            default:
                BlockCore(theta, sc, block, new PoissonRows(_y));
                break;
        }
    }

    private void BlockCore<TRows>(ReadOnlySpan<double> theta, Span<double> sc, int block, TRows rows)
        where TRows : struct, IRowLikelihood
    {
        int r0 = block * _blockRows, r1 = Math.Min(_n, r0 + _blockRows), len = r1 - r0, p = _p;
        var partial = sc.Slice(_partialOffset + block * _partialStride, _partialStride);
        var eta = sc.Slice(_etaOffset + r0, len);

        // η = offset + Σ_t Z_t[i,:]·r_t[g_t[i],:]; the family pass adds X_i·b.
        ref double x = ref MemoryMarshal.GetArrayDataReference(_x);
        if (_offset is null) eta.Clear(); else _offset.AsSpan(r0, len).CopyTo(eta);
        ref double e = ref MemoryMarshal.GetReference(eta);
        foreach (var t in _terms) Gather(t, sc.Slice(t.R, t.J * t.K), r0, len, ref e);

        // Family: log likelihood and d over η; Σ d_i X_i.
        if (p == 2) FamilyPass2(rows, ref e, ref Unsafe.Add(ref x, 2 * r0), theta[0], theta[1], r0, len, partial);
        else FamilyPassP(rows, ref e, ref x, theta[..p], r0, len, partial);

        // A single block: scatter d into ∂/∂r here (Finish does it otherwise, identically).
        if (_blockCount == 1)
            foreach (var t in _terms) Scatter(t, eta, sc.Slice(t.Gr, t.J * t.K));
    }

    /// <summary>
    /// Adds X_i·b to η_i, then d_i (written over η) and the partials [Σ log-lik, Σ extra, Σ d_i X_i];
    /// P = 2 (intercept and one slope, the common case) has its own loop. Methods of their own so that
    /// the accumulators stay in registers.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void FamilyPass2<TRows>(TRows rows, ref double e, ref double xr, double b0, double b1, int r0, int len, Span<double> partial)
        where TRows : struct, IRowLikelihood
    {
        double ll = 0, extra = 0, g0 = 0, g1 = 0;
        for (int i = 0; i < len; i++)
        {
            double x0 = Unsafe.Add(ref xr, 2 * i), x1 = Unsafe.Add(ref xr, 2 * i + 1);
            var step = rows.Step(Unsafe.Add(ref e, i) + (x0 * b0 + x1 * b1), r0 + i);
            double d = step.D;
            Unsafe.Add(ref e, i) = d;
            ll += step.LogLik;
            extra += step.Extra;
            g0 += d * x0;
            g1 += d * x1;
        }
        partial[0] = ll;
        partial[1] = extra;
        partial[2] = g0;
        partial[3] = g1;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void FamilyPassP<TRows>(TRows rows, ref double e, ref double x, ReadOnlySpan<double> bSpan, int r0, int len, Span<double> partial)
        where TRows : struct, IRowLikelihood
    {
        int p = bSpan.Length;
        double ll = 0, extra = 0;
        var gb = partial[2..];
        gb.Clear();
        ref double g = ref MemoryMarshal.GetReference(gb);
        ref double b = ref MemoryMarshal.GetReference(bSpan);
        for (int i = 0; i < len; i++)
        {
            ref double xi = ref Unsafe.Add(ref x, (r0 + i) * p);
            double xb = 0;
            for (int q = 0; q < p; q++) xb += Unsafe.Add(ref xi, q) * Unsafe.Add(ref b, q);
            var step = rows.Step(Unsafe.Add(ref e, i) + xb, r0 + i);
            double d = step.D;
            Unsafe.Add(ref e, i) = d;
            ll += step.LogLik;
            extra += step.Extra;
            for (int q = 0; q < p; q++) Unsafe.Add(ref g, q) += d * Unsafe.Add(ref xi, q);
        }
        partial[0] = ll;
        partial[1] = extra;
    }

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

    /// <summary>One row of a family: d = ∂ log p/∂η, the log likelihood, and u² (gaussian, for ∂/∂log σ).</summary>
    private interface IRowLikelihood
    {
        (double D, double LogLik, double Extra) Step(double eta, int i);
    }

    /// <summary>normal_lpdf(y | η, σ) without −½log 2π − log σ (added once in Finish): <see cref="FamilyTerms.Normal"/>.</summary>
    private readonly struct GaussianRows(double invSigma, double[] y) : IRowLikelihood
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public (double D, double LogLik, double Extra) Step(double eta, int i)
        {
            double ll = FamilyTerms.Normal(Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(y), i), eta, invSigma, out double d, out double uu);
            return (d, ll, uu);
        }
    }

    /// <summary>normal_lpdf(y | η, se_i) without its constant: <see cref="FamilyTerms.Normal"/> with 1/se_i.</summary>
    private readonly struct GaussianSeRows(double[] invSe, double[] y) : IRowLikelihood
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public (double D, double LogLik, double Extra) Step(double eta, int i)
        {
            double ll = FamilyTerms.Normal(Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(y), i), eta,
                Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(invSe), i), out double d, out _);
            return (d, ll, 0);
        }
    }

    /// <summary>
    /// binomial_logit_lpmf(y | n, η) without log C(n, y): <see cref="FamilyTerms.BinomialLogit"/>;
    /// bernoulli when <c>trials</c> is null (n = 1).
    /// </summary>
    private readonly struct BinomialRows(double[]? trials, double[] y) : IRowLikelihood
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public (double D, double LogLik, double Extra) Step(double eta, int i)
        {
            double yi = Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(y), i);
            double n = trials is null ? 1 : Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(trials), i);
            double ll = FamilyTerms.BinomialLogit(yi, n, eta, out double d);
            return (d, ll, 0);
        }
    }

    /// <summary>poisson_log_lpmf(y | η) without −log y!: <see cref="FamilyTerms.PoissonLog"/>.</summary>
    private readonly struct PoissonRows(double[] y) : IRowLikelihood
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public (double D, double LogLik, double Extra) Step(double eta, int i)
        {
            double ll = FamilyTerms.PoissonLog(Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(y), i), eta, out double d);
            return (d, ll, 0);
        }
    }
}
