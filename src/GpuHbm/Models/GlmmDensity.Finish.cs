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
    private double Finish(ReadOnlySpan<double> theta, Span<double> sc, Span<double> grad, double[]? centring)
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
            SumBlocks(t, sc, d, gr);

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
            else if (t.Kind == RandomTermKind.Independent && centring is not null)
            {
                for (int idx = 0; idx < jn * k; idx++)
                {
                    int m = idx % k;
                    double zv = z[idx], gv = gr[idx], lambda = centring[t.ZOffset + idx];
                    if (lambda == 0)
                    {
                        zz += zv * zv;
                        gz[idx] = sd[m] * gv - zv;
                        gsd[m] += gv * zv;
                    }
                    else
                    {
                        lp += Centring.LevelTerms(theta[t.SdOffset + m], sd[m], lambda, zv, gv, out gz[idx], out double gs);
                        gsd[m] += gs;
                    }
                }
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
    /// ∂/∂r_t = Σ_i d_i·Z_t[i,:] by level: the blocks' own sums (<see cref="BlockCore{TRows, T, TLanes}"/>) added in
    /// block order, each block's over the levels it touches (a level a block does not touch gets an exact +0 there);
    /// without block partials, all rows scattered here in row order.
    /// </summary>
    private void SumBlocks(TermData t, ReadOnlySpan<double> sc, ReadOnlySpan<double> d, Span<double> gr)
    {
        gr.Clear();
        if (t.BlockLo is null)
        {
            Scatter(t, d, 0, gr, 0);
            return;
        }
        int k = t.K;
        for (int blk = 0; blk < _blockCount; blk++)
        {
            var dst = gr.Slice(t.BlockLo[blk] * k, t.BlockWidth![blk] * k);
            System.Numerics.Tensors.TensorPrimitives.Add(dst, sc.Slice(t.Part + t.BlockStart![blk], dst.Length), dst);
        }
    }

    /// <summary>
    /// ∂/∂r_t[g_i − <paramref name="lo"/>,:] += d_i·Z_t[r0 + i,:] for the rows of <paramref name="d"/> (absolute rows
    /// <paramref name="r0"/> on), in row order. Consecutive rows of the same level are summed in registers first (data
    /// are often sorted by group), which removes the store-to-load dependency of adding into the same entries row after row;
    /// a unit-Z term whose levels rarely repeat from one row to the next (<see cref="TermData.Runs"/> false) adds each row
    /// straight into its level.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Scatter(TermData t, ReadOnlySpan<double> d, int r0, Span<double> grSpan, int lo)
    {
        int k = t.K, n = d.Length;
        ref int g = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(t.G), r0);
        ref double z = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(t.Z), r0 * k);
        ref double dd = ref MemoryMarshal.GetReference(d);
        ref double gr = ref Unsafe.Subtract(ref MemoryMarshal.GetReference(grSpan), lo * k);
        if (t.UnitZ && !t.Runs)
        {
            // Levels jump from row to row: adding straight into them beats testing for runs that are not there.
            for (int i = 0; i < n; i++) Unsafe.Add(ref gr, Unsafe.Add(ref g, i)) += Unsafe.Add(ref dd, i);
        }
        else if (t.UnitZ || k == 1)
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
