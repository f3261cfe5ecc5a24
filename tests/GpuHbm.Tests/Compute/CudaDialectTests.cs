using System.Text.RegularExpressions;
using GpuHbm.Compute;
using Xunit;

namespace GpuHbm.Tests.Compute;

/// <summary>The CUDA dialect of the kernels, checked without a GPU by clang's CUDA front end.</summary>
public class CudaDialectTests
{
    [ClangCudaFact]
    public void The_CUDA_dialect_of_ensemble_cl_compiles_to_PTX_with_every_entry_point_unmangled_and_no_FMA()
    {
        var source = KernelSource.FromResource(EnsembleKernels.SourceFile, KernelDialect.Cuda);
        string ptx = ClangCudaCheck.CompileToPtx(source.Text);
        var entries = Regex.Matches(ptx, @"\.entry\s+(\w+)\(").Select(m => m.Groups[1].Value).Order();
        Assert.Equal(source.Signatures.Keys.Order(), entries);
        Assert.DoesNotContain("fma.rn.f64", ptx);
        Assert.Contains("bar.sync", ptx); // chain_dot's barrier
    }

    [ClangCudaFact]
    public void The_CUDA_dialect_of_glmm_cl_compiles_to_PTX_with_every_entry_point_unmangled_and_no_FMA()
    {
        var source = KernelSource.FromResource(DeviceGlmmDensity.SourceFile, KernelDialect.Cuda);
        string ptx = ClangCudaCheck.CompileToPtx(source.Text);
        var entries = Regex.Matches(ptx, @"\.entry\s+(\w+)\(").Select(m => m.Groups[1].Value).Order();
        Assert.Equal(source.Signatures.Keys.Order(), entries);
        Assert.DoesNotContain("fma.rn.f64", ptx);
        Assert.Contains("bar.sync", ptx); // the fixed-tree reductions
    }

    [ClangCudaFact]
    public void A_CUDA_dialect_error_is_caught()
    {
        var source = KernelSource.FromText("bad.cl", "KERNEL void bad(GLOBAL double* x) { x[0] = get_global_id(0); }\n", KernelDialect.Cuda);
        var e = Assert.Throws<InvalidOperationException>(() => ClangCudaCheck.CompileToPtx(source.Text));
        Assert.Contains("get_global_id", e.Message);
    }
}
