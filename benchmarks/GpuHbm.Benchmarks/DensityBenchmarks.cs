using BenchmarkDotNet.Attributes;
using GpuHbm.Data;
using GpuHbm.Formulas;
using GpuHbm.Models;

namespace GpuHbm.Benchmarks;

/// <summary>Log density + gradient of the radon model for a batch of chains on the CPU backend.</summary>
[MemoryDiagnoser]
public class DensityBenchmarks
{
    private CompiledModel _model = null!;
    private double[] _positions = null!, _logp = null!, _grad = null!;

    [Params(1, 4, 16)]
    public int Chains { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var data = DataTable.ReadCsv(BenchmarkData.Path("radon_mn.csv"));
        var spec = new ModelSpec(FormulaParser.Parse(BenchmarkData.RadonFormula), Family.Gaussian,
            BenchmarkData.RadonPriors.Select(PriorSpec.Parse).ToList());
        _model = CompiledModel.Compile(spec, data);
        var rng = new Random(1);
        _positions = Enumerable.Range(0, Chains * _model.Dimension).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
        _logp = new double[Chains];
        _grad = new double[Chains * _model.Dimension];
    }

    [Benchmark]
    public double RadonLogDensityGradient()
    {
        _model.Evaluate(_positions, _logp, _grad, Chains);
        return _logp[0];
    }
}
