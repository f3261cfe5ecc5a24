/*
 * GLMM log density and gradient for an ensemble of chains: the device half of
 * Compute/DeviceGlmmDensity.cs, matching Models/GlmmDensity*.cs (the CPU reference) term by term.
 *
 * θ layout (per chain, D values): b (P) | log sigma (gaussian without se) | per random term t:
 * log sd (K), CPC values (K(K-1)/2, correlated terms only), z (J x K, level-major).
 * r_t[j,:] = diag(sd_t) L_t z_t[j,:];  for a relationship-matrix term (gr(id, cov = K), K = 1) r_t = sd_t (L z_t)
 * with L = chol(K_levels + eps I) (J x J, uploaded in kin), and w = L z kept in w for the sd gradient.
 * eta_i = offset_i + sum_t Z_t[i,:] r_t[g_t(i),:] + X_i b.
 *
 * Passes (one evaluation; C chains, only chains with active[c] != 0 are read or written):
 *   glmm_hyper        one work-item per chain: 1/sigma, sd = exp(log sd), L and log|J| from the CPCs
 *   glmm_effects      one work-item per (level, chain): r = diag(sd) L z (relationship terms: r_j = sd (L z)_j)
 *   per tile of rows [r0, r0 + rows):
 *     glmm_rows       one work-item per row, looping over the chains: eta, family log-lik and
 *                     d = dlog p/deta into the tile scratch (C x tile, row fastest)
 *     glmm_segment_sums  one group per (chain, column q in {loglik, X_0..X_{P-1}}, segment of
 *                     SEGMENT rows): fixed stride + fixed tree -> partials[c][q][segment]
 *     glmm_level_sums one work-item per (level, chain): continues the per-level fold
 *                     sum_i d_i Z[i,:] over the level's rows (CSR order: rows sorted by level,
 *                     then row) that fall in the tile; the fold is sequential in row order, so it
 *                     does not depend on the tile size
 *   glmm_kinship_grad one work-item per (level, chain) of a relationship term: dlp/dz_m = sum_{j >= m} L[j,m] sd dlp/dr_j - z_m
 *   glmm_finish       one group per chain: segment partials -> log-lik and X'd (fixed tree), the
 *                     chain rule to z, log sd and the CPCs (per-level terms reduced by fixed trees),
 *                     priors, Jacobians, the z prior; -inf when anything is not finite.
 * No atomics; every sum has a fixed order, so results are bit-identical from run to run.
 */

#include "reduce.h"

#define GLMM_TERM_FIELDS 13   /* see DeviceModelData.TermFields */
#define T_K 0
#define T_J 1
#define T_CORR 2
#define T_SD 3       /* offset of log sd in θ */
#define T_L 4        /* offset of the CPC values in θ (-1 uncorrelated) */
#define T_Z 5        /* offset of z in θ */
#define T_ZDATA 6    /* offset of the term's N x K design values in zdata */
#define T_R 7        /* offset of the term's r (and dlp/dr) in a chain's R values */
#define T_HYPER 8    /* offset of the term's sd (K), L (K*K), log|J| (1) in a chain's H values */
#define T_PRIOR 9    /* first sd prior slot (K consecutive) */
#define T_LKJ 10     /* LKJ prior slot (-1 uncorrelated) */
#define T_LEVEL0 11  /* global index of the term's level 0 */
#define T_KIN 12     /* offset of the term's J x J Cholesky factor L in kin (-1: not a relationship-matrix term) */

#define PRIOR_FIELDS 6       /* kind, a, b, c, log normalizing constant, half normalizer (−log P(X ≥ 0)) */
#define PRIOR_NORMAL 0
#define PRIOR_STUDENT_T 1
#define PRIOR_CAUCHY 2
#define PRIOR_EXPONENTIAL 3
#define PRIOR_LKJ 4
#define PRIOR_FLAT 5

#define FAMILY_GAUSSIAN 0
#define FAMILY_GAUSSIAN_SE 1
#define FAMILY_BERNOULLI 2
#define FAMILY_BINOMIAL 3
#define FAMILY_POISSON 4

