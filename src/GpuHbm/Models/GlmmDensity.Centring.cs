using System.Buffers;
using GpuHbm.Kernels;

namespace GpuHbm.Models;

internal sealed partial class GlmmDensity
{
    /// <summary>True when some term's effects can be partially centred (an independent term: K = 1 or <c>(x || g)</c>).</summary>
    public bool CanCentre => _terms.Any(t => t.Kind == RandomTermKind.Independent);

    /// <summary>
    /// θ index of the intercept (the fixed-effect column that is 1 in every row), or −1 when the model has none: the
    /// coefficient that hierarchical centring can move into a random intercept (<see cref="InterceptTerms"/>).
    /// </summary>
    public int InterceptIndex
    {
        get
        {
            for (int q = 0; q < _p; q++)
            {
                bool ones = true;
                for (int i = 0; i < _n && ones; i++) ones = _xColumns[q * _n + i] == 1.0;
                if (ones) return q;
            }
            return -1;
        }
    }

    /// <summary>
    /// The random intercepts that can absorb the intercept (independent terms with one unit-Z effect per level, so that
    /// every row's η holds b + r_g): θ offset of their effects, their number of levels and the θ index of their log sd,
    /// in term order. The intercept column of a <c>(1 + x || g)</c> term would qualify too; it is left out (K = 1 only).
    /// </summary>
    public IReadOnlyList<(int Offset, int Levels, int SdOffset)> InterceptTerms =>
        _terms.Where(t => t.Kind == RandomTermKind.Independent && t.K == 1 && t.UnitZ).Select(t => (t.ZOffset, t.J, t.SdOffset)).ToList();

    /// <summary>
    /// The partial-centring weight λ of every θ entry (<see cref="Centring.Weight"/>) given the non-centred position
    /// <paramref name="theta"/>: each effect of an independent term gets λ = I·sd²/(1 + I·sd²) with I its rows' information
    /// at θ's linear predictor; every other entry 0. Null when no term can be centred.
    /// </summary>
    public double[]? CentringWeights(ReadOnlySpan<double> theta)
    {
        if (theta.Length != _dim) throw new ArgumentException($"theta has {theta.Length} values, the model {_dim}");
        if (!CanCentre) return null;
        double[] scratch = ArrayPool<double>.Shared.Rent(_scratchPerChain);
        try
        {
            var sc = scratch.AsSpan(0, _scratchPerChain);
            Prepare(theta, sc, null);
            // η per row (as Block: offset, group effects, X·b), then its information, over η.
            var eta = sc.Slice(_etaOffset, _n);
            if (_offset is null) eta.Clear(); else _offset.CopyTo(eta);
            ref double e = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(eta);
            foreach (var t in _terms) Gather(t, sc.Slice(t.R, t.J * t.K), 0, _n, ref e);
            double sigma = _sigmaOffset >= 0 ? Math.Exp(theta[_sigmaOffset]) : double.NaN;
            for (int i = 0; i < _n; i++)
            {
                double xb = 0;
                for (int q = 0; q < _p; q++) xb += _x[i * _p + q] * theta[q];
                eta[i] = ResponseDistribution.Information(_family, eta[i] + xb, _trials?[i] ?? 1, _se?[i] ?? sigma);
            }
            var weights = new double[_dim];
            foreach (var t in _terms)
            {
                if (t.Kind != RandomTermKind.Independent) continue;
                int k = t.K;
                var information = weights.AsSpan(t.ZOffset, t.J * k);   // accumulated in place, then turned into λ
                for (int i = 0; i < _n; i++)
                    for (int m = 0; m < k; m++)
                    {
                        double zi = t.UnitZ ? 1 : t.Z[i * k + m];
                        information[t.G[i] * k + m] += zi * zi * eta[i];
                    }
                for (int idx = 0; idx < information.Length; idx++)
                    information[idx] = Centring.Weight(information[idx], Math.Exp(theta[t.SdOffset + idx % k]));
            }
            return weights;
        }
        finally
        {
            ArrayPool<double>.Shared.Return(scratch);
        }
    }

    /// <summary>
    /// Multiplies each entry of <paramref name="values"/> by sd^(λ_to − λ_from), sd from <paramref name="theta"/>, where
    /// <paramref name="from"/> and <paramref name="to"/> are centring weights (null: all 0, the non-centred z). With
    /// values = θ (the same array) it moves the position to the new weights keeping the group-level effects r
    /// (w_to = w_from·sd^(λ_to − λ_from)); applied twice to a diagonal inverse metric, it carries the variances along.
    /// Only the z entries change, never the log sd that the factors come from.
    /// </summary>
    public void Recentre(ReadOnlySpan<double> theta, Span<double> values, double[]? from, double[]? to)
    {
        if (theta.Length != _dim || values.Length != _dim) throw new ArgumentException($"theta and values need {_dim} values");
        if (from is null && to is null) return;
        foreach (var t in _terms)
        {
            if (t.Kind != RandomTermKind.Independent) continue;
            int k = t.K;
            for (int idx = 0; idx < t.J * k; idx++)
            {
                int i = t.ZOffset + idx;
                double change = (to?[i] ?? 0) - (from?[i] ?? 0);
                if (change != 0) values[i] *= Math.Exp(change * theta[t.SdOffset + idx % k]);
            }
        }
    }
}
