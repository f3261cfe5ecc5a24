using System.CommandLine;
using GpuHbm.Compute;
using GpuHbm.Models.Kinship;

namespace GpuHbm.Cli;

/// <summary>
/// The kinship options of `gpuhbm fit`: <c>--relmat K=PATH</c> (repeatable) names the relationship
/// matrix of <c>gr(id, cov = K)</c>; <c>--fast-path on|off</c>; <c>--draw-genetic-effects</c>.
/// </summary>
internal sealed class KinshipOptions
{
    private readonly Option<string[]> _relmat = new("--relmat")
    {
        Description = "A relationship matrix for gr(id, cov = K), as K=PATH (.csv with an id header, GCTA PREFIX.grm.bin, or PLINK PREFIX.bed); repeat for several.",
    };
    private readonly Option<string> _fastPath = new("--fast-path")
    {
        Description = "on: FaST-LMM for a gaussian y ~ X + (1 | gr(id, cov = K)) with one row per individual; off: always the general path.",
        DefaultValueFactory = _ => "on",
    };
    private readonly Option<double?> _psdTolerance = new("--relmat-psd-tolerance")
    {
        Description = "Relative tolerance of the positive semi-definiteness check of --relmat matrices (smallest eigenvalue >= -tolerance x largest |eigenvalue|; default 1e-6, more for GRMs).",
    };
    private readonly Option<bool> _drawGenetic = new("--draw-genetic-effects")
    {
        Description = "On the fast path, also draw and report the genetic effects r_<id>[level,Intercept].",
    };

    public static KinshipOptions AddTo(Command command)
    {
        var k = new KinshipOptions();
        command.Add(k._relmat);
        command.Add(k._fastPath);
        command.Add(k._psdTolerance);
        command.Add(k._drawGenetic);
        return k;
    }

    /// <summary>Splits a --relmat value NAME=PATH; anything else is an error showing the form.</summary>
    internal static (string Name, string Path) ParseRelmat(string spec)
    {
        int eq = spec.IndexOf('=');
        if (eq <= 0 || eq == spec.Length - 1)
            throw new GpuHbmException($"--relmat '{spec}': expected NAME=PATH, e.g. --relmat K=grm.csv");
        return (spec[..eq].Trim(), spec[(eq + 1)..].Trim());
    }

    public FitOptions Apply(ParseResult parse, FitOptions options, TextWriter output)
    {
        string fast = (parse.GetValue(_fastPath) ?? "on").Trim().ToLowerInvariant();
        if (fast is not ("on" or "off"))
            throw new GpuHbmException($"--fast-path must be 'on' or 'off', not '{parse.GetValue(_fastPath)}'");
        var matrices = new Dictionary<string, RelationshipMatrix>(StringComparer.Ordinal);
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        double? psdTolerance = parse.GetValue(_psdTolerance);
        if (psdTolerance is { } tol && !(tol >= 0))
            throw new GpuHbmOptionException("--relmat-psd-tolerance", "psdTolerance", $"must be 0 or more (got {tol})");
        // A GRM computed from PLINK genotypes runs its Gram product on the device --backend resolves to, if any.
        Accelerator? accelerator = null;
        bool deviceResolved = false;
        Accelerator? GramDevice()
        {
            if (deviceResolved) return accelerator;
            deviceResolved = true;
            var choice = BackendSelection.Select(options.Backend, options.Device);
            if (!choice.IsDevice || !choice.Device.SupportsFp64) return null;
            try
            {
                accelerator = Accelerator.Create(choice.Device);
            }
            catch (DeviceException e) when (BackendSelection.Normalize(options.Backend) == "auto")
            {
                output.WriteLine($"genetic relationship matrix: {choice.Device.Describe()} could not be opened ({e.Message}); Gram product on the CPU");
                return null;
            }
            output.WriteLine($"genetic relationship matrix: Gram product on {choice.Device.Describe()}");
            return accelerator;
        }
        try
        {
            foreach (var spec in parse.GetValue(_relmat) ?? [])
            {
                var (name, path) = ParseRelmat(spec);
                if (matrices.ContainsKey(name)) throw new GpuHbmException($"--relmat {name} is given twice");
                var matrix = RelationshipMatrixReader.Read(path, psdTolerance, RelationshipMatrixReader.IsGenotypes(path) ? GramDevice() : null);
                output.WriteLine($"relationship matrix {name}: {matrix.Count} individuals from {path}");
                matrices[name] = matrix;
                files[name] = path;
            }
        }
        finally
        {
            accelerator?.Dispose();
        }
        return options with { RelationshipMatrices = matrices, RelationshipMatrixFiles = files, RelationshipMatrixPsdTolerance = psdTolerance, KinshipFastPath = fast == "on", DrawGeneticEffects = parse.GetValue(_drawGenetic) };
    }
}
