using ILGPU;

namespace GpuHbm.Kernels;

public static partial class GlmmKernels
{
    /// <summary>
    /// A group per chain (group-stride): the segment partials' totals (log likelihood and Xᵀd) by fixed trees;
    /// the b priors and the gaussian σ terms; per term the chain rule through r = diag(sd)·L·z (relationship
    /// terms: ∂/∂z = Lᵀ(sd·∂/∂r) − z) with the per-chain sums (∂/∂sd, ∂/∂L, zᵀz) reduced by fixed trees, then
    /// the LKJ prior and the CPC gradient, the z prior, the sd priors and Jacobians; log density −∞ when it or
    /// any gradient component is not finite.
    /// </summary>
    [DeviceKernel]
    public static void Finish(GlmmModelView m, GlmmPass e)
    {
        var scratch = GroupReduce.Scratch();
        int t = Group.IdxX, g = Group.DimX, columns = m.P + 1;
        for (int c = Grid.IdxX; c < e.Chains; c += Grid.DimX)
        {
            if (e.Active[c] == 0) continue;   // uniform over the group
            var theta = e.Positions.SubView((long)c * m.D, m.D);
            var grad = e.Gradient.SubView((long)c * m.D, m.D);
            var hyper = e.Hyper.SubView((long)c * m.Hyper, m.Hyper);
            bool bad = false;
            double logLik = 0, lp = 0;

            // Likelihood totals: q = 0 the log likelihood, q > 0 Σ d·X[:, q−1].
            for (int q = 0; q < columns; q++)
            {
                long part = ((long)c * columns + q) * e.Segments;
                double a = 0;
                for (int s = t; s < e.Segments; s += g) a += e.Partials[part + s];
                double v = GroupReduce.Sum(scratch, a);
                if (t == 0)
                {
                    if (q == 0) logLik = v; else grad[q - 1] = v;
                }
            }

            if (t == 0)
            {
                lp = m.Constant + logLik;
                for (int q = 0; q < m.P; q++)
                {
                    lp += PriorDensity.LogDensity(m.Priors[q], theta[q], out double dq);
                    grad[q] = grad[q] + dq;
                    bad |= !Finite.Is(grad[q]);
                }
                if (m.SigmaOffset >= 0)
                {
                    // The rows gave −½Σu², so Σu² = −2·(log likelihood) exactly.
                    lp += FamilyTerms.GaussianSigma(m.Priors[m.SigmaPrior], theta[m.SigmaOffset], m.N, -2.0 * logLik, out double gSigma);
                    grad[m.SigmaOffset] = gSigma;
                    bad |= !Finite.Is(gSigma);
                }
            }

            var effects = e.EffectGradient.SubView((long)c * m.Effects, m.Effects);
            var w = e.KinshipProduct.SubView((long)c * m.Effects, m.Effects);
            for (int ti = 0; ti < m.Terms; ti++)
            {
                var term = m.TermTable[ti];
                bad |= ZGradient(m, term, theta, grad, hyper, effects, t, g);
                int k = term.K;
                // ∂/∂sd_a = Σ_j ∂/∂r_j[a]·(L z_j)[a], then zᵀz, then (correlated) ∂/∂L[a,b] = Σ_j sd_a ∂/∂r_j[a] z_j[b].
                for (int a = 0; a < k; a++)
                {
                    double v = GroupReduce.Sum(scratch, SdSum(term, theta, hyper, effects, w, a, t, g));
                    if (t == 0) hyper[term.SdGradientAt + a] = v;
                }
                double zz = GroupReduce.Sum(scratch, SquaredZ(term, theta, t, g));
                if (term.Kind == RandomTermKind.Correlated)
                {
                    double lkj = 0;
                    var gL = hyper.SubView(term.CholeskyGradientAt, k * k);
                    for (int a = 0; a < k; a++)
                        for (int b = 0; b <= a; b++)
                        {
                            double v = GroupReduce.Sum(scratch, CholeskyFactorSum(term, theta, hyper, effects, a, b, t, g));
                            if (t == 0) gL[a * k + b] = v;
                        }
                    if (t == 0)
                    {
                        for (int a = 0; a < k; a++)
                            for (int b = a + 1; b < k; b++) gL[a * k + b] = 0.0;
                        var l = new ViewVector(hyper.SubView(term.CholeskyAt, k * k));
                        var prior = m.Priors[term.LkjPrior];
                        lkj = LkjCholesky.LogDensity(l, k, prior.A, prior.LogConstant, new ViewVector(gL));
                        int free = CholeskyCorr.FreeCount(k);
                        CholeskyCorr.Gradient(new ViewVector(theta.SubView(term.CorrelationOffset, free)), k, l, new ViewVector(gL),
                            new ViewVector(grad.SubView(term.CorrelationOffset, free)));
                        for (int a = 0; a < free; a++) bad |= !Finite.Is(grad[term.CorrelationOffset + a]);
                        lp += hyper[term.LogJacobianAt] + lkj;
                    }
                }
                if (t == 0)
                {
                    lp -= 0.5 * zz;
                    for (int a = 0; a < k; a++)
                    {
                        double sd = hyper[term.HyperOffset + a];
                        double sdSum = hyper[term.SdGradientAt + a];
                        lp += PriorDensity.OnLogScale(m.Priors[term.SdPrior + a], theta[term.SdOffset + a], sd, sdSum, out double gLogSd);
                        grad[term.SdOffset + a] = gLogSd;
                        bad |= !Finite.Is(gLogSd);
                    }
                }
            }

            double anyBad = GroupReduce.Sum(scratch, bad ? 1.0 : 0.0);
            if (t == 0) e.LogDensity[c] = anyBad == 0.0 && Finite.Is(lp) ? lp : double.NegativeInfinity;
        }
    }

