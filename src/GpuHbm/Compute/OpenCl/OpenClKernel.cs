using static GpuHbm.Compute.Native.OpenClApi;

namespace GpuHbm.Compute.OpenCl;

/// <summary>A cl_kernel. Launches lock it, because clSetKernelArg changes its state.</summary>
public sealed class OpenClKernel : CompiledKernel
{
    private readonly int _maxGroupSize;

    internal OpenClKernel(OpenClProgram program, string name, KernelSignature? signature, nint handle, int maxGroupSize)
        : base(program, name, signature)
    {
        Handle = handle;
        _maxGroupSize = maxGroupSize;
    }

    internal nint Handle { get; }

    public override int MaxGroupSize => _maxGroupSize;

    protected internal override void Release() => clReleaseKernel(Handle);
}
