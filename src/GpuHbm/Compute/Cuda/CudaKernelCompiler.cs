using System.Text;
using GpuHbm.Compute.Native;

namespace GpuHbm.Compute.Cuda;

/// <summary>
/// Compiles a CUDA kernel source with NVRTC: to CUBIN for the device's own sm_XY (PTX newer
/// than the driver fails to load with CUDA_ERROR_UNSUPPORTED_PTX_VERSION, error 222); when
/// this NVRTC does not know sm_XY, to PTX for compute_XY, then to PTX for NVRTC's default.
/// </summary>
/// <remarks>
/// --fmad=false is always added (unless the options say otherwise) so that CUDA results match
/// the OpenCL and managed CPU paths, which do not contract a*b+c into an FMA.
/// </remarks>
internal static unsafe class CudaKernelCompiler
{
    /// <summary>The compiled image (CUBIN, or NUL-terminated PTX) and what it is.</summary>
    public sealed record Result(byte[] Image, bool IsCubin, string Architecture, string Log);

    public static Result Compile(NvrtcApi nvrtc, KernelSource source, string options, (int Major, int Minor) cc, string device)
    {
        var baseOptions = options.Split((char[])[' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries).ToList();
        if (!baseOptions.Any(o => o.StartsWith("--fmad", StringComparison.Ordinal) || o.StartsWith("-fmad", StringComparison.Ordinal)))
            baseOptions.Add("--fmad=false");

        string sm = $"sm_{cc.Major}{cc.Minor}", compute = $"compute_{cc.Major}{cc.Minor}";
        var attempts = new List<string?>();
        if (nvrtc.HasCubin) attempts.Add(sm);
        attempts.Add(compute);
        attempts.Add(null);

        string? lastLog = null;
        foreach (string? arch in attempts)
        {
            var opts = new List<string>(baseOptions);
            if (arch is not null) opts.Add($"--gpu-architecture={arch}");
            var (rc, log, program) = Run(nvrtc, source, opts);
            try
            {
                if (rc == NvrtcApi.NVRTC_ERROR_INVALID_OPTION) { lastLog = log; continue; }
                if (rc != NvrtcApi.NVRTC_SUCCESS)
                {
                    string name = nvrtc.ErrorName(rc);
                    throw new DeviceException(
                        $"Compiling {source.Name} for {device} with NVRTC {nvrtc.Version.Major}.{nvrtc.Version.Minor} failed with {name} "
                        + $"(options: {string.Join(' ', opts)}). Build log:\n{log}", name, buildLog: log);
                }
                bool cubin = arch is not null && arch.StartsWith("sm_", StringComparison.Ordinal);
                byte[] image = cubin ? Output(nvrtc, program, true) : Output(nvrtc, program, false);
                return new Result(image, cubin, arch ?? "NVRTC default", log);
            }
            finally
            {
                nvrtc.nvrtcDestroyProgram(&program);
            }
        }
        throw new DeviceException(
            $"NVRTC {nvrtc.Version.Major}.{nvrtc.Version.Minor} rejected every target architecture for {device} ({sm}, {compute}, default). Log:\n{lastLog}",
            "NVRTC_ERROR_INVALID_OPTION", buildLog: lastLog);
    }

    private static (int Rc, string Log, nint Program) Run(NvrtcApi nvrtc, KernelSource source, List<string> options)
    {
        byte[] text = Encoding.UTF8.GetBytes(source.Text + "\0");
        byte[] name = Encoding.UTF8.GetBytes(source.Name + "\0");
        nint program;
        fixed (byte* t = text, n = name)
            nvrtc.Check(nvrtc.nvrtcCreateProgram(&program, t, n, 0, null, null), "nvrtcCreateProgram");

        var optionBytes = options.Select(o => Encoding.UTF8.GetBytes(o + "\0")).ToArray();
        var handles = optionBytes.Select(b => System.Runtime.InteropServices.GCHandle.Alloc(b, System.Runtime.InteropServices.GCHandleType.Pinned)).ToArray();
        int rc;
        try
        {
            byte** pointers = stackalloc byte*[handles.Length];
            for (int i = 0; i < handles.Length; i++) pointers[i] = (byte*)handles[i].AddrOfPinnedObject();
            rc = nvrtc.nvrtcCompileProgram(program, handles.Length, pointers);
        }
        finally
        {
            foreach (var h in handles) h.Free();
        }

        string log = "";
        nuint size;
        if (nvrtc.nvrtcGetProgramLogSize(program, &size) == NvrtcApi.NVRTC_SUCCESS && size > 1)
        {
            var bytes = new byte[(int)size];
            fixed (byte* b = bytes)
                if (nvrtc.nvrtcGetProgramLog(program, b) == NvrtcApi.NVRTC_SUCCESS) log = OpenClApi.DecodeCString(bytes);
        }
        return (rc, log, program);
    }

    private static byte[] Output(NvrtcApi nvrtc, nint program, bool cubin)
    {
        nuint size;
        nvrtc.Check(cubin ? nvrtc.nvrtcGetCUBINSize(program, &size) : nvrtc.nvrtcGetPTXSize(program, &size),
            cubin ? "nvrtcGetCUBINSize" : "nvrtcGetPTXSize");
        var image = new byte[(int)size + (cubin ? 0 : 1)];
        fixed (byte* p = image)
            nvrtc.Check(cubin ? nvrtc.nvrtcGetCUBIN(program, p) : nvrtc.nvrtcGetPTX(program, p), cubin ? "nvrtcGetCUBIN" : "nvrtcGetPTX");
        return image;
    }
}