#ifndef GLMM_MAX_K
#define GLMM_MAX_K 8
#endif
/* Per-thread accumulators of glmm_finish per term: dlp/dsd (K), dlp/dL lower triangle (K(K+1)/2), z'z. */
#define GLMM_MAX_ACC (GLMM_MAX_K + GLMM_MAX_K * (GLMM_MAX_K + 1) / 2 + 1)

#define GLMM_LN2 0.6931471805599453

#if defined(GPUHBM_OPENCL)
#define GLMM_NEG_INF (-as_double((ulong)0x7ff0000000000000UL))
#else
#define GLMM_NEG_INF (-__longlong_as_double(0x7ff0000000000000LL))
#endif

/* Finite: x - x is 0 for finite x and NaN for ±inf and NaN (no fast-math in either dialect). */
DEVICE_FN int glmm_finite(double x) { return (x - x) == 0.0; }

/*
 * Log density of a prior slot at x and its derivative, as PriorDistribution.LogDensity
 * (same operations in the same order).
 */
DEVICE_FN double prior_lpdf(GLOBAL const double* s, double x, double* derivative)
{
    int kind = (int)s[0];
    double a = s[1], b = s[2], c = s[3], logConst = s[4];
    if (kind == PRIOR_NORMAL)
    {
        double u = (x - a) / b;
        *derivative = -u / b;
        return logConst - 0.5 * u * u;
    }
    if (kind == PRIOR_STUDENT_T)
    {
        double u = (x - b) / c;
        double q = 1 + u * u / a;
        *derivative = -(a + 1) * u / (a * c * q);
        return logConst - 0.5 * (a + 1) * log(q);
    }
    if (kind == PRIOR_CAUCHY)
    {
        double u = (x - a) / b;
        double q = 1 + u * u;
        *derivative = -2 * u / (b * q);
        return logConst - log(q);
    }
    if (kind == PRIOR_EXPONENTIAL)
    {
        *derivative = -a;
        return x < 0 ? GLMM_NEG_INF : logConst - a * x;
    }
    *derivative = 0;
    return 0;
}

/* log(1 − tanh²y) = 2(log 2 − |y| − log(1 + e^{−2|y|})), as CholeskyCorrTransform. */
DEVICE_FN double log_one_minus_tanh2(double y)
{
    double a = fabs(y);
    return 2 * (GLMM_LN2 - a - log(1 + exp(-2 * a)));
}

/* CholeskyCorrTransform.Constrain: L (K x K row-major, zeros above the diagonal) from the CPC values y; returns log|J|. */
DEVICE_FN double cpc_constrain(GLOBAL const double* y, int k, GLOBAL double* l)
{
    for (int m = 0; m < k * k; m++) l[m] = 0.0;
    l[0] = 1.0;
    double logJ = 0;
    int n = 0;
    for (int i = 1; i < k; i++)
    {
        double sumSq = 0;
        for (int j = 0; j < i; j++)
        {
            double yy = y[n++];
            double z = tanh(yy);
            logJ += log_one_minus_tanh2(yy) + 0.5 * log(1 - sumSq);
            double lij = z * sqrt(1 - sumSq);
            l[i * k + j] = lij;
            sumSq += lij * lij;
        }
        l[i * k + i] = sqrt(1 - sumSq);
    }
    return logJ;
}

/* CholeskyCorrTransform.Gradient: dlp/dy of F(L(y)) + log|J| from gL = dF/dL (overwritten as scratch). */
DEVICE_FN void cpc_gradient(GLOBAL const double* y, int k, GLOBAL const double* l, double* gL, GLOBAL double* gy)
{
    for (int i = k - 1; i >= 1; i--)
    {
        int rowStart = i * (i - 1) / 2;
        double sumSq = 0;
        for (int j = 0; j < i; j++) sumSq += l[i * k + j] * l[i * k + j];
        double gs = gL[i * k + i] * (-0.5 / l[i * k + i]);
        for (int j = i - 1; j >= 0; j--)
        {
            double lij = l[i * k + j];
            sumSq -= lij * lij;
            double g = gL[i * k + j] + 2 * lij * gs;
            double w = sqrt(1 - sumSq);
            double yy = y[rowStart + j];
            double z = tanh(yy);
            double gz = g * w;
            gs += g * z * (-0.5 / w) - 0.5 / (1 - sumSq);
            gy[rowStart + j] = gz * (1 - z * z) - 2 * z;
        }
    }
}

