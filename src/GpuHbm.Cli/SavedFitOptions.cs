using System.CommandLine;
using GpuHbm.Results;

namespace GpuHbm.Cli;

/// <summary>
/// The options of every command that reads a saved fit folder: <c>--fit DIR</c>, and where the fit's data
/// (<c>--fit-data FILE</c>) and relationship matrices (<c>--relmat K=PATH</c>) are now when they moved; the
/// files are checked against the checksums in fit.json (<see cref="Fit.Load"/>).
/// </summary>
internal sealed class SavedFitOptions
{
    private readonly Option<string> _fit = new("--fit")
    {
        Description = "A fit folder written by `gpuhbm fit --output DIR`.",
        Required = true,
    };
    private readonly Option<string?> _fitData = new("--fit-data")
    {
        Description = "The data file the fit was made from, when it is no longer where fit.json says (its checksum must match).",
    };
    private readonly Option<string[]> _relmat = new("--relmat")
    {
        Description = "A relationship matrix of the fit, K=PATH, when it is no longer where fit.json says (its checksum must match); repeatable.",
    };

    /// <summary>Adds --fit, --fit-data and --relmat to the command, before its own options (so they come first in its help).</summary>
    public static SavedFitOptions AddTo(Command command)
    {
        var o = new SavedFitOptions();
        command.Options.Insert(0, o._fit);
        command.Options.Insert(1, o._fitData);
        command.Options.Insert(2, o._relmat);
        return o;
    }

    /// <summary>The folder given with --fit.</summary>
    public string Directory(ParseResult parse) => parse.GetRequiredValue(_fit);

    /// <summary>Loads the fit named by --fit.</summary>
    public Fit Load(ParseResult parse)
    {
        var paths = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var spec in parse.GetValue(_relmat) ?? [])
        {
            var (name, path) = KinshipOptions.ParseRelmat(spec);
            paths[name] = path;
        }
        return Fit.Load(Directory(parse), new FitLoadOptions { DataPath = parse.GetValue(_fitData), RelationshipMatrixPaths = paths });
    }
}
