using System.Reflection;
using System.Text.RegularExpressions;
using GpuHbm.Kernels;
using ILGPU;
using ILGPU.Backends;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using Xunit;
using Accelerator = GpuHbm.Compute.Accelerator;

namespace GpuHbm.Tests.Compute;

/// <summary>
/// Every kernel entry point ([DeviceKernel] in kernels/) compiled to PTX by ILGPU's PTX backend for sm_90 (the H100 and
/// H200), with no GPU: the CUDA path's compiler runs in every CI build. Checks the entry point, the target, fp64
/// arithmetic, IEEE division and square root, and that no XMath CORDIC code or external function is in it.
/// </summary>
public partial class PtxCompilationTests(ITestOutputHelper output)
{
    /// <summary>Every method of the kernels assembly marked [DeviceKernel], as "Class.Method".</summary>
    public static TheoryData<string> Kernels()
    {
        var data = new TheoryData<string>();
        foreach (var m in EntryPoints()) data.Add($"{m.DeclaringType!.Name}.{m.Name}");
        return data;
    }

    internal static IEnumerable<MethodInfo> EntryPoints() =>
        typeof(GlmmKernels).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static))
            .Where(m => m.GetCustomAttribute<DeviceKernelAttribute>() is not null)
            .OrderBy(m => m.DeclaringType!.Name, StringComparer.Ordinal).ThenBy(m => m.Name, StringComparer.Ordinal);

    /// <summary>The PTX of <paramref name="kernel"/> for sm_90 through a context built like production's (<paramref name="configure"/>).</summary>
    internal static string Compile(MethodInfo kernel, Func<Context.Builder, Context.Builder> configure)
    {
        using var context = Context.Create(b => configure(b));
        var backend = new PTXBackend(context, CudaArchitecture.SM_90, CudaInstructionSet.ISA_80, null!);
        var compiled = (PTXCompiledKernel)backend.Compile(EntryPointDescription.FromExplicitlyGroupedKernel(kernel), new KernelSpecialization());
        return compiled.PTXAssembly;
    }

    [Fact]
    public void The_kernel_list_covers_the_GLMM_density_the_ensemble_and_the_Gram_product()
    {
        var names = EntryPoints().Select(m => $"{m.DeclaringType!.Name}.{m.Name}").ToList();
        output.WriteLine(string.Join(", ", names));
        Assert.Equal(4, names.Count(n => n.StartsWith("GlmmKernels.", StringComparison.Ordinal)));
        Assert.Equal(11, names.Count(n => n.StartsWith("EnsembleKernels.", StringComparison.Ordinal)));
        Assert.Equal(4, names.Count(n => n.StartsWith("LowRankEnsembleKernels.", StringComparison.Ordinal)));
        Assert.Equal(2, names.Count(n => n.StartsWith("GramKernels.", StringComparison.Ordinal)));
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Every_kernel_compiles_to_PTX_for_sm_90(string name)
    {
        var kernel = EntryPoints().Single(m => $"{m.DeclaringType!.Name}.{m.Name}" == name);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        string ptx = Compile(kernel, Accelerator.Options);
        watch.Stop();
        Assert.Contains($".visible .entry Kernel_{kernel.Name}(", ptx);
        Assert.Matches(@"\.target sm_(8\d|90)", ptx);
        bool usesDoubles = kernel.GetParameters().Any(p => p.ParameterType != typeof(ArrayView<long>) && p.ParameterType != typeof(ArrayView<uint>));
        if (usesDoubles) Assert.Contains(".f64", ptx);
        // Division and square roots are IEEE round-to-nearest, as in C#: no approximate forms.
        Assert.DoesNotMatch(@"(div|sqrt|rcp)\.approx\.f64", ptx);
        // The elementary functions are GpuHbm's DeviceMath (arithmetic only), not XMath's CORDIC code (whose helpers carry
        // these names; DeviceMathPtxTests has the control) nor anything linked from outside.
        foreach (string marker in new[] { "Hyperbolic", "Rotate", "Cordic" }) Assert.DoesNotContain(marker, ptx, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(".extern", ptx);
        var functions = Regex.Matches(ptx, @"\.func (?:\([^)]*\) )?([A-Za-z_]+)_\d+\(").Select(m => m.Groups[1].Value).Distinct().ToList();
        output.WriteLine($"{name}: {ptx.Length} characters of PTX in {watch.ElapsedMilliseconds} ms; "
            + $"{Regex.Match(ptx, @"\.target \S+").Value}; functions: {(functions.Count == 0 ? "none (all inlined)" : string.Join(", ", functions))}");
    }
}