/*
 * Per chain: hyper[c*H + 0] = 1/sigma (gaussian without se); per term at T_HYPER: sd (K),
 * L (K*K; identity for an uncorrelated term), log|J| of the CPC transform (0 when uncorrelated).
 */
KERNEL void glmm_hyper(int C, int D, int T, int sigmaOff, GLOBAL const int* active, GLOBAL const double* pos,
                       GLOBAL const int* terms, int H, GLOBAL double* hyper)
{
    u64 id = GLOBAL_ID;
    if (id >= (u64)C) return;
    int c = (int)id;
    if (active[c] == 0) return;
    GLOBAL const double* th = pos + (u64)c * (u64)D;
    GLOBAL double* h = hyper + (u64)c * (u64)H;
    h[0] = sigmaOff >= 0 ? exp(-th[sigmaOff]) : 0.0;
    for (int t = 0; t < T; t++)
    {
        GLOBAL const int* tm = terms + t * GLMM_TERM_FIELDS;
        int k = tm[T_K];
        GLOBAL double* sd = h + tm[T_HYPER];
        GLOBAL double* l = sd + k;
        for (int m = 0; m < k; m++) sd[m] = exp(th[tm[T_SD] + m]);
        if (tm[T_CORR] != 0)
        {
            l[k * k] = cpc_constrain(th + tm[T_L], k, l);
        }
        else
        {
            for (int m = 0; m < k * k; m++) l[m] = 0.0;
            for (int m = 0; m < k; m++) l[m * k + m] = 1.0;
            l[k * k] = 0.0;
        }
    }
}

/* Decodes a (global level lg, chain c) work-item, chain fastest, and returns early when it is out of range or the
   chain is inactive; declares lg, c, the level's term row tm, its effect count k and its level j within the term. */
#define LEVEL_WORK_ITEM(levels, C) \
    u64 id = GLOBAL_ID; \
    if (id >= (u64)(levels) * (u64)(C)) return; \
    int lg = (int)(id / (u64)(C)); \
    int c = (int)(id - (u64)lg * (u64)(C)); \
    if (active[c] == 0) return; \
    GLOBAL const int* tm = terms + levelTerm[lg] * GLMM_TERM_FIELDS; \
    int k = tm[T_K]; \
    int j = lg - tm[T_LEVEL0]

/* r[c, term, j, :] = diag(sd) L z[j,:], one work-item per (global level, chain), chain fastest. */
KERNEL void glmm_effects(int C, int D, int levels, GLOBAL const int* active, GLOBAL const double* pos,
                         GLOBAL const int* terms, GLOBAL const int* levelTerm, int H, GLOBAL const double* hyper,
                         int R, GLOBAL double* r, GLOBAL const double* kin, GLOBAL double* w)
{
    LEVEL_WORK_ITEM(levels, C);
    if (tm[T_KIN] >= 0)
    {
        /* w_j = sum_{m <= j} L[j,m] z_m (K = 1), r_j = sd w_j */
        int J = tm[T_J];
        GLOBAL const double* zc = pos + (u64)c * (u64)D + tm[T_Z];
        GLOBAL const double* lj = kin + (u64)tm[T_KIN] + (u64)j * (u64)J;
        double s = 0;
        for (int m = 0; m <= j; m++) s += lj[m] * zc[m];
        u64 o = (u64)c * (u64)R + (u64)(tm[T_R] + j);
        w[o] = s;
        r[o] = hyper[(u64)c * (u64)H + tm[T_HYPER]] * s;
        return;
    }
    GLOBAL const double* z = pos + (u64)c * (u64)D + tm[T_Z] + j * k;
    GLOBAL const double* sd = hyper + (u64)c * (u64)H + tm[T_HYPER];
    GLOBAL const double* l = sd + k;
    GLOBAL double* rj = r + (u64)c * (u64)R + tm[T_R] + j * k;
    if (tm[T_CORR] == 0)
    {
        for (int m = 0; m < k; m++) rj[m] = sd[m] * z[m];
    }
    else
    {
        for (int a = 0; a < k; a++)
        {
            double w = 0;
            for (int m = 0; m <= a; m++) w += l[a * k + m] * z[m];
            rj[a] = sd[a] * w;
        }
    }
}

