using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using GpuHbm.Kernels;

namespace GpuHbm.Models;

internal sealed partial class GlmmDensity
{
    /// <summary>
    /// Sums the block partials in block order, scatters d into ∂/∂r by group, applies the chain rule to
    /// z, log sd and the Cholesky values, and adds priors and log-Jacobians. Returns log p (−∞ with a
    /// zero gradient when anything is not finite).
    /// </summary>
    private double Finish(ReadOnlySpan<double> theta, Span<double> sc, Span<double> grad)
    {
        int p = _p;
        grad.Clear();
        Span<double> aBuffer = stackalloc double[_maxK];

        // Likelihood: block partials in block order.
        double ll = 0, extra = 0;
        var gb = grad[..p];
        for (int blk = 0; blk < _blockCount; blk++)
        {
            var part = sc.Slice(_partialOffset + blk * _partialStride, _partialStride);
            ll += part[0];
            extra += part[1];
            for (int q = 0; q < p; q++) gb[q] += part[2 + q];
        }
        double lp = _constant + ll;

        // b priors.
        var bPriors = _priors.B;
        for (int q = 0; q < p; q++)
        {
            lp += PriorDensity.LogDensity(bPriors[q].Slot, theta[q], out double dq);
            gb[q] += dq;
        }

        // sigma: ll had −½Σu²; add −N log σ, the prior (half), and the Jacobian log σ.
        if (_sigmaOffset >= 0)
        {
            lp += FamilyTerms.GaussianSigma(_priors.Sigma!.Slot, theta[_sigmaOffset], _n, extra, out double gSigma);
            grad[_sigmaOffset] = gSigma;
        }

        ReadOnlySpan<double> d = sc.Slice(_etaOffset, _n);
        for (int ti = 0; ti < _terms.Length; ti++)
        {
            var t = _terms[ti];
            int k = t.K, jn = t.J;
            var gr = sc.Slice(t.Gr, jn * k);
            if (_blockCount > 1) Scatter(t, d, gr);   // a single block scattered in Block, in the same row order

            ReadOnlySpan<double> sd = sc.Slice(t.Sd, k);
            ReadOnlySpan<double> z = theta.Slice(t.ZOffset, jn * k);
            var gz = grad.Slice(t.ZOffset, jn * k);
            var gsd = grad.Slice(t.SdOffset, k);   // accumulates ∂/∂sd first
            double zz = 0;
            if (t.Kind == RandomTermKind.Relationship)
            {
                // r = sd·w, w = L z: ∂/∂z = Lᵀ(sd·∂/∂r) − z, ∂/∂sd = Σ_j ∂/∂r_j·w_j.
                ReadOnlySpan<double> w = sc.Slice(t.W, jn);
                var tmp = sc.Slice(t.Tmp, jn);
                double s0 = sd[0], a0 = 0;
                for (int j = 0; j < jn; j++)
                {
                    tmp[j] = s0 * gr[j];
                    a0 += gr[j] * w[j];
                    zz += z[j] * z[j];
                }
                gsd[0] += a0;
                t.Chol!.MultiplyTransposed(tmp, gz, 1);
                for (int j = 0; j < jn; j++) gz[j] -= z[j];
            }
            else if (t.Kind == RandomTermKind.Independent)
            {
                for (int j = 0; j < jn; j++)
                    for (int m = 0; m < k; m++)
                    {
                        int idx = j * k + m;
                        double zv = z[idx], gv = gr[idx];
                        zz += zv * zv;
                        gz[idx] = sd[m] * gv - zv;
                        gsd[m] += gv * zv;
                    }
            }
            else
            {
                ReadOnlySpan<double> l = sc.Slice(t.L, k * k);
                var gL = sc.Slice(t.GL, k * k);
                gL.Clear();
                var a = aBuffer[..k];
                for (int j = 0; j < jn; j++)
                {
                    var zj = z.Slice(j * k, k);
                    var grj = gr.Slice(j * k, k);
                    var gzj = gz.Slice(j * k, k);
                    for (int r = 0; r < k; r++)
                    {
                        a[r] = sd[r] * grj[r];
                        double w = 0;
                        for (int m = 0; m <= r; m++)
                        {
                            w += l[r * k + m] * zj[m];
                            gL[r * k + m] += a[r] * zj[m];
                        }
                        gsd[r] += grj[r] * w;
                    }
                    for (int m = 0; m < k; m++)
                    {
                        double s = -zj[m];
                        for (int r = m; r < k; r++) s += l[r * k + m] * a[r];
                        gzj[m] = s;
                        zz += zj[m] * zj[m];
                    }
                }
                lp += sc[t.LogJ] + LkjCorrCholesky.LogDensity(l, k, _priors.CorEta[ti], _priors.CorLogConstant[ti], gL);
                CholeskyCorrTransform.Gradient(theta.Slice(t.LOffset, CholeskyCorrTransform.FreeCount(k)), k, l, gL,
                    grad.Slice(t.LOffset, CholeskyCorrTransform.FreeCount(k)));
            }
            lp -= 0.5 * zz;

            var sdPriors = _priors.Sd[ti];
            for (int m = 0; m < k; m++)
            {
                lp += PriorDensity.OnLogScale(sdPriors[m].Slot, theta[t.SdOffset + m], sd[m], gsd[m], out double g);
                gsd[m] = g;
            }
        }

        if (!double.IsFinite(lp)) { grad.Clear(); return double.NegativeInfinity; }
        foreach (var v in grad)
            if (!double.IsFinite(v)) { grad.Clear(); return double.NegativeInfinity; }
        return lp;
    }

