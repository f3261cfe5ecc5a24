using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using GpuHbm.Kernels;

namespace GpuHbm.Benchmarks;

/// <summary>
/// The fp64 functions of <see cref="DeviceMath"/> against what the managed CPU backend would call
/// otherwise (System.Math, the naive formula, or MathNet's GammaLn), per call, over 1,024 arguments
/// in the range the models use. Each category's baseline is the System/MathNet version.
/// </summary>
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class MathFunctionBenchmarks
{
    private const int N = 1024;
    private double[] _exp = null!, _log = null!, _log1p = null!, _expm1 = null!, _trig = null!, _tanh = null!, _softplus = null!, _lgamma = null!;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        double[] Uniform(double lo, double hi) => Enumerable.Range(0, N).Select(_ => lo + (hi - lo) * (1 - rng.NextDouble())).ToArray();
        _exp = Uniform(-20, 20);        // η of a Poisson model, log σ
        _log = Uniform(0, 100);         // uniforms, scales
        _log1p = Uniform(-0.5, 10);
        _expm1 = Uniform(-2, 2);
        _trig = Uniform(0, 2 * Math.PI);  // Box–Muller angles
        _tanh = Uniform(-3, 3);         // CPC transform
        _softplus = Uniform(-20, 20);   // logit likelihoods
        _lgamma = Uniform(0, 100);      // log-factorials, Student-t constants
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = N), BenchmarkCategory("Exp")]
    public double Exp_System() { double s = 0; foreach (double x in _exp) s += Math.Exp(x); return s; }

    [Benchmark(OperationsPerInvoke = N), BenchmarkCategory("Exp")]
    public double Exp_DeviceMath() { double s = 0; foreach (double x in _exp) s += DeviceMath.Exp(x); return s; }

    [Benchmark(Baseline = true, OperationsPerInvoke = N), BenchmarkCategory("Log")]
    public double Log_System() { double s = 0; foreach (double x in _log) s += Math.Log(x); return s; }

    [Benchmark(OperationsPerInvoke = N), BenchmarkCategory("Log")]
    public double Log_DeviceMath() { double s = 0; foreach (double x in _log) s += DeviceMath.Log(x); return s; }

    [Benchmark(Baseline = true, OperationsPerInvoke = N), BenchmarkCategory("Log1p")]
    public double Log1p_SystemLogOfOnePlusX() { double s = 0; foreach (double x in _log1p) s += Math.Log(1 + x); return s; }

    [Benchmark(OperationsPerInvoke = N), BenchmarkCategory("Log1p")]
    public double Log1p_DeviceMath() { double s = 0; foreach (double x in _log1p) s += DeviceMath.Log1p(x); return s; }

    [Benchmark(Baseline = true, OperationsPerInvoke = N), BenchmarkCategory("Expm1")]
    public double Expm1_SystemExpMinusOne() { double s = 0; foreach (double x in _expm1) s += Math.Exp(x) - 1; return s; }

    [Benchmark(OperationsPerInvoke = N), BenchmarkCategory("Expm1")]
    public double Expm1_DeviceMath() { double s = 0; foreach (double x in _expm1) s += DeviceMath.Expm1(x); return s; }

    [Benchmark(Baseline = true, OperationsPerInvoke = N), BenchmarkCategory("Sin")]
    public double Sin_System() { double s = 0; foreach (double x in _trig) s += Math.Sin(x); return s; }

    [Benchmark(OperationsPerInvoke = N), BenchmarkCategory("Sin")]
    public double Sin_DeviceMath() { double s = 0; foreach (double x in _trig) s += DeviceMath.Sin(x); return s; }

    [Benchmark(Baseline = true, OperationsPerInvoke = N), BenchmarkCategory("Cos")]
    public double Cos_System() { double s = 0; foreach (double x in _trig) s += Math.Cos(x); return s; }

    [Benchmark(OperationsPerInvoke = N), BenchmarkCategory("Cos")]
    public double Cos_DeviceMath() { double s = 0; foreach (double x in _trig) s += DeviceMath.Cos(x); return s; }

    [Benchmark(Baseline = true, OperationsPerInvoke = N), BenchmarkCategory("SinCos")]
    public double SinCos_System() { double s = 0; foreach (double x in _trig) { var (a, b) = Math.SinCos(x); s += a * b; } return s; }

    [Benchmark(OperationsPerInvoke = N), BenchmarkCategory("SinCos")]
    public double SinCos_DeviceMath() { double s = 0; foreach (double x in _trig) { DeviceMath.SinCos(x, out double a, out double b); s += a * b; } return s; }

    [Benchmark(Baseline = true, OperationsPerInvoke = N), BenchmarkCategory("Tanh")]
    public double Tanh_System() { double s = 0; foreach (double x in _tanh) s += Math.Tanh(x); return s; }

    [Benchmark(OperationsPerInvoke = N), BenchmarkCategory("Tanh")]
    public double Tanh_DeviceMath() { double s = 0; foreach (double x in _tanh) s += DeviceMath.Tanh(x); return s; }

    /// <summary>The binomial rows' current softplus: max(η, 0) + log(1 + e^−|η|).</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = N), BenchmarkCategory("Log1pExp")]
    public double Log1pExp_SystemMaxPlusLog() { double s = 0; foreach (double x in _softplus) s += Math.Max(x, 0) + Math.Log(1 + Math.Exp(-Math.Abs(x))); return s; }

    [Benchmark(OperationsPerInvoke = N), BenchmarkCategory("Log1pExp")]
    public double Log1pExp_DeviceMath() { double s = 0; foreach (double x in _softplus) s += DeviceMath.Log1pExp(x); return s; }

    [Benchmark(Baseline = true, OperationsPerInvoke = N), BenchmarkCategory("Lgamma")]
    public double Lgamma_MathNetGammaLn() { double s = 0; foreach (double x in _lgamma) s += MathNet.Numerics.SpecialFunctions.GammaLn(x); return s; }

    [Benchmark(OperationsPerInvoke = N), BenchmarkCategory("Lgamma")]
    public double Lgamma_DeviceMath() { double s = 0; foreach (double x in _lgamma) s += DeviceMath.Lgamma(x); return s; }
}