/*
 * One work-item per row i = r0 + id of the tile (id < rows), looping over the chains so that one
 * read of the row's data serves them all. Writes d = dlog p(y_i)/deta_i and the log likelihood
 * without its data-only constant to dOut/llOut[c * tile + id].
 */
KERNEL void glmm_rows(int C, int D, int P, int T, int N, int family, int hasOffset, int r0, int rows, int tile,
                      GLOBAL const int* active, GLOBAL const double* pos, GLOBAL const double* X,
                      GLOBAL const double* y, GLOBAL const double* trials, GLOBAL const double* invSe,
                      GLOBAL const double* offset, GLOBAL const int* terms, GLOBAL const int* group,
                      GLOBAL const double* zdata, int H, GLOBAL const double* hyper, int R, GLOBAL const double* r,
                      GLOBAL double* dOut, GLOBAL double* llOut)
{
    u64 id = GLOBAL_ID;
    if (id >= (u64)rows) return;
    int i = r0 + (int)id;
    double yi = y[i];
    double off = hasOffset != 0 ? offset[i] : 0.0;
    double ni = family == FAMILY_BINOMIAL ? trials[i] : 1.0;
    double inv = family == FAMILY_GAUSSIAN_SE ? invSe[i] : 0.0;
    GLOBAL const double* xi = X + (u64)i * (u64)P;
    for (int c = 0; c < C; c++)
    {
        if (active[c] == 0) continue;
        GLOBAL const double* rc = r + (u64)c * (u64)R;
        double e = off;
        for (int t = 0; t < T; t++)
        {
            GLOBAL const int* tm = terms + t * GLMM_TERM_FIELDS;
            int k = tm[T_K];
            int g = group[(u64)t * (u64)N + (u64)i];
            GLOBAL const double* zi = zdata + tm[T_ZDATA] + (u64)i * (u64)k;
            GLOBAL const double* rj = rc + tm[T_R] + g * k;
            double s = 0;
            for (int m = 0; m < k; m++) s += zi[m] * rj[m];
            e += s;
        }
        GLOBAL const double* b = pos + (u64)c * (u64)D;
        double xb = 0;
        for (int q = 0; q < P; q++) xb += xi[q] * b[q];
        double eta = e + xb;
        double d, ll;
        if (family == FAMILY_GAUSSIAN || family == FAMILY_GAUSSIAN_SE)
        {
            double is = family == FAMILY_GAUSSIAN ? hyper[(u64)c * (u64)H] : inv;
            double u = (yi - eta) * is;
            d = u * is;
            ll = -0.5 * (u * u);
        }
        else if (family == FAMILY_POISSON)
        {
            double mu = exp(eta);
            d = yi - mu;
            ll = yi * eta - mu;
        }
        else
        {
            double ex = exp(-fabs(eta));
            double sig = eta >= 0 ? 1 / (1 + ex) : ex / (1 + ex);
            d = yi - ni * sig;
            ll = yi * eta - ni * ((eta > 0.0 ? eta : 0.0) + log(1 + ex));
        }
        u64 o = (u64)c * (u64)tile + id;
        dOut[o] = d;
        llOut[o] = ll;
    }
}

/*
 * partials[(c*(P+1) + q)*S + s] for the segCount segments s = seg0 ... of this tile (segment s is
 * rows [s*segRows, min((s+1)*segRows, N))): q = 0 the log likelihood, q > 0 sum d_i X[i, q-1].
 * One group per (chain, q, segment); work-item t sums rows t, t+G, ... in order, then a fixed tree.
 */
