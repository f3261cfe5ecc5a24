/*
 * GpuHbm kernel prelude: one kernel source for OpenCL C 1.2 and CUDA C++ (NVRTC).
 *
 * KernelSource prepends "#define GPUHBM_OPENCL 1" or "#define GPUHBM_CUDA 1" and then this
 * file. Kernels are written in the common C99 subset (no templates, no references, no
 * floating-point atomics) using only these macros for what differs:
 *
 *   KERNEL                      kernel qualifier: __kernel / extern "C" __global__
 *   GLOBAL, LOCAL               address spaces of pointers: __global, __local / nothing, __shared__
 *   RESTRICT                    restrict / __restrict__
 *   DYNAMIC_LOCAL(type, name)   last entry of a kernel's parameter list, written without a comma
 *                               before it: an OpenCL __local pointer parameter; nothing in CUDA
 *   DECLARE_DYNAMIC_LOCAL(type, name)  first statement of such a kernel: nothing in OpenCL;
 *                               extern __shared__ type name[] in CUDA
 *   GLOBAL_ID, LOCAL_ID, GROUP_ID, GROUP_SIZE, NUM_GROUPS   one-dimensional ids (u64 / int)
 *   BARRIER                     work-group barrier with local memory fence
 *   u32, u64                    32- and 64-bit unsigned integers
 *   GPUHBM_PI                   pi as a double literal (equal to C#'s Math.PI)
 *
 * Floating-point contraction is off in both dialects (OpenCL: FP_CONTRACT pragma; CUDA: the
 * host always passes --fmad=false), so a*b+c rounds twice, as in C#.
 */
#ifndef GPUHBM_PRELUDE_H
#define GPUHBM_PRELUDE_H

#if defined(GPUHBM_OPENCL)

#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#pragma OPENCL FP_CONTRACT OFF

#define KERNEL __kernel
#define GLOBAL __global
#define LOCAL __local
#define RESTRICT restrict
#define DEVICE_FN static inline
#define DYNAMIC_LOCAL(type, name) , __local type* name
#define DECLARE_DYNAMIC_LOCAL(type, name)
#define GLOBAL_ID ((u64)get_global_id(0))
#define LOCAL_ID ((int)get_local_id(0))
#define GROUP_ID ((u64)get_group_id(0))
#define GROUP_SIZE ((int)get_local_size(0))
#define NUM_GROUPS ((u64)get_num_groups(0))
#define BARRIER barrier(CLK_LOCAL_MEM_FENCE)
typedef uint u32;
typedef ulong u64;

#elif defined(GPUHBM_CUDA)

#define KERNEL extern "C" __global__
#define GLOBAL
#define LOCAL __shared__
#define RESTRICT __restrict__
#define DEVICE_FN static __device__ __forceinline__
#define DYNAMIC_LOCAL(type, name)
#define DECLARE_DYNAMIC_LOCAL(type, name) extern __shared__ type name[]
#define GLOBAL_ID ((u64)blockIdx.x * (u64)blockDim.x + (u64)threadIdx.x)
#define LOCAL_ID ((int)threadIdx.x)
#define GROUP_ID ((u64)blockIdx.x)
#define GROUP_SIZE ((int)blockDim.x)
#define NUM_GROUPS ((u64)gridDim.x)
#define BARRIER __syncthreads()
typedef unsigned int u32;
typedef unsigned long long u64;

#else
#error "Define GPUHBM_OPENCL or GPUHBM_CUDA before including prelude.h"
#endif

#define GPUHBM_PI 3.141592653589793

#endif /* GPUHBM_PRELUDE_H */
