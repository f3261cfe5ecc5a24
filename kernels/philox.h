/*
 * Philox4x32-10 (Salmon, Moraes, Dror, Shaw 2011, "Parallel random numbers: as easy as
 * 1, 2, 3"), identical bit for bit to kernels/Random/Philox.cs (retired with the OpenCL runtime).
 *
 * Counter layout used throughout GpuHbm: c0 = index within the draw, c1 = iteration,
 * c2 = chain, c3 = purpose (Sampling.RandomPurpose); key = the 64-bit seed (k0 = low word,
 * k1 = high word). Normals come by Box-Muller from block index i: element 2i takes the cosine
 * branch, 2i+1 the sine branch, as Philox.Normals does.
 */
#ifndef GPUHBM_PHILOX_H
#define GPUHBM_PHILOX_H

/* Sampling.RandomPurpose values. */
#define PURPOSE_INITIALIZATION 1u
#define PURPOSE_MOMENTUM 2u
#define PURPOSE_TREE_DIRECTION 3u
#define PURPOSE_MULTINOMIAL_SELECTION 4u
#define PURPOSE_STEP_JITTER 5u
#define PURPOSE_SIMULATION 6u
#define PURPOSE_STEP_SIZE_SEARCH 7u
#define PURPOSE_METROPOLIS_ACCEPTANCE 8u

typedef struct { u32 x0, x1, x2, x3; } philox4x32;

DEVICE_FN philox4x32 philox_block(u32 c0, u32 c1, u32 c2, u32 c3, u32 k0, u32 k1)
{
    for (int round = 0; round < 10; round++)
    {
        if (round > 0) { k0 += 0x9E3779B9u; k1 += 0xBB67AE85u; }
        u64 p0 = (u64)0xD2511F53u * (u64)c0;
        u64 p1 = (u64)0xCD9E8D57u * (u64)c2;
        u32 hi0 = (u32)(p0 >> 32), lo0 = (u32)p0;
        u32 hi1 = (u32)(p1 >> 32), lo1 = (u32)p1;
        u32 n0 = hi1 ^ c1 ^ k0, n2 = hi0 ^ c3 ^ k1;
        c0 = n0; c1 = lo1; c2 = n2; c3 = lo0;
    }
    philox4x32 r;
    r.x0 = c0; r.x1 = c1; r.x2 = c2; r.x3 = c3;
    return r;
}

/* A double in the open interval (0, 1) with 53 random bits, from two words (Philox.ToOpenUnit). */
DEVICE_FN double philox_open_unit(u32 a, u32 b)
{
    return ((double)(a >> 5) * 67108864.0 + (double)(b >> 6) + 0.5) * (1.0 / 9007199254740992.0);
}

/* The block for (seed, chain, iteration, purpose, index). */
DEVICE_FN philox4x32 philox_draw(u64 seed, u32 chain, u32 iteration, u32 purpose, u32 index)
{
    return philox_block(index, iteration, chain, purpose, (u32)seed, (u32)(seed >> 32));
}

/* Box-Muller radius and angle from block i; the normals are r*cos(t) (element 2i) and r*sin(t) (2i+1). */
DEVICE_FN void philox_polar(philox4x32 b, double* r, double* t)
{
    double u0 = philox_open_unit(b.x0, b.x1);
    double u1 = philox_open_unit(b.x2, b.x3);
    *r = sqrt(-2.0 * log(u0));
    *t = 2.0 * GPUHBM_PI * u1;
}

#endif /* GPUHBM_PHILOX_H */