KERNEL void glmm_segment_sums(int C, int P, int N, int S, int segRows, int seg0, int segCount, int r0, int tile,
                              GLOBAL const int* active, GLOBAL const double* X, GLOBAL const double* dIn,
                              GLOBAL const double* llIn, GLOBAL double* partials DYNAMIC_LOCAL(double, buf))
{
    DECLARE_DYNAMIC_LOCAL(double, buf);
    int Q = P + 1;
    u64 gid = GROUP_ID;
    int c = (int)(gid / (u64)(Q * segCount));
    int rem = (int)(gid - (u64)c * (u64)(Q * segCount));
    int q = rem / segCount;
    int s = seg0 + (rem - q * segCount);
    if (c >= C || active[c] == 0) return;   /* uniform over the group */
    int t = LOCAL_ID, G = GROUP_SIZE;
    int start = s * segRows;
    int end = start + segRows < N ? start + segRows : N;
    GLOBAL const double* dc = dIn + (u64)c * (u64)tile;
    GLOBAL const double* lc = llIn + (u64)c * (u64)tile;
    double acc = 0;
    if (q == 0)
        for (int i = start + t; i < end; i += G) acc += lc[i - r0];
    else
        for (int i = start + t; i < end; i += G) acc += dc[i - r0] * X[(u64)i * (u64)P + (u64)(q - 1)];
    double v = group_sum(buf, acc, t, G);
    if (t == 0) partials[((u64)c * (u64)Q + (u64)q) * (u64)S + (u64)s] = v;
}

/*
 * gr[c, term, j, :] (+)= sum over the level's rows i in [r0, r0 + rows) of d_i Z[i,:], in row
 * order (perm[csr[lg] .. csr[lg+1]) lists the level's rows in increasing order). first != 0
 * starts from 0 (first tile); otherwise the fold continues from the stored value.
 */
KERNEL void glmm_level_sums(int C, int levels, int r0, int rows, int tile, int first,
                            GLOBAL const int* active, GLOBAL const int* terms, GLOBAL const int* levelTerm,
                            GLOBAL const int* csr, GLOBAL const int* perm, GLOBAL const double* zdata,
                            GLOBAL const double* dIn, int R, GLOBAL double* gr)
{
    LEVEL_WORK_ITEM(levels, C);
    GLOBAL double* g = gr + (u64)c * (u64)R + tm[T_R] + j * k;
    double acc[GLMM_MAX_K];
    for (int m = 0; m < k; m++) acc[m] = first != 0 ? 0.0 : g[m];
    int lo = csr[lg], hi = csr[lg + 1];
    /* first position whose row is >= r0 */
    while (lo < hi)
    {
        int mid = lo + (hi - lo) / 2;
        if (perm[mid] < r0) lo = mid + 1; else hi = mid;
    }
    int end = csr[lg + 1], r1 = r0 + rows;
    GLOBAL const double* dc = dIn + (u64)c * (u64)tile;
    GLOBAL const double* z = zdata + tm[T_ZDATA];
    for (int p = lo; p < end; p++)
    {
        int i = perm[p];
        if (i >= r1) break;
        double di = dc[i - r0];
        for (int m = 0; m < k; m++) acc[m] += di * z[(u64)i * (u64)k + (u64)m];
    }
    for (int m = 0; m < k; m++) g[m] = acc[m];
}

/*
 * Relationship-matrix terms: g[z_m] = sum_{j >= m} L[j,m] (sd dlp/dr_j), j increasing, minus z_m
 * (KinshipCholesky.MultiplyTransposed's order). One work-item per (global level, chain); levels of
 * other terms return at once. glmm_finish then skips these z and adds dlp/dsd = sum_j dlp/dr_j w_j.
 */
