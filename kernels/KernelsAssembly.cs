namespace GpuHbm.Kernels;

/// <summary>Marks the kernels assembly (ILGPU kernels and the scalar math shared with the managed CPU backend).</summary>
internal static class KernelsAssembly
{
}
