using System.Diagnostics;
using System.Text;
using static GpuHbm.Compute.Native.OpenClApi;

namespace GpuHbm.Compute.OpenCl;

/// <summary>
/// An OpenCL device with its own context and one in-order command queue: launches run in
/// issue order and blocking buffer copies wait for them.
/// </summary>
public sealed unsafe class OpenClAccelerator : Accelerator
{
    internal OpenClAccelerator(DeviceInfo device) : base(device)
    {
        if (device.Backend != BackendKind.OpenCl) throw new ArgumentException("Not an OpenCL device.", nameof(device));
        if (!device.SupportsFp64)
            throw new DeviceException($"{device.Describe()} does not support fp64 (cl_khr_fp64), which GpuHbm's kernels need.");
        DeviceId = device.NativeId;
        nint id = DeviceId;
        int err;
        Context = clCreateContext(null, 1, &id, 0, 0, &err);
        Check(err, "clCreateContext", device.Describe());
        Queue = clCreateCommandQueue(Context, id, 0, &err);
        if (err != CL_SUCCESS)
        {
            clReleaseContext(Context);
            Check(err, "clCreateCommandQueue", device.Describe());
        }
    }

    internal nint DeviceId { get; }
    internal nint Context { get; }
    internal nint Queue { get; }

    public override KernelDialect Dialect => KernelDialect.OpenCl;

    protected override DeviceBuffer<T> AllocateInternal<T>(long length)
    {
        long bytes = length * sizeof(T);
        int err;
        nint mem = clCreateBuffer(Context, CL_MEM_READ_WRITE, (nuint)bytes, null, &err);
        if (err is -4 or -5 or -6 or -61) // allocation failure, out of resources / host memory, invalid buffer size
            throw DeviceException.OutOfMemory(Device, bytes, ErrorName(err));
        Check(err, "clCreateBuffer", $"{bytes} bytes");
        return new OpenClBuffer<T>(this, mem, length);
    }

    protected internal override CompiledModule CompileInternal(KernelSource source, string options)
    {
        var watch = Stopwatch.StartNew();
        byte[] text = Encoding.UTF8.GetBytes(source.Text);
        int err;
        nint program;
        fixed (byte* p = text)
        {
            byte* strings = p;
            nuint length = (nuint)text.Length;
            program = clCreateProgramWithSource(Context, 1, &strings, &length, &err);
        }
        Check(err, "clCreateProgramWithSource", source.Name);

        byte[] optionBytes = Encoding.UTF8.GetBytes(options + "\0");
        nint device = DeviceId;
        int rc;
        fixed (byte* o = optionBytes) rc = clBuildProgram(program, 1, &device, o, 0, 0);
        string log = BuildLog(program);
        if (rc != CL_SUCCESS)
        {
            clReleaseProgram(program);
            string name = ErrorName(rc);
            throw new DeviceException(
                $"Compiling {source.Name} for {Device.Describe()} failed with {name}" + (options.Length > 0 ? $" (options: {options})" : "")
                + $". Build log:\n{log}", name, buildLog: log);
        }
        return new OpenClProgram(this, source, options, program, watch.Elapsed, log);
    }

    private string BuildLog(nint program)
    {
        nuint size;
        if (clGetProgramBuildInfo(program, DeviceId, CL_PROGRAM_BUILD_LOG, 0, null, &size) != CL_SUCCESS || size == 0) return "";
        var bytes = new byte[(int)size];
        fixed (byte* b = bytes)
            if (clGetProgramBuildInfo(program, DeviceId, CL_PROGRAM_BUILD_LOG, size, b, null) != CL_SUCCESS) return "";
        return DecodeCString(bytes);
    }

    protected override void LaunchInternal(CompiledKernel kernel, LaunchConfig config, ReadOnlySpan<KernelArgument> arguments)
    {
        var k = (OpenClKernel)kernel;
        // clSetKernelArg mutates the kernel object: argument setting and enqueueing must not interleave across threads.
        lock (k)
        {
            for (int i = 0; i < arguments.Length; i++)
            {
                ulong bits = arguments[i].IsBuffer ? arguments[i].Buffer!.ArgumentBits : arguments[i].Bits;
                nuint size = arguments[i].IsBuffer ? (nuint)sizeof(nint) : (nuint)arguments[i].ScalarSize;
                Check(clSetKernelArg(k.Handle, (uint)i, size, &bits), "clSetKernelArg", $"{kernel.Name} argument {i}");
            }
            if (config.DynamicLocalBytes > 0)
                Check(clSetKernelArg(k.Handle, (uint)arguments.Length, (nuint)config.DynamicLocalBytes, null),
                    "clSetKernelArg", $"{kernel.Name} dynamic local memory, {config.DynamicLocalBytes} bytes");
            nuint global = (nuint)config.GlobalSize, local = (nuint)config.GroupSize;
            Check(clEnqueueNDRangeKernel(Queue, k.Handle, 1, null, &global, &local, 0, null, null),
                "clEnqueueNDRangeKernel", $"{kernel.Name}, {config.Groups} groups of {config.GroupSize}");
        }
    }

    protected override void SynchronizeInternal() => Check(clFinish(Queue), "clFinish");

    protected override void DisposeInternal()
    {
        clFinish(Queue);
        clReleaseCommandQueue(Queue);
        clReleaseContext(Context);
    }
}