KERNEL void glmm_kinship_grad(int C, int D, int levels, GLOBAL const int* active, GLOBAL const double* pos,
                              GLOBAL const int* terms, GLOBAL const int* levelTerm, int H, GLOBAL const double* hyper,
                              int R, GLOBAL const double* gr, GLOBAL const double* kin, GLOBAL double* grad)
{
    LEVEL_WORK_ITEM(levels, C);
    if (tm[T_KIN] < 0) return;
    int J = tm[T_J];
    double sd = hyper[(u64)c * (u64)H + tm[T_HYPER]];
    GLOBAL const double* grc = gr + (u64)c * (u64)R + tm[T_R];
    GLOBAL const double* l = kin + (u64)tm[T_KIN];
    double s = 0;
    for (int i = j; i < J; i++) s += l[(u64)i * (u64)J + (u64)j] * (sd * grc[i]);
    u64 o = (u64)c * (u64)D + (u64)(tm[T_Z] + j);
    grad[o] = s - pos[o];
}

/*
 * One group per chain (power-of-two size G): totals of the segment partials, b priors, sigma, then
 * per term the chain rule through r = diag(sd) L z (work-items stride over levels, per-chain sums
 * by fixed trees), the LKJ prior and CPC Jacobian, the z prior, sd priors and Jacobians.
 * lp = -inf when the log density or any gradient component is not finite.
 */
