using System.Text;
using GpuHbm.Data.Simulation;
using Xunit;

namespace GpuHbm.Tests.Data.Simulation;

public class HospitalSimulationReproducibilityTests
{
    private static string Csv(HospitalSimulationOptions options)
    {
        var writer = new StringWriter();
        new HospitalSimulation(options).WriteCsv(writer);
        return writer.ToString();
    }

    [Fact]
    public void Same_seed_gives_identical_bytes()
    {
        var options = new HospitalSimulationOptions(20_000, 100, 3);
        Assert.Equal(Csv(options), Csv(options with { }));
    }

    [Fact]
    public void Different_seeds_give_different_data()
    {
        string a = Csv(new HospitalSimulationOptions(20_000, 100, 3));
        string b = Csv(new HospitalSimulationOptions(20_000, 100, 4));
        Assert.NotEqual(a, b);
        // Not just one value: most data lines differ (the first column and patient number may coincide).
        var la = a.Split('\n');
        var lb = b.Split('\n');
        int differing = la.Zip(lb).Count(p => p.First != p.Second);
        Assert.True(differing > 0.99 * 20_000, $"only {differing} lines differ");
    }

    [Fact]
    public void Bytes_do_not_depend_on_chunk_size_or_thread_count()
    {
        var simulation = new HospitalSimulation(new HospitalSimulationOptions(5_000, 37, 11));
        var serial = new StringWriter();
        HospitalCsvWriter.Write(simulation, serial, chunkRows: 7, parallelism: 1);
        var parallel = new StringWriter();
        HospitalCsvWriter.Write(simulation, parallel, chunkRows: 333, parallelism: 4);
        var whole = new StringWriter();
        HospitalCsvWriter.Write(simulation, whole, chunkRows: 1_000_000, parallelism: 2);
        Assert.Equal(serial.ToString(), parallel.ToString());
        Assert.Equal(serial.ToString(), whole.ToString());
        Assert.Equal(serial.ToString(), Csv(simulation.Options));
    }

    [Fact]
    public void A_patient_depends_only_on_seed_and_index_not_on_where_the_chunk_starts()
    {
        var simulation = new HospitalSimulation(new HospitalSimulationOptions(3_000, 50, 99));
        var all = new SimulatedPatient[3_000];
        simulation.DrawPatients(0, all);
        var part = new SimulatedPatient[500];
        simulation.DrawPatients(1_234, part);
        Assert.Equal(all.AsSpan(1_234, 500).ToArray(), part);
    }

    [Fact]
    public void File_and_text_writer_give_the_same_bytes_utf8_without_bom_and_lf_line_ends()
    {
        var options = new HospitalSimulationOptions(1_000, 20, 5);
        string path = Path.Combine(Path.GetTempPath(), $"gpuhbm-sim-{Guid.NewGuid():N}.csv");
        try
        {
            new HospitalSimulation(options).WriteCsv(path);
            byte[] bytes = File.ReadAllBytes(path);
            Assert.Equal(Encoding.UTF8.GetBytes(Csv(options)), bytes);
            Assert.NotEqual(0xEF, bytes[0]);
            Assert.DoesNotContain((byte)'\r', bytes);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
