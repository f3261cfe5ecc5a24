using System.Diagnostics;

namespace GpuHbm.Tests.Compute;

/// <summary>
/// Compiles the CUDA dialect of a kernel source to PTX with clang's own CUDA front end (clang
/// comes with PoCL), so the CUDA text is checked on machines without a GPU or NVRTC. A shim
/// stands in for what NVRTC provides implicitly (qualifiers, thread ids, math functions,
/// __syncthreads); it is not NVRTC, so this checks the language, not NVRTC's acceptance.
/// </summary>
internal static class ClangCudaCheck
{
    private const string Shim = """
        #include "__clang_cuda_builtin_vars.h"
        #define __global__ __attribute__((global))
        #define __device__ __attribute__((device))
        #define __shared__ __attribute__((shared))
        #define __forceinline__ __attribute__((always_inline))
        extern "C" __device__ double __nv_sqrt(double);
        extern "C" __device__ double __nv_log(double);
        extern "C" __device__ double __nv_cos(double);
        extern "C" __device__ double __nv_sin(double);
        __device__ inline double sqrt(double x) { return __nv_sqrt(x); }
        __device__ inline double log(double x) { return __nv_log(x); }
        __device__ inline double cos(double x) { return __nv_cos(x); }
        __device__ inline double sin(double x) { return __nv_sin(x); }
        extern "C" __device__ double __nv_exp(double);
        extern "C" __device__ double __nv_tanh(double);
        extern "C" __device__ double __nv_fabs(double);
        extern "C" __device__ double __nv_longlong_as_double(long long);
        __device__ inline double exp(double x) { return __nv_exp(x); }
        __device__ inline double tanh(double x) { return __nv_tanh(x); }
        __device__ inline double fabs(double x) { return __nv_fabs(x); }
        __device__ inline double __longlong_as_double(long long x) { return __nv_longlong_as_double(x); }
        __device__ void __syncthreads() __asm("llvm.nvvm.barrier0");

        """;

    private static readonly Lazy<string?> Clang = new(Find);

    /// <summary>The clang executable that can target CUDA, or null.</summary>
    public static string? Executable => Clang.Value;

    /// <summary>Why the check cannot run here, or null.</summary>
    public static string? SkipReason => Executable is null ? "no clang with CUDA support on PATH (tried clang, clang-15 ... clang-19)" : null;

    /// <summary>The PTX text for <paramref name="cudaText"/>, or throws with clang's diagnostics.</summary>
    public static string CompileToPtx(string cudaText)
    {
        string dir = Directory.CreateTempSubdirectory("gpuhbm-clang-cuda").FullName;
        try
        {
            string input = Path.Combine(dir, "kernels.cu"), output = Path.Combine(dir, "kernels.ptx");
            File.WriteAllText(input, Shim + cudaText);
            var (code, text) = Run(Executable!, "-x", "cuda", "--cuda-device-only", "--cuda-gpu-arch=sm_70", "-nocudainc", "-nocudalib",
                "-ffp-contract=off", "-O2", "-S", "-Werror=implicit-function-declaration", "-o", output, input);
            if (code != 0) throw new InvalidOperationException($"clang failed ({code}):\n{text}");
            return File.ReadAllText(output);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string? Find()
    {
        foreach (string name in new[] { "clang", "clang-19", "clang-18", "clang-17", "clang-16", "clang-15" })
        {
            try
            {
                var (code, text) = Run(name, "--print-targets");
                if (code == 0 && text.Contains("nvptx64")) return name;
            }
            catch (System.ComponentModel.Win32Exception) { } // not installed
        }
        return null;
    }

    private static (int Code, string Output) Run(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout + stderr.Result);
    }
}
