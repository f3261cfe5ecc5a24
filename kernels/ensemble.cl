/*
 * Batched operations on an ensemble of C chains in D dimensions: the device half of the
 * samplers (Compute/EnsembleKernels.cs launches these). Per-chain vectors are laid out
 * C x D row-major: chain c's vector is x[c*D .. c*D + D). Per-chain scalars (step sizes,
 * masks) have length C. A metric vector (m, minv, w) is either shared by all chains
 * (stride 0) or given per chain (stride D).
 *
 * Element-wise kernels take one work-item per (c, d) and bound-check the global id.
 * chain_dot takes one work-group per chain and reduces with a fixed-shape tree (no atomics),
 * so its result depends only on the inputs and the group size.
 */
#include "philox.h"
#include "reduce.h"

/*
 * Momentum draw, p = sqrt(m) .* z with z ~ N(0, I), where m is the diagonal mass matrix (the
 * inverse of the inverse metric minv). z[c, d] is element d of
 * Philox.Normals(seed, chain0 + c, iteration, Momentum): block index d/2, cosine for even d,
 * sine for odd d. One work-item per pair of elements: C * ceil(D/2) work-items.
 */
KERNEL void momentum_draw(int C, int D, u64 seed, u32 iteration, u32 chain0,
                          GLOBAL const double* m, int m_stride, GLOBAL double* p)
{
    u64 pairs = (u64)((D + 1) / 2);
    u64 i = GLOBAL_ID;
    if (i >= (u64)C * pairs) return;
    int c = (int)(i / pairs);
    int k = (int)(i - (u64)c * pairs);
    double r, t;
    philox_polar(philox_draw(seed, chain0 + (u32)c, iteration, PURPOSE_MOMENTUM, (u32)k), &r, &t);
    int d = 2 * k;
    GLOBAL const double* mc = m + (u64)c * (u64)m_stride;
    GLOBAL double* pc = p + (u64)c * (u64)D;
    pc[d] = sqrt(mc[d]) * (r * cos(t));
    if (d + 1 < D) pc[d + 1] = sqrt(mc[d + 1]) * (r * sin(t));
}

/*
 * Leapfrog position update for active chains: q[c,d] += eps[c] * minv[c,d] * p[c,d],
 * evaluated as (eps * minv) * p. Chains with active[c] == 0 are left untouched.
 */
KERNEL void position_step(int C, int D, GLOBAL double* q, GLOBAL const double* p,
                          GLOBAL const double* minv, int minv_stride,
                          GLOBAL const double* eps, GLOBAL const int* active)
{
    u64 i = GLOBAL_ID;
    if (i >= (u64)C * (u64)D) return;
    int c = (int)(i / (u64)D);
    int d = (int)(i - (u64)c * (u64)D);
    if (active[c] == 0) return;
    q[i] = q[i] + eps[c] * minv[(u64)c * (u64)minv_stride + (u64)d] * p[i];
}

/*
 * Momentum update for active chains: p[c,d] += (scale * eps[c]) * g[c,d], where g is the
 * gradient of the log density; scale = 0.5 is the leapfrog half step, 1 the full step.
 */
KERNEL void momentum_step(int C, int D, GLOBAL double* p, GLOBAL const double* g, double scale,
                          GLOBAL const double* eps, GLOBAL const int* active)
{
    u64 i = GLOBAL_ID;
    if (i >= (u64)C * (u64)D) return;
    int c = (int)(i / (u64)D);
    if (active[c] == 0) return;
    p[i] = p[i] + (scale * eps[c]) * g[i];
}

/*
 * Per-chain weighted dot product out[c] = sum_d a[c,d] * w[c,d] * b[c,d] (each term as
 * (a * w) * b), e.g. the kinetic energy p' minv p or the U-turn criterion p' minv rho.
 * Launch exactly C groups; GROUP_SIZE G must be a power of two and the dynamic local memory
 * G doubles. Work-item t sums d = t, t + G, t + 2G, ... in increasing order; then the tree
 * halves: for s = G/2, G/4, ..., 1: partial[t] += partial[t + s] for t < s.
 */
