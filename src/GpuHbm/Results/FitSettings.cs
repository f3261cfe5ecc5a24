namespace GpuHbm.Results;

/// <summary>What was asked for and what the data were: recorded in fit.json.</summary>
public sealed record FitSettings(
    string Formula,
    FitOptions Options,
    string DataSource,
    int RowsUsed,
    int RowsDropped,
    TimeSpan CompileTime,
    TimeSpan TotalTime)
{
    /// <summary>The backend and device the chains ran on (null when not recorded).</summary>
    public Compute.BackendChoice? Backend { get; init; }

    /// <summary>The data file's path and checksum and the relationship matrices' (null when not recorded).</summary>
    public FitProvenance? Provenance { get; init; }

    /// <summary>The rows the model was fitted to (after any dropped for missing values): what effects and checks recode; null when not kept.</summary>
    public Data.DataTable? Data { get; init; }
}
