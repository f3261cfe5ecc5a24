using System.Globalization;
using GpuHbm.Data;
using GpuHbm.Data.Simulation;
using Xunit;

namespace GpuHbm.Tests.Posteriors;

/// <summary>
/// Parameter recovery on `gpuhbm simulate hospitals` data: the generating model's true values (not
/// computed by the code under test) must lie inside the posterior's central 99 % interval.
/// </summary>
[Trait("Category", "Slow")]
public class HospitalRecoveryTests
{
    [Fact]
    public void Nuts_recovers_the_true_values_of_the_simulated_hospital_model()
    {
        var sim = new HospitalSimulation(new HospitalSimulationOptions(Patients: 4000, Hospitals: 80, Seed: 3));
        var csv = new StringWriter(CultureInfo.InvariantCulture);
        sim.WriteCsv(csv);
        var data = DataTable.ReadCsv(new StringReader(csv.ToString()), "simulated hospitals");
        var fit = Glmm.Fit(HospitalSimulation.Formula, data, new FitOptions
        {
            Family = HospitalSimulation.Family, Backend = "cpu", Chains = 4, Warmup = 500, Draws = 500, Seed = 11,
        });

        Assert.Equal(9, sim.Truth.Parameters.Count);
        var misses = new List<string>();
        foreach (var (name, truth) in sim.Truth.Parameters)
        {
            var draws = fit[name].SelectMany(c => c).Order().ToArray();
            double lo = draws[(int)(0.005 * draws.Length)], hi = draws[(int)(0.995 * draws.Length) - 1];
            if (truth < lo || truth > hi) misses.Add(string.Create(CultureInfo.InvariantCulture, $"{name}: truth {truth} outside [{lo:G4}, {hi:G4}]"));
        }
        Assert.True(misses.Count == 0, string.Join("\n", misses));
        Assert.True(fit.Summary.Rows.Where(r => !r.Variable.StartsWith("r_", StringComparison.Ordinal)).Max(r => r.Rhat) < 1.01);
    }
}