    /// <summary>∂/∂z for the levels j = t, t + G, … of one term; true when a value is not finite.</summary>
    private static bool ZGradient(GlmmModelView m, GlmmTerm term, ArrayView<double> theta, ArrayView<double> grad,
        ArrayView<double> hyper, ArrayView<double> effects, int t, int g)
    {
        bool bad = false;
        int k = term.K, sd = term.HyperOffset, l = term.CholeskyAt;
        for (int j = t; j < term.J; j += g)
        {
            int z = term.ZOffset + j * k, r = term.EffectOffset + j * k;
            if (term.Kind == RandomTermKind.Relationship)
            {
                // Lᵀ(sd·∂/∂r) − z, summed over i ≥ j in increasing order.
                double s0 = hyper[sd], s = 0;
                long kin = term.KinshipOffset + j;
                for (int i = j; i < term.J; i++) s += m.Kinship[kin + (long)i * term.J] * (s0 * effects[term.EffectOffset + i]);
                double v = s - theta[z];
                grad[z] = v;
                bad |= !Finite.Is(v);
            }
            else if (term.Kind == RandomTermKind.Independent)
            {
                for (int a = 0; a < k; a++)
                {
                    double v = hyper[sd + a] * effects[r + a] - theta[z + a];
                    grad[z + a] = v;
                    bad |= !Finite.Is(v);
                }
            }
            else
            {
                for (int b = 0; b < k; b++)
                {
                    double s = -theta[z + b];
                    for (int a = b; a < k; a++) s += hyper[l + a * k + b] * (hyper[sd + a] * effects[r + a]);
                    grad[z + b] = s;
                    bad |= !Finite.Is(s);
                }
            }
        }
        return bad;
    }

    /// <summary>This thread's part of Σ_j ∂/∂r_j[a]·(L z_j)[a] (relationship terms: Σ_j ∂/∂r_j·(L z)_j).</summary>
    private static double SdSum(GlmmTerm term, ArrayView<double> theta, ArrayView<double> hyper, ArrayView<double> effects,
        ArrayView<double> w, int a, int t, int g)
    {
        int k = term.K, l = term.CholeskyAt;
        double acc = 0;
        for (int j = t; j < term.J; j += g)
        {
            int z = term.ZOffset + j * k, r = term.EffectOffset + j * k;
            double lz;
            if (term.Kind == RandomTermKind.Relationship) lz = w[term.EffectOffset + j];
            else if (term.Kind == RandomTermKind.Independent) lz = theta[z + a];
            else
            {
                lz = 0;
                for (int b = 0; b <= a; b++) lz += hyper[l + a * k + b] * theta[z + b];
            }
            acc += effects[r + a] * lz;
        }
        return acc;
    }

    /// <summary>This thread's part of zᵀz over the term's levels.</summary>
    private static double SquaredZ(GlmmTerm term, ArrayView<double> theta, int t, int g)
    {
        int k = term.K;
        double acc = 0;
        for (int j = t; j < term.J; j += g)
            for (int a = 0; a < k; a++)
            {
                double z = theta[term.ZOffset + j * k + a];
                acc += z * z;
            }
        return acc;
    }

    /// <summary>This thread's part of ∂/∂L[a,b] = Σ_j (sd_a·∂/∂r_j[a])·z_j[b], b ≤ a.</summary>
    private static double CholeskyFactorSum(GlmmTerm term, ArrayView<double> theta, ArrayView<double> hyper, ArrayView<double> effects,
        int a, int b, int t, int g)
    {
        int k = term.K;
        double sd = hyper[term.HyperOffset + a], acc = 0;
        for (int j = t; j < term.J; j += g)
            acc += sd * effects[term.EffectOffset + j * k + a] * theta[term.ZOffset + j * k + b];
        return acc;
    }
}
