using System.Text;
using static GpuHbm.Compute.Native.OpenClApi;

namespace GpuHbm.Compute.OpenCl;

/// <summary>A built cl_program.</summary>
public sealed unsafe class OpenClProgram : CompiledModule
{
    private readonly OpenClAccelerator _accelerator;

    internal OpenClProgram(OpenClAccelerator accelerator, KernelSource source, string options, nint program, TimeSpan compileTime, string log)
        : base(accelerator, source, options, compileTime, log)
    {
        _accelerator = accelerator;
        Handle = program;
    }

    internal nint Handle { get; }

    protected override CompiledKernel CreateKernelInternal(string name, KernelSignature? signature)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(name + "\0");
        int err;
        nint kernel;
        fixed (byte* p = bytes) kernel = clCreateKernel(Handle, p, &err);
        Check(err, "clCreateKernel", $"{name} in {Source.Name}");
        nuint maxGroup;
        int rc = clGetKernelWorkGroupInfo(kernel, _accelerator.DeviceId, CL_KERNEL_WORK_GROUP_SIZE, (nuint)sizeof(nuint), &maxGroup, null);
        if (rc != CL_SUCCESS)
        {
            clReleaseKernel(kernel);
            Check(rc, "clGetKernelWorkGroupInfo", name);
        }
        return new OpenClKernel(this, name, signature, kernel, (int)Math.Min(int.MaxValue, maxGroup));
    }

    protected override void ReleaseInternal() => clReleaseProgram(Handle);
}