KERNEL void chain_dot(int C, int D, GLOBAL const double* a, GLOBAL const double* w, int w_stride,
                      GLOBAL const double* b, GLOBAL double* out DYNAMIC_LOCAL(double, partial))
{
    DECLARE_DYNAMIC_LOCAL(double, partial);
    int c = (int)GROUP_ID;
    int t = LOCAL_ID;
    int G = GROUP_SIZE;
    double acc = 0.0;
    if (c < C)
    {
        GLOBAL const double* ac = a + (u64)c * (u64)D;
        GLOBAL const double* bc = b + (u64)c * (u64)D;
        GLOBAL const double* wc = w + (u64)c * (u64)w_stride;
        for (int d = t; d < D; d += G) acc = acc + ac[d] * wc[d] * bc[d];
    }
    double sum = group_sum(partial, acc, t, G);
    if (t == 0 && c < C) out[c] = sum;
}

/* dst[c,d] = mask[c] != 0 ? a[c,d] : b[c,d]. dst may be a or b (no restrict). */
KERNEL void masked_select(int C, int D, GLOBAL double* dst, GLOBAL const int* mask,
                          GLOBAL const double* a, GLOBAL const double* b)
{
    u64 i = GLOBAL_ID;
    if (i >= (u64)C * (u64)D) return;
    int c = (int)(i / (u64)D);
    dst[i] = mask[c] != 0 ? a[i] : b[i];
}

/*
 * One uniform on (0, 1) per chain: u[c] = Philox.Uniforms(seed, chain0 + c, iteration,
 * purpose, index).U0 (tree directions, multinomial selection, step jitter).
 */
KERNEL void chain_uniforms(int C, u64 seed, u32 iteration, u32 purpose, u32 index, u32 chain0,
                           GLOBAL double* u)
{
    u64 c = GLOBAL_ID;
    if (c >= (u64)C) return;
    philox4x32 x = philox_draw(seed, chain0 + (u32)c, iteration, purpose, index);
    u[c] = philox_open_unit(x.x0, x.x1);
}

/*
 * Raw Philox4x32-10 blocks, for conformance tests against Philox.Block: input holds n
 * records (c0, c1, c2, c3, k0, k1), output n records (x0, x1, x2, x3).
 */
KERNEL void philox_blocks(int n, GLOBAL const u32* input, GLOBAL u32* output)
{
    u64 i = GLOBAL_ID;
    if (i >= (u64)n) return;
    GLOBAL const u32* r = input + 6 * i;
    philox4x32 x = philox_block(r[0], r[1], r[2], r[3], r[4], r[5]);
    output[4 * i] = x.x0;
    output[4 * i + 1] = x.x1;
    output[4 * i + 2] = x.x2;
    output[4 * i + 3] = x.x3;
}

/* ======================================================================================
 * The device chain ensemble (Compute/DeviceChainEnsemble.cs): one kernel per operation of
 * IChainEnsemble. Every slot is its own C x D buffer; mask[c] != 0 marks an active chain and
 * a kernel writes nothing for an inactive one. Per-chain reductions (ens_dot, ens_leapfrog_end)
 * take one group per chain and reduce with a fixed-shape tree of GROUP_SIZE work-items, so the
 * bits depend only on the inputs and the (fixed) group size. No atomics anywhere.
 * Finiteness is tested as x - x == 0 (false for +-inf and NaN; contraction and fast-math are off),
 * and -infinity is passed in by the host (neg_inf), which keeps the text dialect-neutral.
 * ====================================================================================== */

#define ENS_FINITE(x) ((x) - (x) == 0.0)

