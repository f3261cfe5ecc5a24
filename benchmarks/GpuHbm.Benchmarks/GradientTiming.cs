using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using GpuHbm.Data;
using GpuHbm.Data.Simulation;
using GpuHbm.Formulas;
using GpuHbm.Models;

namespace GpuHbm.Benchmarks;

/// <summary>
/// Time per log-density-and-gradient evaluation of the managed CPU backend for one chain on one thread,
/// per family: radon (gaussian), cbpp (binomial), the simulated hospital model (bernoulli, N = 20,000) and
/// the same data as poisson. Reports the minimum and the median over rounds of many evaluations: the
/// minimum is the figure least disturbed by other jobs on a shared machine, so two builds can be compared
/// on a busy machine by running them alternately.
/// <code>dotnet run -c Release --project benchmarks/GpuHbm.Benchmarks -- gradient [--rounds 15] [--seconds 0.2]</code>
/// </summary>
internal static class GradientTiming
{
    public static int Run(string[] args)
    {
        int rounds = 15;
        double seconds = 0.2;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--rounds": rounds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--seconds": seconds = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }
        Console.WriteLine($"# Per-gradient time, managed CPU backend, 1 chain, 1 thread ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC)");
        Console.WriteLine($"host: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}");
        Console.WriteLine();
        Console.WriteLine("| model | family | N | D | min µs | median µs |");
        Console.WriteLine("| --- | --- | --- | --- | --- | --- |");
        foreach (var (name, model) in Models())
        {
            var (min, median) = Measure(model, rounds, seconds);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {model.Spec.Family.Name} | {model.ObservationCount} | {model.Dimension} | {min:F2} | {median:F2} |"));
        }
        return 0;
    }

    private static IEnumerable<(string Name, CompiledModel Model)> Models()
    {
        var radon = DataTable.ReadCsv(BenchmarkData.Path("radon_mn.csv"));
        yield return ("radon", CompiledModel.Compile(new ModelSpec(FormulaParser.Parse(BenchmarkData.RadonFormula), Family.Gaussian,
            BenchmarkData.RadonPriors.Select(PriorSpec.Parse).ToList()), radon));
        var cbpp = DataTable.ReadCsv(BenchmarkData.Path("cbpp.csv"));
        yield return ("cbpp", CompiledModel.Compile(new ModelSpec(FormulaParser.Parse("incidence | trials(size) ~ period + (1 | herd)"),
            Family.Binomial, [], CategoricalColumns: ["period"]), cbpp));
        var sim = new HospitalSimulation(new HospitalSimulationOptions(20_000, 40, 1));
        var text = new StringWriter(CultureInfo.InvariantCulture);
        sim.WriteCsv(text);
        var hospitals = DataTable.ReadCsv(new StringReader(text.ToString()), "simulated hospitals");
        var formula = FormulaParser.Parse(HospitalSimulation.Formula);
        yield return ("hospitals", CompiledModel.Compile(new ModelSpec(formula, Family.Bernoulli, []), hospitals));
        yield return ("hospitals", CompiledModel.Compile(new ModelSpec(formula, Family.Poisson, []), hospitals));
    }

    private static (double MinMicroseconds, double MedianMicroseconds) Measure(CompiledModel model, int rounds, double seconds)
    {
        var rng = new Random(1);
        var q = Enumerable.Range(0, model.Dimension).Select(_ => (rng.NextDouble() - 0.5) * 0.2).ToArray();
        var g = new double[model.Dimension];
        var lp = new double[1];
        for (int i = 0; i < 20; i++) model.Evaluate(q, lp, g, 1);
        var perEval = new List<double>();
        for (int r = 0; r < rounds; r++)
        {
            int reps = 0;
            var sw = Stopwatch.StartNew();
            do { model.Evaluate(q, lp, g, 1); reps++; } while (sw.Elapsed.TotalSeconds < seconds);
            perEval.Add(sw.Elapsed.TotalMicroseconds / reps);
        }
        perEval.Sort();
        return (perEval[0], perEval[perEval.Count / 2]);
    }
}
