using System.Globalization;

namespace GpuHbm.Tests.Diagnostics;

/// <summary>
/// The reference draws and posterior 1.4.0 results in fixtures/diagnostics/ (see
/// fixtures/README.md): CASE.csv has one column per chain, expected.csv one row per case.
/// </summary>
internal static class PosteriorReference
{
    public static readonly string[] Statistics =
    [
        "mean", "sd", "q05", "q50", "q95", "rhat", "rhat_basic", "ess_bulk", "ess_tail", "ess_basic",
        "ess_mean", "ess_sd", "mcse_mean", "mcse_sd", "mcse_q05", "mcse_q95",
    ];

    private static readonly Lazy<Dictionary<string, Dictionary<string, double>>> ExpectedTable = new(LoadExpected);
    private static readonly Dictionary<string, double[][]> DrawsCache = new();

    public static IReadOnlyDictionary<string, Dictionary<string, double>> Expected => ExpectedTable.Value;

    public static IEnumerable<string> Cases => Expected.Keys;

    /// <summary>Draws of a case as [chain][iteration].</summary>
    public static double[][] Draws(string caseName)
    {
        lock (DrawsCache)
        {
            if (DrawsCache.TryGetValue(caseName, out var cached)) return cached;
            var lines = File.ReadAllLines(TestPaths.Fixture($"diagnostics/{caseName}.csv"))
                .Where(l => l.Length > 0).ToArray();
            int chainCount = lines[0].Split(',').Length;
            var chains = new double[chainCount][];
            for (int c = 0; c < chainCount; c++) chains[c] = new double[lines.Length - 1];
            for (int row = 1; row < lines.Length; row++)
            {
                var fields = lines[row].Split(',');
                for (int c = 0; c < chainCount; c++) chains[c][row - 1] = double.Parse(fields[c], CultureInfo.InvariantCulture);
            }
            DrawsCache[caseName] = chains;
            return chains;
        }
    }

    private static Dictionary<string, Dictionary<string, double>> LoadExpected()
    {
        var lines = File.ReadAllLines(TestPaths.Fixture("diagnostics/expected.csv")).Where(l => l.Length > 0).ToArray();
        var header = lines[0].Split(',').Select(h => h.Trim('"')).ToArray();
        var table = new Dictionary<string, Dictionary<string, double>>();
        foreach (var line in lines.Skip(1))
        {
            var fields = line.Split(',');
            var row = new Dictionary<string, double>();
            for (int i = 1; i < header.Length; i++) row[header[i]] = double.Parse(fields[i], CultureInfo.InvariantCulture);
            table[fields[0].Trim('"')] = row;
        }
        return table;
    }
}
