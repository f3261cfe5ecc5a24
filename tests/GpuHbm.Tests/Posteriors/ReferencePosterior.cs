using System.Globalization;

namespace GpuHbm.Tests.Posteriors;

/// <summary>
/// A reference posterior summary from fixtures/posteriors (posteriordb or long Stan runs) and
/// the match rule of fixtures/README.md: mean within 0.1 reference sd, sd within 10 %.
/// </summary>
internal sealed class ReferencePosterior
{
    private readonly Dictionary<string, (double Mean, double Sd)> _rows = new(StringComparer.Ordinal);

    /// <summary>Reads fixtures/<paramref name="folder"/>/<paramref name="file"/> (first column: the quantity; then mean, sd, ...).</summary>
    public static ReferencePosterior Load(string file, string folder = "posteriors")
    {
        var r = new ReferencePosterior();
        var lines = File.ReadAllLines(TestPaths.Fixture(folder + "/" + file));
        foreach (var line in lines.Skip(1))
        {
            // The variable may be quoted and contain a comma (u[1,2]).
            string name; string rest;
            if (line.StartsWith('"')) { int end = line.IndexOf('"', 1); name = line[1..end]; rest = line[(end + 2)..]; }
            else { int comma = line.IndexOf(','); name = line[..comma]; rest = line[(comma + 1)..]; }
            var f = rest.Split(',');
            r._rows[name] = (double.Parse(f[0], CultureInfo.InvariantCulture), double.Parse(f[1], CultureInfo.InvariantCulture));
        }
        return r;
    }

    public IEnumerable<string> Variables => _rows.Keys;

    public (double Mean, double Sd) this[string variable] => _rows[variable];

    /// <summary>Checks pooled draws of one quantity; returns a description of the mismatch, or null.</summary>
    public string? Check(string variable, IReadOnlyList<double> draws)
    {
        var (refMean, refSd) = _rows[variable];
        double mean = draws.Average();
        double sd = Math.Sqrt(draws.Sum(x => (x - mean) * (x - mean)) / (draws.Count - 1));
        double meanErr = Math.Abs(mean - refMean) / refSd;
        double sdErr = Math.Abs(sd / refSd - 1);
        return meanErr <= 0.1 && sdErr <= 0.10
            ? null
            : string.Create(CultureInfo.InvariantCulture,
                $"{variable}: mean {mean:G5} vs {refMean:G5} ({meanErr:F3} sd), sd {sd:G5} vs {refSd:G5} ({100 * sdErr:F1} %)");
    }
}
