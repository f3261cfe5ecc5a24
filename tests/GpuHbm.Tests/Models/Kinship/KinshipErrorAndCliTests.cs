using System.Globalization;
using System.Text;
using System.Text.Json;
using GpuHbm.Cli;
using GpuHbm.Models.Kinship;
using Xunit;

namespace GpuHbm.Tests.Models.Kinship;

/// <summary>Errors of kinship models (library and CLI) and the CLI's --relmat / --fast-path / --draw-genetic-effects.</summary>
public class KinshipErrorAndCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gpuhbm-kinship-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly Lazy<(RelationshipMatrix K, GpuHbm.Data.DataTable Data, SimulatedTrait Trait)> Sim =
        new(() => KinshipModelData.Simulate(8, 2, 10, 500, 1, 0.5, 1, 1, 3));

    private static FitOptions Quick(IReadOnlyDictionary<string, RelationshipMatrix>? k = null) => new()
    {
        Chains = 1, Warmup = 20, Draws = 10, Seed = 1,
        RelationshipMatrices = k ?? new Dictionary<string, RelationshipMatrix>(),
    };

    [Fact]
    public void A_gr_term_without_its_matrix_names_it_and_the_option()
    {
        var e = Assert.Throws<GpuHbmModelException>(() => Glmm.Fit("y ~ 1 + x + (1 | gr(id, cov = K))", Sim.Value.Data, Quick()));
        Assert.Contains("'K'", e.Message);
        Assert.Contains("--relmat K=PATH", e.Message);
        Assert.Contains("RelationshipMatrices", e.Message);
    }

    [Fact]
    public void Data_ids_missing_from_K_are_listed()
    {
        var (k, data, _) = Sim.Value;
        var keep = Enumerable.Range(0, k.Count).Where(i => i % 5 != 0).ToArray();
        var partial = k.Subset(keep, "partial K");
        var e = Assert.Throws<GpuHbmDataException>(() => Glmm.Fit("y ~ 1 + x + (1 | gr(id, cov = K))", data,
            Quick(new Dictionary<string, RelationshipMatrix> { ["K"] = partial })));
        Assert.Contains("not in the relationship matrix", e.Message);
        Assert.Contains($"'{k.Ids[0]}'", e.Message);
    }

    [Fact]
    public void A_slope_in_a_gr_term_is_refused()
    {
        var (k, data, _) = Sim.Value;
        var e = Assert.Throws<GpuHbmModelException>(() => Glmm.Fit("y ~ 1 + x + (1 + x | gr(id, cov = K))", data,
            Quick(new Dictionary<string, RelationshipMatrix> { ["K"] = k })));
        Assert.Contains("(1 | gr(id, cov = K))", e.Message);
        Assert.Contains("slopes", e.Message);
    }

    [Fact]
    public void Asymmetric_and_non_psd_matrices_are_refused()
    {
        var asym = Assert.Throws<GpuHbmDataException>(() => new RelationshipMatrix(["a", "b"], [1, 0.5, 0.4, 1], "asym"));
        Assert.Contains("not symmetric", asym.Message);
        var npsd = Assert.Throws<GpuHbmDataException>(() => new RelationshipMatrix(["a", "b"], [1, 2, 2, 1], "npsd"));
        Assert.Contains("not positive semi-definite", npsd.Message);
    }

    [Fact]
    public void Repeated_measures_fall_back_to_the_general_path_with_a_note()
    {
        var (k, data, _) = Sim.Value;
        var twice = data.SelectRows(Enumerable.Range(0, data.RowCount).Concat(Enumerable.Range(0, data.RowCount)).ToArray());
        var fit = Glmm.Fit("y ~ 1 + x + (1 | gr(id, cov = K))", twice, Quick(new Dictionary<string, RelationshipMatrix> { ["K"] = k }));
        Assert.Equal("glmm", fit.Model.Method);
        Assert.Contains(fit.Model.Notes, n => n.Contains("exactly one row per individual"));
    }

    private static (int Code, string Out, string Err) Run(params string[] args) => GpuHbm.Tests.Cli.CliRunner.Run(args);

    private string WriteMatrixCsv(string name, IReadOnlyList<string> ids, Func<int, int, double> value)
    {
        var sb = new StringBuilder("id," + string.Join(",", ids) + "\n");
        for (int i = 0; i < ids.Count; i++)
            sb.Append(ids[i]).Append(',').AppendJoin(",", Enumerable.Range(0, ids.Count).Select(j => value(i, j).ToString("R", CultureInfo.InvariantCulture))).Append('\n');
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, sb.ToString());
        return path;
    }

    private string WriteData()
    {
        var data = Sim.Value.Data;
        var sb = new StringBuilder("id,x,y\n");
        for (int i = 0; i < data.RowCount; i++) sb.Append($"{data["id"].Raw[i]},{data["x"].Raw[i]},{data["y"].Raw[i]}\n");
        var path = Path.Combine(_dir, "data.csv");
        File.WriteAllText(path, sb.ToString());
        return path;
    }

    [Fact]
    public void Cli_fits_with_relmat_and_records_h2_notes_and_setup_time()
    {
        var k = Sim.Value.K;
        // Two extra individuals in K without data: dropped with a note.
        var ids = k.Ids.Concat(["extra1", "extra2"]).ToArray();
        string kPath = WriteMatrixCsv("K.csv", ids, (i, j) => i < k.Count && j < k.Count ? k[i, j] + (i == j ? 0.01 : 0) : (i == j ? 1 : 0));   // + 0.01 I: GCTA GRMs from few SNPs are slightly indefinite
        var outDir = Path.Combine(_dir, "out");
        var (code, stdout, stderr) = Run("fit", "--data", WriteData(), "--formula", "y ~ 1 + x + (1 | gr(id, cov = K))",
            "--relmat", "K=" + kPath, "--chains", "2", "--warmup", "100", "--draws", "50", "--seed", "3", "--quiet",
            "--draw-genetic-effects", "--output", outDir);
        Assert.True(code == 0, stderr + stdout);
        Assert.Contains("h2", stdout);
        Assert.Contains("set-up", stdout);
        Assert.Contains("note: gr(id, cov = K): 2 of the", stdout);
        Assert.Contains("FaST-LMM", stdout);
        var header = File.ReadLines(Path.Combine(outDir, "draws.csv")).First();
        Assert.Contains(",h2,", header + ",");
        Assert.Contains($"r_id[{k.Ids[0]},Intercept]", header);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "fit.json")));
        var root = json.RootElement;
        Assert.Equal("fastlmm", root.GetProperty("model").GetProperty("method").GetString());
        Assert.Equal(2, root.GetProperty("model").GetProperty("relationship_matrices")[0].GetProperty("individuals_dropped").GetInt32());
        var h2 = root.GetProperty("model").GetProperty("heritability")[0];
        Assert.Equal("h2", h2.GetProperty("parameter").GetString());
        Assert.True(h2.GetProperty("q5").GetDouble() <= h2.GetProperty("mean").GetDouble());
        Assert.True(root.GetProperty("timings").GetProperty("setup_seconds").GetDouble() > 0);
        Assert.Contains(root.GetProperty("notes").EnumerateArray(), n => n.GetString()!.Contains("left out"));

        // --fast-path off: the general path, same parameter names (r_ always sampled there).
        var (code2, stdout2, stderr2) = Run("fit", "--data", WriteData(), "--formula", "y ~ 1 + x + (1 | gr(id, cov = K))",
            "--relmat", "K=" + kPath, "--chains", "1", "--warmup", "50", "--draws", "20", "--seed", "3", "--quiet", "--fast-path", "off");
        Assert.True(code2 == 0, stderr2 + stdout2);
        Assert.Contains("general path", stdout2);
    }

    [Fact]
    public void Cli_reports_a_missing_relmat_and_bad_matrices_in_one_line()
    {
        string data = WriteData();
        var (code, _, err) = Run("fit", "--data", data, "--formula", "y ~ 1 + x + (1 | gr(id, cov = K))", "--quiet");
        Assert.Equal(1, code);
        Assert.Contains("--relmat K=PATH", err);

        string asym = WriteMatrixCsv("asym.csv", ["a", "b"], (i, j) => i == j ? 1 : (i < j ? 0.5 : 0.4));
        (code, _, err) = Run("fit", "--data", data, "--formula", "y ~ 1 + x + (1 | gr(id, cov = K))", "--relmat", "K=" + asym, "--quiet");
        Assert.Equal(1, code);
        Assert.Contains("not symmetric", err);

        string npsd = WriteMatrixCsv("npsd.csv", ["a", "b"], (i, j) => i == j ? 1 : 2);
        (code, _, err) = Run("fit", "--data", data, "--formula", "y ~ 1 + x + (1 | gr(id, cov = K))", "--relmat", "K=" + npsd, "--quiet");
        Assert.Equal(1, code);
        Assert.Contains("not positive semi-definite", err);

        (code, _, err) = Run("fit", "--data", data, "--formula", "y ~ 1 + x", "--relmat", "K", "--quiet");
        Assert.Equal(1, code);
        Assert.Contains("NAME=PATH", err);
    }
}
