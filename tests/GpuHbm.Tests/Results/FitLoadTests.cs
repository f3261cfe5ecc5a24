using GpuHbm.Data;
using GpuHbm.Models.Kinship;
using GpuHbm.Results;
using Xunit;

namespace GpuHbm.Tests.Results;

/// <summary>Fit.Load: a saved fit folder reads back to the same fit, and only against the same data.</summary>
public class FitLoadTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gpuhbm-load-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private const string Sleep = "Reaction ~ 1 + Days + (1 + Days | Subject)";

    private (string Data, string Out, Fit Fit) FitSleepstudy()
    {
        string data = Path.Combine(_dir, "sleepstudy.csv");
        File.Copy(TestPaths.ExampleData("sleepstudy.csv"), data);
        var fit = Glmm.Fit(Sleep, DataTable.ReadCsv(data), new FitOptions { Chains = 2, Warmup = 100, Draws = 50, Seed = 3, Priors = ["sd ~ normal(0, 50)"] });
        string outDir = Path.Combine(_dir, "fit");
        fit.Save(outDir);
        return (data, outDir, fit);
    }

    [Fact]
    public void A_saved_fit_loads_back_with_the_same_model_draws_and_diagnostics()
    {
        var (_, outDir, fit) = FitSleepstudy();
        var loaded = Fit.Load(outDir);
        Assert.Equal(fit.Model.OutputNames, loaded.Model.OutputNames);
        Assert.Equal(fit.Model.Priors.Select(p => p.ToString()), loaded.Model.Priors.Select(p => p.ToString()));
        Assert.Equal(fit.Draws.ChainCount, loaded.Draws.ChainCount);
        for (int c = 0; c < fit.Draws.ChainCount; c++)
            for (int i = 0; i < fit.Draws.DrawCount(c); i++)
                Assert.Equal(fit.Draws.Draw(c, i).ToArray(), loaded.Draws.Draw(c, i).ToArray());
        Assert.Equal(fit.Summary["b_Days"].Mean, loaded.Summary["b_Days"].Mean);
        Assert.Equal(fit.Report.Divergences, loaded.Report.Divergences);
        Assert.Equal(fit.Statistics[1].Energy, loaded.Statistics[1].Energy);
        Assert.Equal(fit.Adaptation[0].InverseMetric, loaded.Adaptation[0].InverseMetric);
        Assert.Equal(fit.Seed, loaded.Seed);
        Assert.Equal(Path.GetFullPath(outDir), loaded.Directory);
        Assert.Equal("sd ~ normal(0, 50)", Assert.Single(loaded.Settings.Options.Priors));
    }

    [Fact]
    public void A_changed_data_file_is_an_error_that_says_so()
    {
        var (data, outDir, _) = FitSleepstudy();
        File.AppendAllText(data, "300,9,308\n");
        var e = Assert.Throws<GpuHbmDataException>(() => Fit.Load(outDir));
        Assert.Contains("has changed since the fit", e.Message);
        Assert.Contains(Path.GetFullPath(data), e.Message);
    }

    [Fact]
    public void A_missing_data_file_is_an_error_and_a_moved_one_can_be_given()
    {
        var (data, outDir, fit) = FitSleepstudy();
        string moved = Path.Combine(_dir, "moved.csv");
        File.Move(data, moved);
        var e = Assert.Throws<GpuHbmDataException>(() => Fit.Load(outDir));
        Assert.Contains("does not exist", e.Message);
        Assert.Contains("--fit-data", e.Message);
        var loaded = Fit.Load(outDir, new FitLoadOptions { DataPath = moved });
        Assert.Equal(fit.Draws.Draw(0, 0).ToArray(), loaded.Draws.Draw(0, 0).ToArray());

        // A different file in its place is refused.
        File.WriteAllText(data, File.ReadAllText(moved).Replace("249.56", "249.57"));
        Assert.Contains("has changed", Assert.Throws<GpuHbmDataException>(() => Fit.Load(outDir)).Message);
    }

    [Fact]
    public void A_fit_of_a_table_built_in_memory_needs_that_table()
    {
        var data = DataTable.FromColumns(("y", [1.0, 2.5, 2.0, 3.5, 4.0, 3.0]), ("x", [1.0, 2, 3, 4, 5, 6]));
        var fit = Glmm.Fit("y ~ 1 + x", data, new FitOptions { Chains = 1, Warmup = 100, Draws = 20, Seed = 1 });
        string outDir = Path.Combine(_dir, "mem");
        fit.Save(outDir);
        Assert.Contains("built in memory", Assert.Throws<GpuHbmDataException>(() => Fit.Load(outDir)).Message);
        var loaded = Fit.Load(outDir, new FitLoadOptions { Data = data });
        Assert.Equal(fit.Draws.Draw(0, 19).ToArray(), loaded.Draws.Draw(0, 19).ToArray());
        var other = DataTable.FromColumns(("y", [1.0, 2.5, 2.0, 3.5, 4.0, 3.1]), ("x", [1.0, 2, 3, 4, 5, 6]));
        Assert.Contains("not the one", Assert.Throws<GpuHbmDataException>(() => Fit.Load(outDir, new FitLoadOptions { Data = other })).Message);
    }

    [Fact]
    public void Dropped_rows_and_factors_are_rebuilt_the_same_way()
    {
        string data = Path.Combine(_dir, "cbpp.csv");
        var lines = File.ReadAllLines(TestPaths.ExampleData("cbpp.csv")).ToList();
        var header = lines[0].Split(",").Select(h => h.Trim('"')).ToArray();
        var cells = lines[3].Split(',');
        cells[Array.IndexOf(header, "incidence")] = "NA";
        lines[3] = string.Join(",", cells);
        File.WriteAllLines(data, lines);
        var fit = Glmm.Fit("incidence | trials(size) ~ period + (1 | herd)", DataTable.ReadCsv(data),
            new FitOptions { Family = "binomial", Factors = ["period"], DropMissing = true, Chains = 1, Warmup = 100, Draws = 20, Seed = 2 });
        string outDir = Path.Combine(_dir, "cbpp");
        fit.Save(outDir);
        var loaded = Fit.Load(outDir);
        Assert.Equal(1, loaded.Settings.RowsDropped);
        Assert.Equal(fit.Model.ObservationCount, loaded.Model.ObservationCount);
        Assert.Equal(fit.Model.OutputNames, loaded.Model.OutputNames);
    }

    [Fact]
    public void The_data_file_is_read_again_with_the_options_it_was_read_with()
    {
        // Space-separated, decimal commas, "." for missing, Latin-1 subject names: none of it is what ReadCsv assumes.
        string data = Path.Combine(_dir, "sleep-latin1.txt");
        var lines = File.ReadAllLines(TestPaths.ExampleData("sleepstudy.csv"));
        var header = lines[0].Split(',').Select(h => h.Trim('"')).ToArray();
        int subject = Array.IndexOf(header, "Subject"), reaction = Array.IndexOf(header, "Reaction");
        var rows = new List<string> { string.Join(' ', header) };
        for (int i = 1; i < lines.Length; i++)
        {
            var cells = lines[i].Split(',').Select(c => c.Trim('"')).ToArray();
            cells[subject] = "Zürich" + cells[subject];
            cells[reaction] = i == 5 ? "." : cells[reaction].Replace('.', ',');
            rows.Add(string.Join(' ', cells));
        }
        File.WriteAllLines(data, rows, System.Text.Encoding.Latin1);
        var read = new CsvReadOptions { Delimiter = ' ', DecimalSeparator = ',', MissingValues = ["."], Encoding = System.Text.Encoding.Latin1 };
        var fit = Glmm.Fit(Sleep, DataTable.ReadCsv(data, read),
            new FitOptions { DropMissing = true, Chains = 1, Warmup = 100, Draws = 20, Seed = 4, Priors = ["sd ~ normal(0, 50)"] });
        string outDir = Path.Combine(_dir, "latin1");
        fit.Save(outDir);

        var loaded = Fit.Load(outDir);
        Assert.Equal(1, loaded.Settings.RowsDropped);
        Assert.Equal(179, loaded.Model.ObservationCount);
        Assert.Contains("r_Subject[Zürich308,Intercept]", loaded.Model.OutputNames);
        Assert.Equal(fit.Settings.Data!["Reaction"].Numeric(), loaded.Settings.Data!["Reaction"].Numeric());
    }

    [Fact]
    public void Relationship_matrix_files_are_checked_too()
    {
        var (k, table) = SmallKinship();
        string kPath = Path.Combine(_dir, "K.csv"), dataPath = Path.Combine(_dir, "pheno.csv");
        WriteMatrix(k, kPath);
        WriteTable(table, dataPath);
        var fit = Glmm.Fit("y ~ 1 + (1 | gr(id, cov = K))", DataTable.ReadCsv(dataPath), new FitOptions
        {
            Chains = 1, Warmup = 100, Draws = 20, Seed = 4,
            RelationshipMatrices = new Dictionary<string, RelationshipMatrix> { ["K"] = RelationshipMatrixReader.Read(kPath) },
        });
        string outDir = Path.Combine(_dir, "kin");
        fit.Save(outDir);
        Assert.Equal(fit.Model.OutputNames, Fit.Load(outDir).Model.OutputNames);

        string moved = Path.Combine(_dir, "K2.csv");
        File.Move(kPath, moved);
        var e = Assert.Throws<GpuHbmDataException>(() => Fit.Load(outDir));
        Assert.Contains("--relmat K=", e.Message);
        Assert.Equal(fit.Model.OutputNames, Fit.Load(outDir, new FitLoadOptions { RelationshipMatrixPaths = new Dictionary<string, string> { ["K"] = moved } }).Model.OutputNames);
        File.AppendAllText(moved, "\n");
        Assert.Contains("has changed", Assert.Throws<GpuHbmDataException>(() =>
            Fit.Load(outDir, new FitLoadOptions { RelationshipMatrixPaths = new Dictionary<string, string> { ["K"] = moved } })).Message);
    }

    [Fact]
    public void A_folder_without_fit_json_is_named()
    {
        var e = Assert.Throws<GpuHbmDataException>(() => Fit.Load(_dir));
        Assert.Contains("fit.json", e.Message);
    }

    /// <summary>Six individuals, pairs of siblings (K = 0.5 within a pair), two rows each.</summary>
    internal static (RelationshipMatrix K, DataTable Data) SmallKinship()
    {
        string[] ids = ["a", "b", "c", "d", "e", "f"];
        var v = new double[36];
        for (int i = 0; i < 6; i++)
            for (int j = 0; j < 6; j++) v[i * 6 + j] = i == j ? 1 : i / 2 == j / 2 ? 0.5 : 0;
        var k = new RelationshipMatrix(ids, v, "siblings");
        double[] y = [0.3, 0.5, 0.1, 0.4, -0.6, -0.2, -0.3, -0.5, 1.2, 1.0, 0.9, 1.4];
        var data = DataTable.FromColumns(("id", ids.SelectMany(i => new object[] { i, i }).ToArray()), ("y", y.Cast<object>().ToArray()));
        return (k, data);
    }

    internal static void WriteMatrix(RelationshipMatrix k, string path)
    {
        using var w = new StreamWriter(path);
        w.WriteLine("id," + string.Join(",", k.Ids));
        for (int i = 0; i < k.Count; i++)
            w.WriteLine(k.Ids[i] + "," + string.Join(",", Enumerable.Range(0, k.Count).Select(j => k[i, j].ToString("R", System.Globalization.CultureInfo.InvariantCulture))));
    }

    internal static void WriteTable(DataTable t, string path)
    {
        using var w = new StreamWriter(path);
        w.WriteLine(string.Join(",", t.Columns.Select(c => c.Name)));
        for (int i = 0; i < t.RowCount; i++) w.WriteLine(string.Join(",", t.Columns.Select(c => c.Raw[i] ?? "NA")));
    }
}