KERNEL void glmm_finish(int C, int D, int N, int P, int T, int S, int sigmaOff, double lpConstant,
                        GLOBAL const int* active, GLOBAL const double* pos, GLOBAL const int* terms,
                        GLOBAL const double* priors, int H, GLOBAL const double* hyper, int R, GLOBAL const double* gr,
                        GLOBAL const double* partials, GLOBAL const double* w, GLOBAL double* grad, GLOBAL double* lpOut
                        DYNAMIC_LOCAL(double, buf))
{
    DECLARE_DYNAMIC_LOCAL(double, buf);
    int c = (int)GROUP_ID;
    if (c >= C || active[c] == 0) return;   /* uniform over the group */
    int t = LOCAL_ID, G = GROUP_SIZE;
    int Q = P + 1;
    GLOBAL const double* th = pos + (u64)c * (u64)D;
    GLOBAL double* g = grad + (u64)c * (u64)D;
    GLOBAL const double* hc = hyper + (u64)c * (u64)H;
    GLOBAL const double* grc = gr + (u64)c * (u64)R;
    GLOBAL const double* wc = w + (u64)c * (u64)R;
    int bad = 0;
    double ll = 0, lp = 0;

    /* Likelihood totals: q = 0 log-lik, q > 0 sum d X[:, q-1]. */
    for (int q = 0; q < Q; q++)
    {
        GLOBAL const double* pq = partials + ((u64)c * (u64)Q + (u64)q) * (u64)S;
        double a = 0;
        for (int s = t; s < S; s += G) a += pq[s];
        double v = group_sum(buf, a, t, G);
        if (t == 0)
        {
            if (q == 0) ll = v; else g[q - 1] = v;
        }
    }

    if (t == 0)
    {
        lp = lpConstant + ll;
        for (int q = 0; q < P; q++)
        {
            double dq;
            lp += prior_lpdf(priors + q * PRIOR_FIELDS, th[q], &dq);
            g[q] = g[q] + dq;
            if (!glmm_finite(g[q])) bad = 1;
        }
        if (sigmaOff >= 0)
        {
            /* ll holds -1/2 sum u^2, so sum u^2 = -2 ll exactly. */
            double extra = -2.0 * ll;
            double logSigma = th[sigmaOff];
            double sigma = exp(logSigma);
            GLOBAL const double* ps = priors + P * PRIOR_FIELDS;
            double dp;
            lp += -N * logSigma + prior_lpdf(ps, sigma, &dp) + ps[5] + logSigma;
            g[sigmaOff] = extra - N + sigma * dp + 1;
            if (!glmm_finite(g[sigmaOff])) bad = 1;
        }
    }

    double acc[GLMM_MAX_ACC];
    double gL[GLMM_MAX_K * GLMM_MAX_K];
    for (int tt = 0; tt < T; tt++)
    {
        GLOBAL const int* tm = terms + tt * GLMM_TERM_FIELDS;
        int k = tm[T_K], J = tm[T_J], corr = tm[T_CORR], kinship = tm[T_KIN] >= 0;
        int nacc = corr != 0 ? k + k * (k + 1) / 2 + 1 : k + 1;   /* uncorrelated: no dlp/dL */
        int zzi = nacc - 1;
        GLOBAL const double* sd = hc + tm[T_HYPER];
        GLOBAL const double* l = sd + k;
        for (int m = 0; m < nacc; m++) acc[m] = 0.0;
        for (int j = t; j < J; j += G)
        {
            GLOBAL const double* zj = th + tm[T_Z] + j * k;
            GLOBAL const double* grj = grc + tm[T_R] + j * k;
            GLOBAL double* gzj = g + tm[T_Z] + j * k;
            if (kinship)
            {
                /* dlp/dz written by glmm_kinship_grad; here only the sd sum, z'z and the finiteness check */
                double zv = zj[0], gv = grj[0];
                acc[zzi] += zv * zv;
                acc[0] += gv * wc[tm[T_R] + j];
                if (!glmm_finite(gzj[0])) bad = 1;
            }
            else if (corr == 0)
            {
                for (int m = 0; m < k; m++)
                {
                    double zv = zj[m], gv = grj[m];
                    acc[zzi] += zv * zv;
                    double v = sd[m] * gv - zv;
                    gzj[m] = v;
                    if (!glmm_finite(v)) bad = 1;
                    acc[m] += gv * zv;
                }
            }
            else
            {
                double a[GLMM_MAX_K];
                for (int rr = 0; rr < k; rr++)
                {
                    a[rr] = sd[rr] * grj[rr];
                    double w = 0;
                    for (int m = 0; m <= rr; m++)
                    {
                        w += l[rr * k + m] * zj[m];
                        acc[k + rr * (rr + 1) / 2 + m] += a[rr] * zj[m];
                    }
                    acc[rr] += grj[rr] * w;
                }
                for (int m = 0; m < k; m++)
                {
                    double s = -zj[m];
                    for (int rr = m; rr < k; rr++) s += l[rr * k + m] * a[rr];
                    gzj[m] = s;
                    if (!glmm_finite(s)) bad = 1;
                    acc[zzi] += zj[m] * zj[m];
                }
            }
        }
        for (int m = 0; m < nacc; m++)
        {
            double v = group_sum(buf, acc[m], t, G);
            if (t == 0) acc[m] = v;
        }
        if (t == 0)
        {
            if (corr != 0)
            {
                for (int m = 0; m < k * k; m++) gL[m] = 0.0;
                for (int rr = 0; rr < k; rr++)
                    for (int m = 0; m <= rr; m++) gL[rr * k + m] = acc[k + rr * (rr + 1) / 2 + m];
                /* LKJ on the Cholesky factor (LkjCorrCholesky.LogDensity), adding to gL's diagonal */
                GLOBAL const double* pl = priors + tm[T_LKJ] * PRIOR_FIELDS;
                double eta = pl[1];
                double lkj = pl[4];
                for (int i = 1; i < k; i++)
                {
                    double cc = k - i - 3 + 2 * eta;
                    double dd = l[i * k + i];
                    lkj += cc * log(dd);
                    gL[i * k + i] += cc / dd;
                }
                lp += l[k * k] + lkj;
                cpc_gradient(th + tm[T_L], k, l, gL, g + tm[T_L]);
                for (int m = 0; m < k * (k - 1) / 2; m++)
                    if (!glmm_finite(g[tm[T_L] + m])) bad = 1;
            }
            lp -= 0.5 * acc[zzi];
            for (int m = 0; m < k; m++)
            {
                GLOBAL const double* ps = priors + (tm[T_PRIOR] + m) * PRIOR_FIELDS;
                double logSd = th[tm[T_SD] + m];
                double dp;
                lp += prior_lpdf(ps, sd[m], &dp) + ps[5] + logSd;
                double v = sd[m] * (acc[m] + dp) + 1;
                g[tm[T_SD] + m] = v;
                if (!glmm_finite(v)) bad = 1;
            }
        }
    }

    double anyBad = group_sum(buf, (double)bad, t, G);
    if (t == 0) lpOut[c] = (anyBad == 0.0 && glmm_finite(lp)) ? lp : GLMM_NEG_INF;
}
