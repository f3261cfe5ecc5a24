using System.Text;
using static GpuHbm.Compute.Native.CudaDriverApi;

namespace GpuHbm.Compute.Cuda;

/// <summary>A CUmodule loaded from NVRTC's CUBIN (or PTX, when NVRTC does not know the device's architecture).</summary>
public sealed unsafe class CudaModule : CompiledModule
{
    private readonly CudaAccelerator _accelerator;

    internal CudaModule(CudaAccelerator accelerator, KernelSource source, string options, nint module, TimeSpan compileTime,
        string log, bool isCubin, string architecture)
        : base(accelerator, source, options, compileTime, log)
    {
        _accelerator = accelerator;
        Handle = module;
        IsCubin = isCubin;
        Architecture = architecture;
    }

    internal nint Handle { get; }

    /// <summary>True when NVRTC produced a CUBIN for the device's sm_XY; false for PTX JIT-compiled by the driver.</summary>
    public bool IsCubin { get; }

    /// <summary>The --gpu-architecture used (sm_90, compute_90, or "NVRTC default").</summary>
    public string Architecture { get; }

    protected override CompiledKernel CreateKernelInternal(string name, KernelSignature? signature)
    {
        _accelerator.Context.MakeCurrent();
        byte[] bytes = Encoding.UTF8.GetBytes(name + "\0");
        nint function;
        fixed (byte* p = bytes) Check(cuModuleGetFunction(&function, Handle, p), "cuModuleGetFunction", $"{name} in {Source.Name}");
        int maxThreads;
        Check(cuFuncGetAttribute(&maxThreads, CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK, function), "cuFuncGetAttribute", name);
        return new CudaKernel(this, name, signature, function, maxThreads);
    }

    protected override void ReleaseInternal()
    {
        // Runs before the accelerator releases its context (Accelerator.Dispose disposes the cache first).
        _accelerator.Context.MakeCurrent();
        cuModuleUnload(Handle);
    }
}
