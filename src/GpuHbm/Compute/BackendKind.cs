namespace GpuHbm.Compute;

/// <summary>Where the batched density and the ensemble operations run.</summary>
public enum BackendKind
{
    /// <summary>The managed CPU backend: the fast CPU path and the reference every device kernel is tested against.</summary>
    Cpu,

    /// <summary>ILGPU's CPU accelerator: the device kernels run on .NET threads (for tests, CI and debugging; slow).</summary>
    CpuAccelerator,

    /// <summary>An OpenCL GPU through ILGPU's OpenCL accelerator (OpenCL C 2.0 with the generic address space).</summary>
    OpenCl,

    /// <summary>An NVIDIA GPU through ILGPU's CUDA accelerator (kernels compiled to PTX).</summary>
    Cuda,
}
