using System.Globalization;
using System.Text.Json;
using GpuHbm.Data;
using GpuHbm.Data.Simulation;
using Xunit;

namespace GpuHbm.Tests.Data.Simulation;

public class HospitalSimulationCsvTests
{
    [Fact]
    public void Csv_reads_back_as_the_drawn_patients_in_hospital_order()
    {
        var simulation = new HospitalSimulation(new HospitalSimulationOptions(2_000, 30, 8));
        var writer = new StringWriter();
        simulation.WriteCsv(writer);
        var table = DataTable.ReadCsv(new StringReader(writer.ToString()));

        Assert.Equal(["hospital", "patient", "age_std", "sex", "severity", "teaching", "treat", "y"], table.Columns.Select(c => c.Name));
        Assert.Equal(2_000, table.RowCount);
        var rows = new SimulatedPatient[2_000];
        simulation.DrawPatients(0, rows);

        var expectedHospitals = simulation.HospitalSizes.SelectMany((n, g) => Enumerable.Repeat(simulation.HospitalLabels[g], n));
        Assert.Equal(expectedHospitals, table["hospital"].Raw);
        Assert.Equal(Enumerable.Range(1, 2_000).Select(i => (double)i), table["patient"].Numeric());
        // "R" formatting round-trips every double exactly.
        Assert.Equal(rows.Select(r => r.AgeStd), table["age_std"].Numeric());
        Assert.Equal(rows.Select(r => r.Severity), table["severity"].Numeric());
        foreach (var (name, pick) in new (string, Func<SimulatedPatient, int>)[] { ("sex", r => r.Sex), ("teaching", r => r.Teaching), ("treat", r => r.Treat), ("y", r => r.Y) })
        {
            Assert.Equal(rows.Select(r => pick(r).ToString(CultureInfo.InvariantCulture)), table[name].Raw);
            Assert.All(table[name].Raw, v => Assert.True(v is "0" or "1"));
        }
        Assert.Equal(30, table["hospital"].ToFactor().LevelCount);
    }

    [Fact]
    public void Truth_json_holds_the_specified_values_under_brms_names()
    {
        var simulation = new HospitalSimulation(new HospitalSimulationOptions(1_000, 40, 9));
        using var doc = JsonDocument.Parse(simulation.TruthJson());
        var root = doc.RootElement;
        Assert.Equal("y ~ 1 + age_std + sex + severity + teaching + treat + (1 + treat | hospital)", root.GetProperty("formula").GetString());
        Assert.Equal(simulation.FormulaText, root.GetProperty("formula").GetString());
        Assert.Equal("bernoulli", root.GetProperty("family").GetString());
        Assert.Equal(1_000, root.GetProperty("patients").GetInt32());
        Assert.Equal(40, root.GetProperty("hospitals").GetInt32());
        Assert.Equal(9UL, root.GetProperty("seed").GetUInt64());
        var expected = new Dictionary<string, double>
        {
            ["b_Intercept"] = -1.0, ["b_age_std"] = 0.4, ["b_sex"] = -0.2, ["b_severity"] = 0.8,
            ["b_teaching"] = 0.3, ["b_treat"] = -0.5, ["sd_hospital__Intercept"] = 0.5,
            ["sd_hospital__treat"] = 0.3, ["cor_hospital__Intercept__treat"] = -0.4,
        };
        var parameters = root.GetProperty("parameters").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble());
        Assert.Equal(expected, parameters);
        var drawn = root.GetProperty("drawn");
        Assert.InRange(drawn.GetProperty("cor_hospital__Intercept__treat").GetDouble(), -1, 1);
        Assert.Equal(simulation.HospitalSizes.Max(), drawn.GetProperty("largest_hospital").GetInt32());
    }

    [Fact]
    public void Describe_states_the_model_formula_and_true_values()
    {
        var text = new HospitalSimulation(new HospitalSimulationOptions(1_000, 40, 9)).Describe();
        Assert.Contains("y ~ 1 + age_std + sex + severity + teaching + treat + (1 + treat | hospital)", text);
        Assert.Contains("bernoulli", text);
        Assert.Contains("logit P(y_i = 1) = -1 + 0.4 age_std - 0.2 sex + 0.8 severity + 0.3 teaching", text);
        foreach (var line in new[] { "b_Intercept", "b_age_std", "b_sex", "b_severity", "b_teaching", "b_treat", "sd_hospital__Intercept", "sd_hospital__treat", "cor_hospital__Intercept__treat" })
            Assert.Contains(line, text);
        Assert.Matches(@"cor_hospital__Intercept__treat\s+-0\.4\n", text);
    }
}
