namespace GpuHbm.Compute;

/// <summary>
/// The language a kernel source is compiled as. kernels/prelude.h maps GpuHbm's macros
/// (KERNEL, GLOBAL, LOCAL_ID, BARRIER, ...) onto each.
/// </summary>
public enum KernelDialect
{
    /// <summary>OpenCL C 1.2, compiled by clBuildProgram; the prelude sees GPUHBM_OPENCL.</summary>
    OpenCl,

    /// <summary>CUDA C++ (kernels extern "C"), compiled by NVRTC; the prelude sees GPUHBM_CUDA.</summary>
    Cuda,
}
