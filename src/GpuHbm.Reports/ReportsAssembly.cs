namespace GpuHbm.Reports;

/// <summary>Marks the reports assembly (SVG plots and the HTML report).</summary>
internal static class ReportsAssembly
{
}
