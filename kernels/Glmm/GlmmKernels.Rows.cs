using ILGPU;

namespace GpuHbm.Kernels;

public static partial class GlmmKernels
{
    /// <summary>
    /// A thread per row of the tile (grid-stride), looping over the chains: η, then the family's log likelihood
    /// without its constant and d = ∂ log p/∂η (<see cref="FamilyTerms.Row"/>) into the tile scratch (chain c's
    /// row at c·Tile + row − FirstRow).
    /// </summary>
    [DeviceKernel]
    public static void Rows(GlmmModelView m, GlmmPass e)
    {
        long stride = (long)Grid.DimX * Group.DimX;
        for (long id = Grid.GlobalIndex.X; id < e.Rows; id += stride)
        {
            int i = e.FirstRow + (int)id;
            double y = m.Y[i];
            double offset = m.HasOffset != 0 ? m.Offset[i] : 0.0;
            double trials = m.Likelihood == LikelihoodKind.Binomial ? m.Trials[i] : 1.0;
            double inverseSe = m.Likelihood == LikelihoodKind.GaussianKnownSe ? m.InverseSe[i] : 0.0;
            long xi = (long)i * m.P;
            for (int c = 0; c < e.Chains; c++)
            {
                if (e.Active[c] == 0) continue;
                long effects = (long)c * m.Effects;
                double eta = offset;
                for (int ti = 0; ti < m.Terms; ti++)
                {
                    var term = m.TermTable[ti];
                    int k = term.K;
                    long zi = term.DesignOffset + (long)i * k;
                    long rj = effects + term.EffectOffset + (long)m.Group[(long)ti * m.N + i] * k;
                    double s = 0;
                    for (int a = 0; a < k; a++) s += m.Design[zi + a] * e.Effects[rj + a];
                    eta += s;
                }
                long b = (long)c * m.D;
                double xb = 0;
                for (int q = 0; q < m.P; q++) xb += m.X[xi + q] * e.Positions[b + q];
                eta += xb;
                double scale = m.Likelihood == LikelihoodKind.Gaussian ? e.Hyper[(long)c * m.Hyper] : inverseSe;
                double logLik = FamilyTerms.Row(m.Likelihood, y, trials, scale, eta, out double d, out _);
                long o = (long)c * e.Tile + id;
                e.TileD[o] = d;
                e.TileLogLik[o] = logLik;
            }
        }
    }
}
