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
    partial[t] = acc;
    BARRIER;
    for (int s = G / 2; s > 0; s >>= 1)
    {
        if (t < s) partial[t] = partial[t] + partial[t + s];
        BARRIER;
    }
    if (t == 0 && c < C) out[c] = partial[0];
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
