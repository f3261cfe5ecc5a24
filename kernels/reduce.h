/*
 * The fixed-shape reduction every GpuHbm kernel uses (no floating-point atomics): each of the G
 * work-items of a group (G a power of two) puts its value in local memory, then halves: for
 * s = G/2, G/4, ..., 1: buf[t] += buf[t + s] for t < s. The summation order depends only on G, so
 * results are bit-identical run to run and across devices with the same group size.
 */
#ifndef GPUHBM_REDUCE_H
#define GPUHBM_REDUCE_H

#if defined(GPUHBM_OPENCL)
#define LOCAL_PTR __local   /* a pointer parameter to local memory */
#else
#define LOCAL_PTR           /* CUDA: shared memory is addressed through generic pointers */
#endif

/* Sum of v over the group; every work-item gets it. All work-items of the group must call it. */
DEVICE_FN double group_sum(LOCAL_PTR double* buf, double v, int t, int G)
{
    buf[t] = v;
    BARRIER;
    for (int s = G / 2; s > 0; s >>= 1)
    {
        if (t < s) buf[t] = buf[t] + buf[t + s];
        BARRIER;
    }
    double result = buf[0];
    BARRIER;
    return result;
}

#endif
