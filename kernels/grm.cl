/*
 * The Gram product of the genetic relationship matrix (Compute/DeviceGram.cs launches these):
 * C += W W^T on the lower triangle (k <= j) of the N x N row-major C, for a block W of N x m
 * standardized genotypes (row-major: individual j's values at w[j*m .. j*m + m), 0 where the
 * genotype is missing). The same kernel run on the 0/1 observed-indicator matrix gives the
 * per-pair counts of SNPs observed in both individuals. It mirrors GenotypeGram.AccumulateLower:
 * one block's sums are formed and then added to C once per entry.
 *
 * Tiling: one work-group of GRM_GROUP = 256 work-items per 64 x 64 tile (tj, tk), tk <= tj, of
 * the lower triangle of tiles, numbered row by row (pair = tj*(tj+1)/2 + tk). Work-item
 * (ty, tx) = (id / 16, id % 16) owns the 4 x 4 entries (j0 + ty + 16a, k0 + tx + 16b). The SNPs
 * go through local memory in slices of GRM_KS = 16, and each entry is summed by one work-item in
 * increasing SNP order, t = 0, 1, ..., m-1 (slice padding adds exact zeros): the result does not
 * depend on the device, the group count or timing. No atomics.
 */

#define GRM_TILE 64
#define GRM_KS 16
#define GRM_SUB 16
#define GRM_GROUP 256

KERNEL void grm_accumulate_lower(int n, int m, GLOBAL const double* RESTRICT w, GLOBAL double* RESTRICT c)
{
    LOCAL double wa[GRM_KS][GRM_TILE + 1];
    LOCAL double wb[GRM_KS][GRM_TILE + 1];
    u64 pair = GROUP_ID;
    int tj = (int)((sqrt(8.0 * (double)pair + 1.0) - 1.0) / 2.0);
    while ((u64)tj * (u64)(tj + 1) / 2 > pair) tj--;
    while ((u64)(tj + 1) * (u64)(tj + 2) / 2 <= pair) tj++;
    int tk = (int)(pair - (u64)tj * (u64)(tj + 1) / 2);
    int j0 = tj * GRM_TILE, k0 = tk * GRM_TILE;
    int lid = LOCAL_ID;
    int ty = lid / GRM_SUB, tx = lid % GRM_SUB;

    double acc[4][4];
    for (int a = 0; a < 4; a++)
        for (int b = 0; b < 4; b++) acc[a][b] = 0.0;

    for (int s0 = 0; s0 < m; s0 += GRM_KS)
    {
        /* 64 rows x 16 SNPs per panel = 1024 values, 4 per work-item; neighbours read neighbouring SNPs. */
        for (int r = 0; r < 4; r++)
        {
            int idx = lid + r * GRM_GROUP;
            int row = idx / GRM_KS, t = idx % GRM_KS;
            int gt = s0 + t, gj = j0 + row, gk = k0 + row;
            wa[t][row] = (gj < n && gt < m) ? w[(u64)gj * (u64)m + (u64)gt] : 0.0;
            wb[t][row] = (gk < n && gt < m) ? w[(u64)gk * (u64)m + (u64)gt] : 0.0;
        }
        BARRIER;
        for (int t = 0; t < GRM_KS; t++)
        {
            double x[4], y[4];
            for (int a = 0; a < 4; a++) x[a] = wa[t][ty + GRM_SUB * a];
            for (int b = 0; b < 4; b++) y[b] = wb[t][tx + GRM_SUB * b];
            for (int a = 0; a < 4; a++)
                for (int b = 0; b < 4; b++) acc[a][b] += x[a] * y[b];
        }
        BARRIER;
    }

    for (int a = 0; a < 4; a++)
    {
        int j = j0 + ty + GRM_SUB * a;
        if (j >= n) continue;
        for (int b = 0; b < 4; b++)
        {
            int k = k0 + tx + GRM_SUB * b;
            if (k <= j) c[(u64)j * (u64)n + (u64)k] += acc[a][b];
        }
    }
}

/* c[i] = 0 for i < count (one work-item per element). */
KERNEL void grm_zero(u64 count, GLOBAL double* c)
{
    u64 i = GLOBAL_ID;
    if (i < count) c[i] = 0.0;
}