    /// <summary>
    /// ∂/∂r_t[g_i,:] = Σ_i d_i·Z_t[i,:] over all rows, in row order. Consecutive rows of the same level
    /// are summed in registers first (data are often sorted by group), which removes the store-to-load
    /// dependency of adding into the same entries row after row.
    /// </summary>
    private void Scatter(TermData t, ReadOnlySpan<double> d, Span<double> grSpan)
    {
        grSpan.Clear();
        int k = t.K, n = d.Length;
        ref int g = ref MemoryMarshal.GetArrayDataReference(t.G);
        ref double z = ref MemoryMarshal.GetArrayDataReference(t.Z);
        ref double dd = ref MemoryMarshal.GetReference(d);
        ref double gr = ref MemoryMarshal.GetReference(grSpan);
        if (t.UnitZ || k == 1)
        {
            int cur = -1;
            double a0 = 0;
            for (int i = 0; i < n; i++)
            {
                int gi = Unsafe.Add(ref g, i);
                if (gi != cur)
                {
                    if (cur >= 0) Unsafe.Add(ref gr, cur) += a0;
                    cur = gi;
                    a0 = 0;
                }
                a0 += t.UnitZ ? Unsafe.Add(ref dd, i) : Unsafe.Add(ref dd, i) * Unsafe.Add(ref z, i);
            }
            if (cur >= 0) Unsafe.Add(ref gr, cur) += a0;
        }
        else if (k == 2)
        {
            int cur = -1;
            double a0 = 0, a1 = 0;
            for (int i = 0; i < n; i++)
            {
                int gi = Unsafe.Add(ref g, i);
                if (gi != cur)
                {
                    if (cur >= 0) { Unsafe.Add(ref gr, 2 * cur) += a0; Unsafe.Add(ref gr, 2 * cur + 1) += a1; }
                    cur = gi;
                    a0 = a1 = 0;
                }
                double di = Unsafe.Add(ref dd, i);
                a0 += di * Unsafe.Add(ref z, 2 * i);
                a1 += di * Unsafe.Add(ref z, 2 * i + 1);
            }
            if (cur >= 0) { Unsafe.Add(ref gr, 2 * cur) += a0; Unsafe.Add(ref gr, 2 * cur + 1) += a1; }
        }
        else
        {
            for (int i = 0; i < n; i++)
            {
                ref double gj = ref Unsafe.Add(ref gr, k * Unsafe.Add(ref g, i));
                ref double zi = ref Unsafe.Add(ref z, k * i);
                double di = Unsafe.Add(ref dd, i);
                for (int m = 0; m < k; m++) Unsafe.Add(ref gj, m) += di * Unsafe.Add(ref zi, m);
            }
        }
    }
}