/* dst[c,:] = src[c,:] for active chains. */
KERNEL void ens_copy(int C, int D, GLOBAL double* dst, GLOBAL const double* src, GLOBAL const int* mask)
{
    u64 i = GLOBAL_ID;
    if (i >= (u64)C * (u64)D) return;
    int c = (int)(i / (u64)D);
    if (mask[c] == 0) return;
    dst[i] = src[i];
}

/* dst[c,:] = a[c,:] + b[c,:] for active chains; dst may be a or b. */
KERNEL void ens_add(int C, int D, GLOBAL double* dst, GLOBAL const double* a, GLOBAL const double* b, GLOBAL const int* mask)
{
    u64 i = GLOBAL_ID;
    if (i >= (u64)C * (u64)D) return;
    int c = (int)(i / (u64)D);
    if (mask[c] == 0) return;
    dst[i] = a[i] + b[i];
}

/* dst[c,:] = alpha * a[c,:] + beta * b[c,:] for active chains; dst may be a or b. */
KERNEL void ens_combine(int C, int D, GLOBAL double* dst, GLOBAL const double* a, double alpha,
                        GLOBAL const double* b, double beta, GLOBAL const int* mask)
{
    u64 i = GLOBAL_ID;
    if (i >= (u64)C * (u64)D) return;
    int c = (int)(i / (u64)D);
    if (mask[c] == 0) return;
    dst[i] = alpha * a[i] + beta * b[i];
}

/* dst[c,:] = coef[c] * a[c,:] + coef[C + c] * b[c,:] for active chains (per-chain alpha, then beta); dst may be a or b. */
KERNEL void ens_combine_chains(int C, int D, GLOBAL double* dst, GLOBAL const double* a, GLOBAL const double* b,
                               GLOBAL const double* coef, GLOBAL const int* mask)
{
    u64 i = GLOBAL_ID;
    if (i >= (u64)C * (u64)D) return;
    int c = (int)(i / (u64)D);
    if (mask[c] == 0) return;
    dst[i] = coef[c] * a[i] + coef[C + c] * b[i];
}

/* dst[c,:] = a[c,:] * b[c,:] elementwise for active chains; dst may be a or b. */
KERNEL void ens_multiply(int C, int D, GLOBAL double* dst, GLOBAL const double* a, GLOBAL const double* b, GLOBAL const int* mask)
{
    u64 i = GLOBAL_ID;
    if (i >= (u64)C * (u64)D) return;
    int c = (int)(i / (u64)D);
    if (mask[c] == 0) return;
    dst[i] = a[i] * b[i];
}

/* dst[c,:] = a[c,:] / b[c,:] elementwise for active chains; dst may be a or b. */
KERNEL void ens_divide(int C, int D, GLOBAL double* dst, GLOBAL const double* a, GLOBAL const double* b, GLOBAL const int* mask)
{
    u64 i = GLOBAL_ID;
    if (i >= (u64)C * (u64)D) return;
    int c = (int)(i / (u64)D);
    if (mask[c] == 0) return;
    dst[i] = a[i] / b[i];
}

/* dst[c,:] = row for active chains (row has D elements). */
KERNEL void ens_broadcast(int C, int D, GLOBAL double* dst, GLOBAL const double* row, GLOBAL const int* mask)
{
    u64 i = GLOBAL_ID;
    if (i >= (u64)C * (u64)D) return;
    int c = (int)(i / (u64)D);
    if (mask[c] == 0) return;
    dst[i] = row[i - (u64)c * (u64)D];
}

/*
 * Momentum draw for active chains: p[c,d] = z[c,d] / sqrt(minv[c,d]) with z element d of
 * Philox.Normals(seed, chain_ids[c], counter, purpose): block index d/2, r*cos(t) for even d and
 * r*sin(t) for odd d. One work-item per pair of elements: C * ceil(D/2) work-items.
 */
