using ILGPU;

namespace GpuHbm.Kernels;

/// <summary>
/// The GLMM log density and gradient for an ensemble of chains, as ILGPU kernels: the device half of
/// Compute/DeviceGlmmDensity.cs, the same model as the managed density (Models/GlmmDensity*.cs) and built
/// from the same shared scalar math (<see cref="FamilyTerms"/>, <see cref="PriorDensity"/>,
/// <see cref="CholeskyCorr"/>, <see cref="LkjCholesky"/>).
/// </summary>
/// <remarks>
/// θ per chain: b (P) | log σ (gaussian without se) | per term: log sd (K), CPC values (K(K−1)/2, correlated
/// terms), z (J × K, level-major). r_j = diag(sd)·L·z_j; a relationship term (K = 1) has r = sd·(L z) with
/// L = chol(K + εI). η_i = offset_i + Σ_t Z_t[i,:]·r_t[g_t(i),:] + X_i·b.
/// <para>One evaluation launches <see cref="Prepare"/> (a group per chain: hyperparameters, then r per
/// level), then per tile of rows <see cref="Rows"/> (a thread per row looping over the chains, so that one
/// read of the row serves them all) and <see cref="Sums"/> (fixed-tree segment sums of the log likelihood and
/// Xᵀd; per-level sums of d·Z through the rows in CSR order, sequential in row order), and finally
/// <see cref="Finish"/> (a group per chain: totals, chain rule, priors, Jacobians, −∞ when anything is not
/// finite). Every sum has a fixed order and none uses atomics, so results are bit-identical from run to run,
/// whatever the tile size, and a chain's result does not depend on the other chains. Work is spread by
/// grid-stride and group-stride loops, so any grid size gives the same result.</para>
/// </remarks>
public static partial class GlmmKernels
{
    /// <summary>A group per chain: hyperparameters (thread 0), then r for the chain's levels (all threads).</summary>
    [DeviceKernel]
    public static void Prepare(GlmmModelView m, GlmmPass e)
    {
        int t = Group.IdxX, g = Group.DimX;
        for (int c = Grid.IdxX; c < e.Chains; c += Grid.DimX)
        {
            if (e.Active[c] == 0) continue;   // uniform over the group
            var theta = e.Positions.SubView((long)c * m.D, m.D);
            var hyper = e.Hyper.SubView((long)c * m.Hyper, m.Hyper);
            if (t == 0) Hyperparameters(m, theta, hyper);
            Group.Barrier();
            var r = e.Effects.SubView((long)c * m.Effects, m.Effects);
            var w = e.KinshipProduct.SubView((long)c * m.Effects, m.Effects);
            for (int level = t; level < m.Levels; level += g) LevelEffects(m, theta, hyper, r, w, level);
        }
    }

    /// <summary>1/σ; per term sd = e^{log sd}, L from the CPC values (identity when uncorrelated) and log |J|.</summary>
    private static void Hyperparameters(GlmmModelView m, ArrayView<double> theta, ArrayView<double> hyper)
    {
        hyper[0] = m.SigmaOffset >= 0 ? DeviceMath.Exp(-theta[m.SigmaOffset]) : 0.0;
        for (int ti = 0; ti < m.Terms; ti++)
        {
            var term = m.TermTable[ti];
            int k = term.K;
            var sd = hyper.SubView(term.HyperOffset, k);
            var l = hyper.SubView(term.CholeskyAt, k * k);
            for (int a = 0; a < k; a++) sd[a] = DeviceMath.Exp(theta[term.SdOffset + a]);
            double logJ = 0;
            if (term.Kind == RandomTermKind.Correlated)
            {
                logJ = CholeskyCorr.Constrain(new ViewVector(theta.SubView(term.CorrelationOffset, CholeskyCorr.FreeCount(k))), k, new ViewVector(l));
            }
            else
            {
                for (int a = 0; a < k * k; a++) l[a] = 0.0;
                for (int a = 0; a < k; a++) l[a * k + a] = 1.0;
            }
            hyper[term.LogJacobianAt] = logJ;
        }
    }

    /// <summary>r_j = diag(sd)·L·z_j for one level (relationship terms: w_j = Σ_{m≤j} L[j,m] z_m, r_j = sd·w_j).</summary>
    private static void LevelEffects(GlmmModelView m, ArrayView<double> theta, ArrayView<double> hyper, ArrayView<double> r,
        ArrayView<double> w, int level)
    {
        var term = m.TermTable[m.LevelTerm[level]];
        int k = term.K, j = level - term.Level0;
        if (term.Kind == RandomTermKind.Relationship)
        {
            int jn = term.J;
            long row = term.KinshipOffset + (long)j * jn;
            double s = 0;
            for (int a = 0; a <= j; a++) s += m.Kinship[row + a] * theta[term.ZOffset + a];
            w[term.EffectOffset + j] = s;
            r[term.EffectOffset + j] = hyper[term.HyperOffset] * s;
            return;
        }
        int z = term.ZOffset + j * k, sd = term.HyperOffset, l = term.CholeskyAt, rj = term.EffectOffset + j * k;
        if (term.Kind == RandomTermKind.Independent)
        {
            for (int a = 0; a < k; a++) r[rj + a] = hyper[sd + a] * theta[z + a];
            return;
        }
        for (int a = 0; a < k; a++)
        {
            double s = 0;
            for (int b = 0; b <= a; b++) s += hyper[l + a * k + b] * theta[z + b];
            r[rj + a] = hyper[sd + a] * s;
        }
    }
}
