using System.Globalization;
using GpuHbm.Data.Simulation;
using Xunit;

namespace GpuHbm.Tests.Data.Simulation;

public class CrossedSimulationTests
{
    private static readonly CrossedSimulationOptions Small = new() { Rows = 6000, Students = 200, Instructors = 90, Departments = 7, Seed = 3 };

    [Fact]
    public void Design_is_crossed_sorted_by_student_and_nested_in_departments()
    {
        var data = new CrossedSimulation(Small).Data;
        Assert.Equal(6000, data.RowCount);
        var s = data["s"].Raw;
        var d = data["d"].Raw;
        var dept = data["dept"].Raw;
        Assert.Equal(200, s.Distinct().Count());
        Assert.Equal(90, d.Distinct().Count());
        Assert.Equal(7, dept.Distinct().Count());
        Assert.True(s.Zip(s.Skip(1), (a, b) => string.CompareOrdinal(a, b) <= 0).All(x => x), "rows are sorted by student");
        for (int i = 0; i < data.RowCount; i++)
        {
            int instructor = int.Parse(d[i]![1..], CultureInfo.InvariantCulture) - 1;
            Assert.Equal(instructor % 7 + 1, int.Parse(dept[i]![1..], CultureInfo.InvariantCulture));
        }
        // Crossed: a student sees several instructors and an instructor several students.
        Assert.True(s.Zip(d).GroupBy(p => p.First).Average(g => g.Select(p => p.Second).Distinct().Count()) > 20);
    }

    [Fact]
    public void Same_seed_same_file_and_the_moments_follow_the_model()
    {
        var a = new StringWriter();
        var b = new StringWriter();
        new CrossedSimulation(Small).WriteCsv(a);
        new CrossedSimulation(Small).WriteCsv(b);
        Assert.Equal(a.ToString(), b.ToString());
        // Var(y) = sd_s² + sd_d² + sd_dept² + σ² + Var(service)·b² ≈ 0.1024 + 0.2704 + 0.0064 + 1.3924 + 0.24·0.0049.
        var y = new CrossedSimulation(Small with { Rows = 60_000, Students = 2000, Instructors = 900 }).Data["y"].Raw
            .Select(v => double.Parse(v!, CultureInfo.InvariantCulture)).ToArray();
        double mean = y.Average(), variance = y.Sum(v => (v - mean) * (v - mean)) / (y.Length - 1);
        Assert.InRange(mean, 3.2 - 0.4 * 0.07 - 0.15, 3.2 - 0.4 * 0.07 + 0.15); // ± about 3 SE of the level effects' means
        Assert.InRange(variance, 1.77 * 0.85, 1.77 * 1.15);
    }
}