KERNEL void ens_momentum(int C, int D, u64 seed, u32 counter, u32 purpose, GLOBAL const u32* chain_ids,
                         GLOBAL const double* minv, GLOBAL const int* mask, GLOBAL double* p)
{
    u64 pairs = (u64)((D + 1) / 2);
    u64 i = GLOBAL_ID;
    if (i >= (u64)C * pairs) return;
    int c = (int)(i / pairs);
    if (mask[c] == 0) return;
    int k = (int)(i - (u64)c * pairs);
    double r, t;
    philox_polar(philox_draw(seed, chain_ids[c], counter, purpose, (u32)k), &r, &t);
    int d = 2 * k;
    u64 base = (u64)c * (u64)D;
    p[base + d] = (r * cos(t)) / sqrt(minv[base + d]);
    if (d + 1 < D) p[base + d + 1] = (r * sin(t)) / sqrt(minv[base + d + 1]);
}

/*
 * out[offset + c] = scale * sum_d (a[c,d] * w[c,d]) * b[c,d] for active chains, with w = minv when
 * weighted != 0 and w = 1 (the term a * b) otherwise. One group per chain (launch exactly C groups,
 * GROUP_SIZE a power of two, GROUP_SIZE doubles of dynamic local memory): work-item t sums
 * d = t, t + G, ... in increasing order, then the tree halves (partial[t] += partial[t + s]).
 */
KERNEL void ens_dot(int C, int D, GLOBAL const double* a, GLOBAL const double* b, GLOBAL const double* minv, int weighted,
                    double scale, GLOBAL const int* mask, GLOBAL double* out, int offset DYNAMIC_LOCAL(double, partial))
{
    DECLARE_DYNAMIC_LOCAL(double, partial);
    int c = (int)GROUP_ID;
    int t = LOCAL_ID;
    int G = GROUP_SIZE;
    if (c >= C || mask[c] == 0) return; /* uniform over the group */
    u64 base = (u64)c * (u64)D;
    double acc = 0.0;
    if (weighted != 0)
        for (int d = t; d < D; d += G) acc = acc + a[base + d] * minv[base + d] * b[base + d];
    else
        for (int d = t; d < D; d += G) acc = acc + a[base + d] * b[base + d];
    double sum = group_sum(partial, acc, t, G);
    if (t == 0) out[offset + c] = scale * sum;
}

/*
 * First half of a leapfrog step for running chains (LeapfrogIntegrator.BeginStep):
 * p <- p + (eps/2) * g; q <- q + (eps * minv) * p.
 */
KERNEL void ens_leapfrog_begin(int C, int D, GLOBAL double* q, GLOBAL double* p, GLOBAL const double* g,
                               GLOBAL const double* minv, GLOBAL const double* eps, GLOBAL const int* running)
{
    u64 i = GLOBAL_ID;
    if (i >= (u64)C * (u64)D) return;
    int c = (int)(i / (u64)D);
    if (running[c] == 0) return;
    double e = eps[c];
    double h = 0.5 * e;
    double pi = p[i] + h * g[i];
    p[i] = pi;
    q[i] = q[i] + e * minv[i] * pi;
}

/*
 * Second half of a leapfrog step for running chains, after the density wrote g and lp_in
 * (LeapfrogIntegrator.EndStep): p <- p + (eps/2) * g, kinetic energy 0.5 * sum (p * minv) * p by the
 * fixed tree into out[C + c], one gradient evaluation counted, and the log density into out[c] with
 * the device-side stop: where lp_in or any gradient component is not finite, out[c] = -inf and running = 0, so later steps skip the chain
 * without a host round trip. One group per chain, as ens_dot.
 */
