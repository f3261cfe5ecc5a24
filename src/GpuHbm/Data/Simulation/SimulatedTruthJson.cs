using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace GpuHbm.Data.Simulation;

/// <summary>
/// The truth file written next to a simulated CSV (FILE + ".truth.json"), for recovery tests and
/// benchmarks:
/// <code>
/// {
///   "model": "hospitals", "formula": "...", "family": "bernoulli",
///   "patients": N, "hospitals": G, "seed": S,
///   "parameters": { "b_Intercept": -1, ..., "cor_hospital__Intercept__treat": -0.4 },
///   "drawn": { "sd_hospital__Intercept": ..., "sd_hospital__treat": ...,
///              "cor_hospital__Intercept__treat": ..., "teaching_share": ...,
///              "smallest_hospital": ..., "largest_hospital": ... }
/// }
/// </code>
/// "parameters" are the generating values; "drawn" are the sample sd (n − 1) and correlation of
/// the G drawn (u0_g, u1_g), the share of teaching hospitals and the extreme sizes — what a fit
/// can at best recover for this G.
/// </summary>
internal static class SimulatedTruthJson
{
    public static string Write(HospitalSimulation simulation)
    {
        var o = simulation.Options;
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("model", "hospitals");
            json.WriteString("formula", HospitalSimulation.Formula);
            json.WriteString("family", HospitalSimulation.Family);
            json.WriteNumber("patients", o.Patients);
            json.WriteNumber("hospitals", o.Hospitals);
            json.WriteNumber("seed", o.Seed);
            json.WriteStartObject("parameters");
            foreach (var (name, value) in simulation.Truth.Parameters) json.WriteNumber(name, value);
            json.WriteEndObject();

            var u0 = simulation.InterceptEffects;
            var u1 = simulation.TreatEffects;
            var (sd0, sd1, cor) = SampleMoments(u0, u1);
            json.WriteStartObject("drawn");
            WriteFinite(json, "sd_hospital__Intercept", sd0);
            WriteFinite(json, "sd_hospital__treat", sd1);
            WriteFinite(json, "cor_hospital__Intercept__treat", cor);
            json.WriteNumber("teaching_share", simulation.Teaching.Average());
            json.WriteNumber("smallest_hospital", simulation.HospitalSizes.Min());
            json.WriteNumber("largest_hospital", simulation.HospitalSizes.Max());
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    /// <summary>Sample standard deviations (n − 1) and correlation; NaN when G &lt; 2.</summary>
    internal static (double Sd0, double Sd1, double Cor) SampleMoments(double[] x, double[] y)
    {
        int n = x.Length;
        if (n < 2) return (double.NaN, double.NaN, double.NaN);
        double mx = x.Average(), my = y.Average();
        double sxx = 0, syy = 0, sxy = 0;
        for (int i = 0; i < n; i++)
        {
            double dx = x[i] - mx, dy = y[i] - my;
            sxx += dx * dx; syy += dy * dy; sxy += dx * dy;
        }
        return (Math.Sqrt(sxx / (n - 1)), Math.Sqrt(syy / (n - 1)), sxy / Math.Sqrt(sxx * syy));
    }

    private static void WriteFinite(Utf8JsonWriter json, string name, double value)
    {
        if (double.IsFinite(value)) json.WriteNumber(name, value);
        else json.WriteNull(name);
    }
}
