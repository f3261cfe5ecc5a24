namespace GpuHbm.Kernels;

/// <summary>
/// Marks a kernel entry point: an explicitly grouped ILGPU kernel that Compute loads with <c>LoadStreamKernel</c>.
/// The PTX test compiles every method so marked for sm_90 and checks the result.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class DeviceKernelAttribute : Attribute
{
}
