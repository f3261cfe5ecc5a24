namespace GpuHbm.Models;

internal sealed partial class GlmmDensity
{
    /// <summary>
    /// One block of rows: η, the family's log likelihood and d_i = ∂ log p(y_i)/∂η_i (stored over η in
    /// scratch), and the block's partial sums [Σ log-lik, Σ u² (gaussian), Σ d_i X_i].
    /// </summary>
    private void Block(ReadOnlySpan<double> theta, Span<double> sc, int block)
    {
        int r0 = block * _blockRows, r1 = Math.Min(_n, r0 + _blockRows), len = r1 - r0, p = _p;
        var eta = sc.Slice(_etaOffset + r0, len);
        var partial = sc.Slice(_partialOffset + block * _partialStride, _partialStride);
        var b = theta[..p];

        // Fixed part and offsets.
        ReadOnlySpan<double> x = _x.AsSpan(r0 * p, len * p);
        if (_offset is null) eta.Clear(); else _offset.AsSpan(r0, len).CopyTo(eta);
        if (p == 1)
        {
            double b0 = b[0];
            for (int i = 0; i < len; i++) eta[i] += x[i] * b0;
        }
        else if (p == 2)
        {
            double b0 = b[0], b1 = b[1];
            for (int i = 0; i < len; i++) eta[i] += x[2 * i] * b0 + x[2 * i + 1] * b1;
        }
        else if (p > 0)
        {
            for (int i = 0; i < len; i++)
            {
                double s = 0;
                var xi = x.Slice(i * p, p);
                for (int q = 0; q < p; q++) s += xi[q] * b[q];
                eta[i] += s;
            }
        }

        // Group-level parts.
        foreach (var t in _terms)
        {
            ReadOnlySpan<double> r = sc.Slice(t.R, t.J * t.K);
            ReadOnlySpan<int> g = t.G.AsSpan(r0, len);
            int k = t.K;
            ReadOnlySpan<double> z = t.Z.AsSpan(r0 * k, len * k);
            if (t.UnitZ)
                for (int i = 0; i < len; i++) eta[i] += r[g[i]];
            else if (k == 1)
                for (int i = 0; i < len; i++) eta[i] += z[i] * r[g[i]];
            else if (k == 2)
                for (int i = 0; i < len; i++)
                {
                    int j = 2 * g[i];
                    eta[i] += z[2 * i] * r[j] + z[2 * i + 1] * r[j + 1];
                }
            else
                for (int i = 0; i < len; i++)
                {
                    var ri = r.Slice(g[i] * k, k);
                    var zi = z.Slice(i * k, k);
                    double s = 0;
                    for (int m = 0; m < k; m++) s += zi[m] * ri[m];
                    eta[i] += s;
                }
        }

        // Family: log likelihood (without its data-only constant) and d = ∂/∂η, written over η.
        double ll = 0, extra = 0;
        ReadOnlySpan<double> y = _y.AsSpan(r0, len);
        switch (_family)
        {
            case FamilyKind.Gaussian when _invSe is null:
            {
                double invSigma = Math.Exp(-theta[_sigmaOffset]);
                double ss = 0;
                for (int i = 0; i < len; i++)
                {
                    double u = (y[i] - eta[i]) * invSigma;
                    ss += u * u;
                    eta[i] = u * invSigma;
                }
                ll = -0.5 * ss;
                extra = ss;
                break;
            }
            case FamilyKind.Gaussian:
            {
                ReadOnlySpan<double> inv = _invSe.AsSpan(r0, len);
                double ss = 0;
                for (int i = 0; i < len; i++)
                {
                    double u = (y[i] - eta[i]) * inv[i];
                    ss += u * u;
                    eta[i] = u * inv[i];
                }
                ll = -0.5 * ss;
                break;
            }
            case FamilyKind.Bernoulli:
                for (int i = 0; i < len; i++)
                {
                    double e = eta[i];
                    double ex = Math.Exp(-Math.Abs(e));
                    double sig = e >= 0 ? 1 / (1 + ex) : ex / (1 + ex);
                    ll += y[i] * e - (Math.Max(e, 0) + Math.Log(1 + ex));
                    eta[i] = y[i] - sig;
                }
                break;
            case FamilyKind.Binomial:
            {
                ReadOnlySpan<double> n = _trials.AsSpan(r0, len);
                for (int i = 0; i < len; i++)
                {
                    double e = eta[i];
                    double ex = Math.Exp(-Math.Abs(e));
                    double sig = e >= 0 ? 1 / (1 + ex) : ex / (1 + ex);
                    ll += y[i] * e - n[i] * (Math.Max(e, 0) + Math.Log(1 + ex));
                    eta[i] = y[i] - n[i] * sig;
                }
                break;
            }
            case FamilyKind.Poisson:
                for (int i = 0; i < len; i++)
                {
                    double e = eta[i];
                    double mu = Math.Exp(e);
                    ll += y[i] * e - mu;
                    eta[i] = y[i] - mu;
                }
                break;
        }
        partial[0] = ll;
        partial[1] = extra;

        // Σ d_i X_i.
        var gb = partial[2..];
        gb.Clear();
        if (p == 1)
        {
            double s0 = 0;
            for (int i = 0; i < len; i++) s0 += eta[i] * x[i];
            gb[0] = s0;
        }
        else if (p == 2)
        {
            double s0 = 0, s1 = 0;
            for (int i = 0; i < len; i++) { s0 += eta[i] * x[2 * i]; s1 += eta[i] * x[2 * i + 1]; }
            gb[0] = s0;
            gb[1] = s1;
        }
        else if (p > 0)
        {
            for (int i = 0; i < len; i++)
            {
                double d = eta[i];
                var xi = x.Slice(i * p, p);
                for (int q = 0; q < p; q++) gb[q] += d * xi[q];
            }
        }
    }
}
