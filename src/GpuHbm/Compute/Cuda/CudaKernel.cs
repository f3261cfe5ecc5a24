using static GpuHbm.Compute.Native.CudaDriverApi;

namespace GpuHbm.Compute.Cuda;

/// <summary>A CUfunction of a <see cref="CudaModule"/>.</summary>
public sealed class CudaKernel : CompiledKernel
{
    private readonly int _maxGroupSize;
    private int _dynamicSharedAllowed = 48 * 1024;

    internal CudaKernel(CudaModule module, string name, KernelSignature? signature, nint handle, int maxGroupSize)
        : base(module, name, signature)
    {
        Handle = handle;
        _maxGroupSize = maxGroupSize;
    }

    internal nint Handle { get; }

    public override int MaxGroupSize => _maxGroupSize;

    /// <summary>Dynamic shared memory above 48 KB needs an opt-in per function (cuFuncSetAttribute).</summary>
    internal void AllowDynamicShared(int bytes)
    {
        if (bytes <= Volatile.Read(ref _dynamicSharedAllowed)) return;
        Check(cuFuncSetAttribute(Handle, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, bytes), "cuFuncSetAttribute",
            $"{Name}: {bytes} bytes of dynamic shared memory");
        Volatile.Write(ref _dynamicSharedAllowed, bytes);
    }

    /// <summary>Functions are freed with their module.</summary>
    protected internal override void Release() { }
}
