using System.Text.RegularExpressions;
using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using Xunit;

namespace GpuHbm.Tests.Kernels;

/// <summary>
/// Each fp64 function compiles, inside a kernel, to PTX for sm_90 through ILGPU's PTX backend (no
/// GPU needed) as plain arithmetic: no call to a function the module does not define, none of
/// XMath's CORDIC helpers, no approximate instruction, no FMA requested.
/// </summary>
public class DeviceMathPtxTests(ITestOutputHelper output)
{
    /// <summary>Names of the functions XMath's CORDIC exp/log compile to (see the control test).</summary>
    private static readonly string[] CordicMarkers = ["Hyperbolic", "Rotate", "Cordic"];

    public static TheoryData<string> Names => new(MathKernels.Functions.Keys);

    [Theory]
    [MemberData(nameof(Names))]
    public void Compiles_to_plain_arithmetic_for_sm_90(string name)
    {
        string ptx = CompileToPtx(MathKernels.Functions[name]);
        output.WriteLine($"{name}: {ptx.Length} characters of PTX, {Count(ptx, @"\bmul\.f64")} mul.f64, {Count(ptx, @"\badd\.f64")} add.f64, {Count(ptx, @"\bdiv\.rn\.f64")} div.rn.f64");
        Assert.Contains(".entry", ptx);
        Assert.Matches(@"\.target sm_(\d+)", ptx);
        Assert.True(int.Parse(Regex.Match(ptx, @"\.target sm_(\d+)").Groups[1].Value) <= 90, "PTX targets a newer architecture than sm_90");
        Assert.DoesNotContain(".extern", ptx);
        foreach (Match call in Regex.Matches(ptx, @"\bcall(?:\.uni)?\s+(?:\([^)]*\),\s*)?(\w+)"))
            Assert.Matches(@"\.func\s+(?:\([^)]*\)\s*)?" + call.Groups[1].Value + @"\(", ptx);
        foreach (string marker in CordicMarkers) Assert.DoesNotContain(marker, ptx, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(".approx", ptx);
        Assert.DoesNotContain("fma.", ptx);
    }

    [Fact]
    public void Control_System_Math_Exp_compiles_to_XMath_CORDIC_code()
    {
        // The same kernel with Math.Exp, which ILGPU.Algorithms maps to XMath: the markers above are there.
        string ptx = CompileToPtx(typeof(SystemExpFunction));
        Assert.Contains(CordicMarkers, m => ptx.Contains(m, StringComparison.OrdinalIgnoreCase));
        Assert.Matches(@"\bcall(?:\.uni)?\s", ptx);
    }

    private static string CompileToPtx(Type function)
    {
        using var context = Context.Create(builder => builder.CPU().EnableAlgorithms());
        var backend = new PTXBackend(context, CudaArchitecture.SM_90, CudaInstructionSet.ISA_80, nvvmAPI: null!);
        var entry = EntryPointDescription.FromImplicitlyGroupedKernel(MathKernels.For(function));
        return ((PTXCompiledKernel)backend.Compile(entry, new KernelSpecialization())).PTXAssembly;
    }

    private static int Count(string text, string pattern) => Regex.Matches(text, pattern).Count;
}
