using GpuHbm.Data;
using GpuHbm.Data.Simulation;

namespace GpuHbm.Benchmarks;

/// <summary>
/// The models compared with rstan (benchmarks/peers/rstan_compare.R fits the same models with the same priors and the
/// same non-centred parameterisation): the four reference posteriors of tests/GpuHbm.Tests/fixtures/README.md and the
/// simulated hospital model at N = 20,000 (100 hospitals, seed 1, as `gpuhbm simulate hospitals --patients 20000
/// --hospitals 100 --seed 1`); and, without an rstan counterpart, issue 12's observation-level Poisson model
/// (ObservationLevelPoissonSimulation, the data of AutomaticCentringTests).
/// </summary>
internal sealed record PeerModel(string Name, string DataFile, string Formula, string Family, string[] Priors, string[] Factors)
{
    public static readonly PeerModel[] All =
    [
        new("eight_schools", "eight_schools.csv", "y | se(sigma) ~ 1 + (1 | school)", "gaussian",
            ["Intercept ~ normal(0, 5)", "sd ~ cauchy(0, 5)"], []),
        new("sleepstudy", "sleepstudy.csv", "Reaction ~ 1 + Days + (1 + Days | Subject)", "gaussian",
            ["Intercept ~ normal(250, 100)", "b ~ normal(0, 50)", "sigma ~ normal(0, 50)", "sd ~ normal(0, 50)", "cor ~ lkj(2)"], []),
        new("radon", "radon_mn.csv", BenchmarkData.RadonFormula, "gaussian", BenchmarkData.RadonPriors, []),
        new("cbpp", "cbpp.csv", "incidence | trials(size) ~ period + (1 | herd)", "binomial",
            ["Intercept ~ normal(0, 5)", "b ~ normal(0, 5)", "sd ~ normal(0, 2)"], ["period"]),
        new("hospitals20k", "", HospitalSimulation.Formula, HospitalSimulation.Family, [], []),
        new("poisson_obs", "", ObservationLevelPoissonSimulation.Formula, "poisson", [], []),
    ];

    public static PeerModel Named(string name) =>
        All.FirstOrDefault(m => m.Name == name) ?? throw new ArgumentException($"unknown model '{name}' (use {string.Join(", ", All.Select(m => m.Name))})");

    /// <summary>Patients and hospitals of the simulated model.</summary>
    public const int HospitalPatients = 20_000, Hospitals = 100;

    /// <summary>The data; the hospital model reads <paramref name="hospitalsCsv"/> when given (the file rstan reads too).</summary>
    public DataTable Load(string? hospitalsCsv = null)
    {
        if (DataFile.Length > 0) return DataTable.ReadCsv(BenchmarkData.Path(DataFile));
        // Issue 12's automatic-centring case (no rstan counterpart): the data of AutomaticCentringTests.
        if (Name == "poisson_obs") return ObservationLevelPoissonSimulation.Generate(40, 7, 1.5, 1.0, 0.5);
        if (hospitalsCsv is not null) return DataTable.ReadCsv(hospitalsCsv);
        var sim = new HospitalSimulation(new HospitalSimulationOptions(HospitalPatients, Hospitals, 1));
        var text = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        sim.WriteCsv(text);
        return DataTable.ReadCsv(new StringReader(text.ToString()), "simulated hospitals (N = 20000, G = 100, seed 1)");
    }
}
