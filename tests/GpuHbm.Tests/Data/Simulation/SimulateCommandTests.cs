using System.CommandLine;
using System.Text.Json;
using GpuHbm.Cli;
using Xunit;

namespace GpuHbm.Tests.Data.Simulation;

public sealed class SimulateCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gpuhbm-simulate-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var root = new RootCommand();
        root.Subcommands.Add(SimulateCommand.Create(output, error));
        int code = root.Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public void Writes_csv_and_truth_and_prints_the_model()
    {
        string path = Path.Combine(_dir, "h.csv");
        var (code, output, error) = Run("simulate", "hospitals", "--patients", "3000", "--hospitals", "25", "--seed", "5", "--output", path);
        Assert.Equal("", error);
        Assert.Equal(0, code);
        Assert.Equal(3001, File.ReadLines(path).Count());
        Assert.Contains("y ~ 1 + age_std + sex + severity + teaching + treat + (1 + treat | hospital)", output);
        Assert.Contains("sd_hospital__treat", output);
        using var truth = JsonDocument.Parse(File.ReadAllText(path + ".truth.json"));
        Assert.Equal(-0.5, truth.RootElement.GetProperty("parameters").GetProperty("b_treat").GetDouble());
        Assert.Equal(5UL, truth.RootElement.GetProperty("seed").GetUInt64());
    }

    [Fact]
    public void Defaults_are_100000_patients_500_hospitals_seed_1()
    {
        string path = Path.Combine(_dir, "d.csv");
        var (code, output, _) = Run("simulate", "hospitals", "--output", path);
        Assert.Equal(0, code);
        Assert.Contains("N = 100000 patients in G = 500 hospitals, seed 1", output);
        using var truth = JsonDocument.Parse(File.ReadAllText(path + ".truth.json"));
        Assert.Equal(500, truth.RootElement.GetProperty("hospitals").GetInt32());
    }

    [Theory]
    [InlineData("0", "100", "--hospitals")]
    [InlineData("-3", "100", "--hospitals")]
    [InlineData("20", "10", "--patients")]
    public void Bad_sizes_are_one_clear_line(string hospitals, string patients, string named)
    {
        string path = Path.Combine(_dir, "bad.csv");
        var (code, output, error) = Run("simulate", "hospitals", "--hospitals", hospitals, "--patients", patients, "--output", path);
        Assert.NotEqual(0, code);
        Assert.Equal("", output);
        Assert.Single(error.TrimEnd('\n', '\r').Split('\n'));
        Assert.StartsWith("error: " + named, error);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void Unwritable_path_is_one_clear_line()
    {
        string path = Path.Combine(_dir, "no", "such", "folder", "h.csv");
        var (code, output, error) = Run("simulate", "hospitals", "--patients", "100", "--hospitals", "5", "--output", path);
        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Single(error.TrimEnd('\n', '\r').Split('\n'));
        Assert.StartsWith("error: Cannot write '" + path + "'", error);
    }
}
