namespace GpuHbm.Compute;

/// <summary>Where the batched density and the ensemble operations run.</summary>
public enum BackendKind
{
    /// <summary>The managed CPU backend: the reference every device kernel is tested against.</summary>
    Cpu,

    /// <summary>An OpenCL 1.2 device (GPU, or a CPU driver such as PoCL), through libOpenCL.so.1.</summary>
    OpenCl,

    /// <summary>An NVIDIA GPU through the CUDA driver API (libcuda.so.1) and NVRTC.</summary>
    Cuda,
}
