using System.Globalization;
using GpuHbm.Data;
using GpuHbm.Data.Simulation;
using GpuHbm.Estimands;
using Xunit;

namespace GpuHbm.Tests.Estimands;

/// <summary>
/// Profiling on simulated hospitals whose true rates are known: P(excess) is calibrated and rank
/// intervals cover the true ranks at their nominal rate. The truth is computed here from the
/// generating model's parameters and drawn hospital effects, not by the code under test.
/// </summary>
[Trait("Category", "Slow")]
public class HospitalProfileCalibrationTests
{
    private const int Patients = 12_000, Hospitals = 400;

    private static readonly Lazy<(HospitalSimulation Sim, HospitalProfile Profile, double[] TrueRatio)> Case = new(() =>
    {
        var sim = new HospitalSimulation(new HospitalSimulationOptions(Patients, Hospitals, Seed: 17));
        var csv = new StringWriter(CultureInfo.InvariantCulture);
        sim.WriteCsv(csv);
        var data = DataTable.ReadCsv(new StringReader(csv.ToString()), "simulated hospitals");
        var fit = Glmm.Fit(HospitalSimulation.Formula, data, new FitOptions
        {
            Family = HospitalSimulation.Family, Backend = "cpu", Chains = 4, Warmup = 400, Draws = 400, Seed = 5,
        });
        var profile = HospitalProfile.Compute(fit, new HospitalProfileOptions { Group = "hospital" });

        // True predicted and expected events of each hospital's own patients.
        var t = sim.Truth;
        var rows = new SimulatedPatient[Patients];
        sim.DrawPatients(0, rows);
        var p = new double[Hospitals];
        var e = new double[Hospitals];
        foreach (var r in rows)
        {
            double fixedPart = t.Intercept + t.AgeStd * r.AgeStd + t.Sex * r.Sex + t.Severity * r.Severity + t.Teaching * r.Teaching + t.Treat * r.Treat;
            double own = sim.InterceptEffects[r.Hospital] + sim.TreatEffects[r.Hospital] * r.Treat;
            p[r.Hospital] += 1 / (1 + Math.Exp(-(fixedPart + own)));
            e[r.Hospital] += 1 / (1 + Math.Exp(-fixedPart));
        }
        return (sim, profile, p.Select((x, h) => x / e[h]).ToArray());
    });

    private static int Index(HospitalProfile profile, string label) => profile.Hospitals.Select((h, i) => (h, i)).First(x => x.h.Hospital == label).i;

    [Fact]
    public void Probability_of_excess_is_calibrated()
    {
        var (sim, profile, truth) = Case.Value;
        var rows = sim.HospitalLabels.Select((label, g) => (P: profile.Hospitals[Index(profile, label)].ProbabilityAbove, Exceeds: truth[g] > 1)).ToList();

        // Overall: the number truly exceeding vs the sum of the probabilities, sd √Σp(1−p); 3.3 sd (two-sided 0.1 %).
        double expected = rows.Sum(r => r.P), sd = Math.Sqrt(rows.Sum(r => r.P * (1 - r.P)));
        int observed = rows.Count(r => r.Exceeds);
        Assert.True(Math.Abs(observed - expected) <= 3.3 * sd, $"{observed} hospitals truly exceed; the probabilities sum to {expected:F1} (sd {sd:F1})");

        // Among hospitals with P in [0.8, 0.9): 80-90 % truly exceed, up to the binomial error of their count.
        var bin = rows.Where(r => r.P >= 0.8 && r.P < 0.9).ToList();
        Assert.True(bin.Count >= 10, $"only {bin.Count} hospitals with P(excess) in [0.8, 0.9)");
        double share = bin.Count(r => r.Exceeds) / (double)bin.Count, tol = 3.3 * Math.Sqrt(0.85 * 0.15 / bin.Count);
        Assert.True(share >= 0.8 - tol && share <= 0.9 + tol, $"{share:P1} of the {bin.Count} hospitals with P in [0.8, 0.9) truly exceed (tolerance ±{tol:P1})");
    }

    [Fact]
    public void Rank_intervals_cover_the_true_ranks_at_the_nominal_rate()
    {
        var (sim, profile, truth) = Case.Value;
        var order = Enumerable.Range(0, Hospitals).OrderBy(g => truth[g]).ToArray();
        var trueRank = new int[Hospitals];
        for (int k = 0; k < Hospitals; k++) trueRank[order[k]] = k + 1;
        int covered = 0;
        for (int g = 0; g < Hospitals; g++)
        {
            var r = profile.Hospitals[Index(profile, sim.HospitalLabels[g])].Rank;
            if (r.Lower <= trueRank[g] && trueRank[g] <= r.Upper) covered++;
        }
        double sd = Math.Sqrt(Hospitals * 0.9 * 0.1);
        Assert.InRange(covered, Hospitals * 0.9 - 3.3 * sd, Hospitals * 0.9 + 3.3 * sd);
    }
}
