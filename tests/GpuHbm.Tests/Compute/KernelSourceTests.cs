using GpuHbm.Compute;
using Xunit;

namespace GpuHbm.Tests.Compute;

public class KernelSourceTests
{
    [Theory]
    [InlineData(KernelDialect.OpenCl, "#define GPUHBM_OPENCL 1")]
    [InlineData(KernelDialect.Cuda, "#define GPUHBM_CUDA 1")]
    public void The_dialect_define_and_prelude_come_first_and_includes_are_inlined_once(KernelDialect dialect, string define)
    {
        var source = KernelSource.FromResource(EnsembleKernels.SourceFile, dialect);
        Assert.StartsWith(define + "\n#line 1 \"prelude.h\"\n", source.Text);
        Assert.Contains("#line 1 \"philox.h\"", source.Text);
        Assert.DoesNotContain("#include", source.Text);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(source.Text, "philox_block\\(u32 c0"));
        Assert.Equal(64, source.Hash.Length);
    }

    [Fact]
    public void The_hash_differs_between_dialects_and_is_stable()
    {
        var a = KernelSource.FromResource(EnsembleKernels.SourceFile, KernelDialect.OpenCl);
        var b = KernelSource.FromResource(EnsembleKernels.SourceFile, KernelDialect.OpenCl);
        var c = KernelSource.FromResource(EnsembleKernels.SourceFile, KernelDialect.Cuda);
        Assert.Equal(a.Hash, b.Hash);
        Assert.NotEqual(a.Hash, c.Hash);
    }

    [Fact]
    public void Line_directives_point_back_to_the_kernel_file_after_an_include()
    {
        string body = "// line 1\n#include \"philox.h\"\nKERNEL void k(GLOBAL double* x) { x[0] = 1.0; }\n";
        var source = KernelSource.FromText("mine.cl", body, KernelDialect.OpenCl);
        Assert.Contains("#line 3 \"mine.cl\"\nKERNEL void k(", source.Text);
    }

    [Fact]
    public void Signatures_are_read_from_the_source()
    {
        var source = KernelSource.FromResource(EnsembleKernels.SourceFile, KernelDialect.OpenCl);
        Assert.Equal(
            new[] { "momentum_draw", "position_step", "momentum_step", "chain_dot", "masked_select", "chain_uniforms", "philox_blocks",
                "ens_copy", "ens_add", "ens_combine", "ens_combine_chains", "ens_multiply", "ens_divide", "ens_broadcast", "ens_momentum", "ens_dot", "ens_leapfrog_begin", "ens_leapfrog_end",
                "ens_check_finite", "ens_row_weights", "ens_moments" }.Order(),
            source.Signatures.Keys.Order());

        var dot = source.Signatures["chain_dot"];
        Assert.True(dot.HasDynamicLocal);
        Assert.Equal(["C", "D", "a", "w", "w_stride", "b", "out"], dot.Parameters.Select(p => p.Name));
        Assert.Equal([false, false, true, true, false, true, true], dot.Parameters.Select(p => p.IsPointer));
        Assert.All(dot.Parameters, p => Assert.Equal(p.IsPointer ? 8 : 4, p.Size));

        var draw = source.Signatures["momentum_draw"];
        Assert.False(draw.HasDynamicLocal);
        Assert.Equal(("seed", "u64", 8), (draw.Parameters[2].Name, draw.Parameters[2].TypeName, draw.Parameters[2].Size));
        Assert.Equal(("iteration", "u32", 4), (draw.Parameters[3].Name, draw.Parameters[3].TypeName, draw.Parameters[3].Size));
        Assert.Equal(("active", "int", 4, true), (source.Signatures["position_step"].Parameters[^1].Name,
            source.Signatures["position_step"].Parameters[^1].TypeName, source.Signatures["position_step"].Parameters[^1].Size,
            source.Signatures["position_step"].Parameters[^1].IsPointer));
    }

    [Fact]
    public void A_missing_kernel_file_names_the_embedded_ones()
    {
        var e = Assert.Throws<DeviceException>(() => KernelSource.FromResource("nope.cl", KernelDialect.OpenCl));
        Assert.Contains("ensemble.cl", e.Message);
        Assert.Contains("philox.h", e.Message);
    }

    [Fact]
    public void Launch_configurations_cover_every_element()
    {
        Assert.Equal(new LaunchConfig(4, 256), LaunchConfig.ForElements(1000, 256));
        Assert.Equal(new LaunchConfig(0, 256), LaunchConfig.ForElements(0, 256));
        Assert.Equal(1024, LaunchConfig.ForElements(1000, 256).GlobalSize);
    }
}