KERNEL void ens_leapfrog_end(int C, int D, GLOBAL double* p, GLOBAL const double* g, GLOBAL const double* minv,
                             GLOBAL const double* eps, GLOBAL int* running, GLOBAL const double* lp_in,
                             GLOBAL double* out, GLOBAL u64* evaluations, double neg_inf
                             DYNAMIC_LOCAL(double, partial))
{
    DECLARE_DYNAMIC_LOCAL(double, partial);
    int c = (int)GROUP_ID;
    int t = LOCAL_ID;
    int G = GROUP_SIZE;
    if (c >= C || running[c] == 0) return; /* uniform over the group */
    u64 base = (u64)c * (u64)D;
    double h = 0.5 * eps[c];
    double acc = 0.0, bad = 0.0;
    for (int d = t; d < D; d += G)
    {
        double gi = g[base + d];
        double pi = p[base + d] + h * gi;
        p[base + d] = pi;
        acc = acc + pi * minv[base + d] * pi;
        if (!ENS_FINITE(gi)) bad = 1.0;
    }
    double twice_kinetic = group_sum(partial, acc, t, G);
    double nonfinite = group_sum(partial, bad, t, G);
    if (t == 0)
    {
        evaluations[c] = evaluations[c] + 1;
        out[C + c] = 0.5 * twice_kinetic;
        double lp = lp_in[c];
        if (!ENS_FINITE(lp) || nonfinite != 0.0)
        {
            lp = neg_inf;
            running[c] = 0;
        }
        out[c] = lp;
    }
}

/*
 * After a plain density evaluation: counts one gradient evaluation per active chain and sets
 * lp = -inf where lp or any gradient component is not finite. One work-item per chain.
 */
KERNEL void ens_check_finite(int C, int D, GLOBAL const double* g, GLOBAL double* lp, GLOBAL const int* mask,
                             GLOBAL u64* evaluations, double neg_inf)
{
    u64 c = GLOBAL_ID;
    if (c >= (u64)C || mask[c] == 0) return;
    evaluations[c] = evaluations[c] + 1;
    int ok = ENS_FINITE(lp[c]);
    GLOBAL const double* gc = g + c * (u64)D;
    for (int d = 0; d < D && ok; d++) ok = ENS_FINITE(gc[d]);
    if (!ok) lp[c] = neg_inf;
}

/*
 * Weights of the cross-chain moments: w_out[c] = w[c] for an active chain with a finite positive
 * weight and a finite row of x, else 0. One work-item per chain.
 */
KERNEL void ens_row_weights(int C, int D, GLOBAL const double* x, GLOBAL const double* w, GLOBAL const int* mask,
                            GLOBAL double* w_out)
{
    u64 c = GLOBAL_ID;
    if (c >= (u64)C) return;
    double wc = w[c];
    int ok = mask[c] != 0 && wc > 0.0 && ENS_FINITE(wc);
    GLOBAL const double* xc = x + c * (u64)D;
    for (int d = 0; d < D && ok; d++) ok = ENS_FINITE(xc[d]);
    w_out[c] = ok ? wc : 0.0;
}

/*
 * Cross-chain weighted sums, chains in increasing order (as CpuChainEnsemble):
 * out[i] = sum_c w_c x[c,i], out[D + i] = sum_c (w_c x[c,i]) x[c,i] for i < D, out[2D] = sum_c w_c,
 * over chains with w_c > 0. D + 1 work-items.
 */
KERNEL void ens_moments(int C, int D, GLOBAL const double* x, GLOBAL const double* w, GLOBAL double* out)
{
    u64 i = GLOBAL_ID;
    if (i > (u64)D) return;
    if (i == (u64)D)
    {
        double total = 0.0;
        for (int c = 0; c < C; c++) if (w[c] > 0.0) total = total + w[c];
        out[2 * D] = total;
        return;
    }
    double s = 0.0, ss = 0.0;
    for (int c = 0; c < C; c++)
    {
        double wc = w[c];
        if (!(wc > 0.0)) continue;
        double xi = x[(u64)c * (u64)D + i];
        double wx = wc * xi;
        s = s + wx;
        ss = ss + wx * xi;
    }
    out[i] = s;
    out[D + i] = ss;
}
