namespace GpuHbm.Results;

/// <summary>What was asked for and what the data were: recorded in fit.json.</summary>
public sealed record FitSettings(
    string Formula,
    FitOptions Options,
    string DataSource,
    int RowsUsed,
    int RowsDropped,
    TimeSpan CompileTime,
    TimeSpan TotalTime);
