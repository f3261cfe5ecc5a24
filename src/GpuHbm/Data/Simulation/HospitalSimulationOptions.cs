namespace GpuHbm.Data.Simulation;

/// <summary>
/// Size and seed of a <see cref="HospitalSimulation"/>: <paramref name="Patients"/> rows (N) spread
/// over <paramref name="Hospitals"/> groups (G), all random numbers keyed by <paramref name="Seed"/>.
/// The same three values always give the same data, byte for byte.
/// </summary>
/// <param name="Patients">N, the number of patients (rows); at least <paramref name="Hospitals"/>.</param>
/// <param name="Hospitals">G, the number of hospitals; at least 1.</param>
/// <param name="Seed">The 64-bit Philox key.</param>
public sealed record HospitalSimulationOptions(int Patients = 100_000, int Hospitals = 500, ulong Seed = 1);
