namespace GpuHbm.Data.Simulation;

/// <summary>
/// One drawn patient (one CSV row): <see cref="Hospital"/> is the 0-based hospital index,
/// <see cref="Index"/> the 0-based patient index (the CSV's <c>patient</c> column is Index + 1).
/// </summary>
internal readonly record struct SimulatedPatient(
    int Index,
    int Hospital,
    double AgeStd,
    int Sex,
    double Severity,
    int Teaching,
    int Treat,
    int Y);
