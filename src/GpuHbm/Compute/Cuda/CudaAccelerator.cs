using System.Diagnostics;
using GpuHbm.Compute.Native;
using static GpuHbm.Compute.Native.CudaDriverApi;

namespace GpuHbm.Compute.Cuda;

/// <summary>
/// An NVIDIA GPU through the driver API: its primary context, the legacy default stream (so
/// launches and synchronous copies are ordered), kernels compiled by NVRTC.
/// </summary>
/// <remarks>
/// Launch errors surface at the next synchronizing call (a copy or <see cref="Accelerator.Synchronize"/>);
/// CUDA_ERROR_ILLEGAL_ADDRESS (700) is sticky: the context is unusable afterwards.
/// </remarks>
public sealed unsafe class CudaAccelerator : Accelerator
{
    private const int DefaultSharedLimit = 48 * 1024;
    private readonly NvrtcApi _nvrtc;

    internal CudaAccelerator(DeviceInfo device) : base(device)
    {
        if (device.Backend != BackendKind.Cuda) throw new ArgumentException("Not a CUDA device.", nameof(device));
        _nvrtc = NvrtcApi.TryGet(out string why)
            ?? throw new DeviceException($"{device.Describe()} cannot compile kernels: {why}.");
        Context = new CudaContext((int)device.NativeId);
        Context.MakeCurrent();
        WarpSize = CudaDeviceProbe.Attribute(Context.Device, CU_DEVICE_ATTRIBUTE_WARP_SIZE);
    }

    internal CudaContext Context { get; }

    public override KernelDialect Dialect => KernelDialect.Cuda;

    public override int WarpSize { get; }

    protected override DeviceBuffer<T> AllocateInternal<T>(long length)
    {
        Context.MakeCurrent();
        long bytes = length * sizeof(T);
        ulong pointer;
        int rc = cuMemAlloc_v2(&pointer, (nuint)bytes);
        if (rc == CUDA_ERROR_OUT_OF_MEMORY) throw DeviceException.OutOfMemory(Device, bytes, ErrorName(rc));
        Check(rc, "cuMemAlloc_v2", $"{bytes} bytes");
        return new CudaBuffer<T>(this, pointer, length);
    }

    protected internal override CompiledModule CompileInternal(KernelSource source, string options)
    {
        var watch = Stopwatch.StartNew();
        var cc = Device.ComputeCapability ?? throw new DeviceException($"{Device.Describe()} reports no compute capability.");
        var result = CudaKernelCompiler.Compile(_nvrtc, source, options, cc, Device.Describe());
        Context.MakeCurrent();
        nint module;
        int rc;
        fixed (byte* image = result.Image) rc = cuModuleLoadData(&module, image);
        Check(rc, "cuModuleLoadData", $"{source.Name} as {(result.IsCubin ? "CUBIN" : "PTX")} for {result.Architecture}");
        return new CudaModule(this, source, options, module, watch.Elapsed, result.Log, result.IsCubin, result.Architecture);
    }

    protected override void LaunchInternal(CompiledKernel kernel, LaunchConfig config, ReadOnlySpan<KernelArgument> arguments)
    {
        var k = (CudaKernel)kernel;
        Context.MakeCurrent();
        if (config.DynamicLocalBytes > DefaultSharedLimit) k.AllowDynamicShared(config.DynamicLocalBytes);

        // cuLaunchKernel takes an array of pointers, each to one argument's value.
        int n = arguments.Length;
        ulong* values = stackalloc ulong[Math.Max(1, n)];
        nint* slots = stackalloc nint[Math.Max(1, n)];
        void** pointers = (void**)slots;
        for (int i = 0; i < n; i++)
        {
            values[i] = arguments[i].IsBuffer ? arguments[i].Buffer!.ArgumentBits : arguments[i].Bits;
            pointers[i] = &values[i];
        }
        Check(cuLaunchKernel(k.Handle, (uint)config.Groups, 1, 1, (uint)config.GroupSize, 1, 1,
                (uint)config.DynamicLocalBytes, 0, n == 0 ? null : pointers, null),
            "cuLaunchKernel", $"{kernel.Name}, {config.Groups} blocks of {config.GroupSize}");
    }

    protected override void SynchronizeInternal()
    {
        Context.MakeCurrent();
        Check(cuCtxSynchronize(), "cuCtxSynchronize");
    }

    protected override void DisposeInternal()
    {
        Context.MakeCurrent();
        cuCtxSynchronize();
        Context.Dispose();
    }
}
