using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using GpuHbm.Data;
using GpuHbm.Data.Simulation;
using GpuHbm.Formulas;
using GpuHbm.Models;

namespace GpuHbm.Benchmarks;

/// <summary>
/// Log-density-and-gradient throughput on the simulated hospital model (bernoulli, random
/// intercepts and treatment slopes, G = N / 500 hospitals) over N × C on each backend present:
/// evaluations of the whole ensemble per second, and the achieved memory traffic against the
/// floor of one pass (data read once + per-chain state read and written), so it can be set
/// against a device's bandwidth roofline.
/// <code>dotnet run -c Release --project benchmarks/GpuHbm.Benchmarks -- density [--n 1e4,1e5,1e6] [--chains 1,16,128] [--backend cpu|cpu-accelerator|opencl|cuda|all] [--seconds 2] [--output FILE]</code>
/// </summary>
internal static class DensityThroughput
{
    public static int Run(string[] args)
    {
        var ns = new List<int> { 10_000, 100_000, 1_000_000 };
        var cs = new List<int> { 1, 16, 128 };
        string backend = "all";
        double seconds = 2;
        string? output = null;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--n": ns = args[++i].Split(',').Select(s => (int)double.Parse(s, CultureInfo.InvariantCulture)).ToList(); break;
                case "--chains": cs = args[++i].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToList(); break;
                case "--backend": backend = args[++i]; break;
                case "--seconds": seconds = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--output": output = args[++i]; break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }
        var lines = new List<string>
        {
            $"# Log density + gradient throughput, hospital model ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC)",
            "",
            $"host: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}",
            $"command: `dotnet run -c Release --project benchmarks/GpuHbm.Benchmarks -- density {string.Join(' ', args)}`",
            "",
            "| backend | device | N | C | D | evals/s | row-chains/s | floor bytes/eval | achieved GB/s |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        };
        foreach (var l in lines) Console.WriteLine(l);
        foreach (int n in ns)
        {
            var model = HospitalModel(n);
            foreach (var evaluator in DensityEvaluators.For(model, backend, cs.Max()))
            {
                using (evaluator)
                    foreach (int c in cs)
                    {
                        var (evalsPerSecond, ok) = Measure(evaluator, c, seconds);
                        if (!ok) continue;
                        double bytes = FloorBytes(model, c);
                        string row = string.Create(CultureInfo.InvariantCulture,
                            $"| {evaluator.Backend} | {evaluator.Device} | {n:E0} | {c} | {model.Dimension} | {evalsPerSecond:G4} | {evalsPerSecond * n * c:G4} | {bytes:G4} | {bytes * evalsPerSecond / 1e9:G4} |");
                        Console.WriteLine(row);
                        lines.Add(row);
                    }
            }
        }
        lines.Add("");
        lines.Add("floor bytes/eval = data read once (X, y, trials, Z, group index) + C x D x 8 x 2 (positions read, gradients written); achieved GB/s = floor bytes x evals/s.");
        if (output is not null) File.WriteAllLines(output, lines);
        return 0;
    }

    /// <summary>The simulated hospital data set of N patients in N/500 hospitals, compiled.</summary>
    internal static CompiledModel HospitalModel(int n, int? hospitals = null, ulong seed = 1)
    {
        var sim = new HospitalSimulation(new HospitalSimulationOptions(n, hospitals ?? Math.Max(1, n / 500), seed));
        var text = new StringWriter(CultureInfo.InvariantCulture);
        sim.WriteCsv(text);
        var data = DataTable.ReadCsv(new StringReader(text.ToString()), "simulated hospitals");
        return CompiledModel.Compile(new ModelSpec(FormulaParser.Parse(HospitalSimulation.Formula), Family.Parse(HospitalSimulation.Family), []), data);
    }

    /// <summary>Bytes one pass must move at least: the data once plus per-chain positions in and gradients out.</summary>
    internal static double FloorBytes(CompiledModel model, int chains)
    {
        double data = 8.0 * (model.X.Length + model.Y.Length + model.Trials.Length + model.Se.Length + model.Offset.Length);
        foreach (var t in model.RandomTerms) data += 8.0 * t.Z.Length + 4.0 * t.GroupIndex.Length;
        return data + 2.0 * 8.0 * chains * model.Dimension;
    }

    private static (double EvalsPerSecond, bool Ok) Measure(IDensityEvaluator evaluator, int chains, double seconds)
    {
        if (chains > evaluator.MaxChains) return (0, false);
        evaluator.Prepare(chains);
        evaluator.Evaluate(); // warm-up: compile, caches
        evaluator.Synchronize();
        int reps = 0;
        var sw = Stopwatch.StartNew();
        // Each evaluation is waited for, as in a sampler step (which reads the log densities back):
        // queuing launches without waiting would time the enqueue, not the work.
        do { evaluator.Evaluate(); evaluator.Synchronize(); reps++; } while (sw.Elapsed.TotalSeconds < seconds);
        return (reps / sw.Elapsed.TotalSeconds, true);
    }
}

/// <summary>One backend's way to evaluate a model for an ensemble, for the throughput benchmark.</summary>
internal interface IDensityEvaluator : IDisposable
{
    string Backend { get; }
    string Device { get; }
    int MaxChains { get; }
    void Prepare(int chains);
    void Evaluate();
    void Synchronize();
}

/// <summary>The managed CPU backend: CompiledModel.Evaluate on host arrays.</summary>
internal sealed class CpuDensityEvaluator(CompiledModel model, int maxChains) : IDensityEvaluator
{
    private double[] _q = [], _g = [], _lp = [];
    private int _chains;

    public string Backend => "cpu";
    public string Device => $"managed, {Environment.ProcessorCount} cores";
    public int MaxChains => maxChains;

    public void Prepare(int chains)
    {
        _chains = chains;
        var rng = new Random(1);
        _q = Enumerable.Range(0, chains * model.Dimension).Select(_ => (rng.NextDouble() - 0.5) * 0.2).ToArray();
        _g = new double[chains * model.Dimension];
        _lp = new double[chains];
    }

    public void Evaluate() => model.Evaluate(_q, _lp, _g, _chains);
    public void Synchronize() { }
    public void Dispose() { }
}

/// <summary>Which evaluators to run: the CPU always (when asked), device backends when present.</summary>
internal static partial class DensityEvaluators
{
    public static IEnumerable<IDensityEvaluator> For(CompiledModel model, string backend, int maxChains)
    {
        if (backend is "all" or "cpu") yield return new CpuDensityEvaluator(model, maxChains);
        foreach (var device in DeviceEvaluators(model, backend, maxChains)) yield return device;
    }

    private static partial IEnumerable<IDensityEvaluator> DeviceEvaluators(CompiledModel model, string backend, int maxChains);
}
