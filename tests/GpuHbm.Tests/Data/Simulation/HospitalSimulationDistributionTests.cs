using GpuHbm.Data.Simulation;
using Xunit;

namespace GpuHbm.Tests.Data.Simulation;

/// <summary>
/// Empirical moments of the simulated data against closed forms, and the outcome prevalence
/// against an independent Monte Carlo integral over the generating model (System.Random).
/// The model constants below are written from the specification, not read from the code.
/// </summary>
public class HospitalSimulationDistributionTests
{
    private const double B0 = -1.0, BAge = 0.4, BSex = -0.2, BSev = 0.8, BTeach = 0.3, BTreat = -0.5;
    private const double Sd0 = 0.5, Sd1 = 0.3, Rho = -0.4, PTeach = 0.3;

    // One large data set shared by the patient-level checks (about 0.3 s to draw).
    private static readonly Lazy<(HospitalSimulation Simulation, SimulatedPatient[] Rows)> Large = new(() =>
    {
        var simulation = new HospitalSimulation(new HospitalSimulationOptions(1_000_000, 50_000, 2024));
        var rows = new SimulatedPatient[1_000_000];
        simulation.DrawPatients(0, rows);
        return (simulation, rows);
    });

    [Fact]
    public void Treatment_and_sex_are_fair_coins()
    {
        var rows = Large.Value.Rows;
        double se = Math.Sqrt(0.25 / rows.Length);
        Assert.InRange(rows.Average(r => r.Treat), 0.5 - 5 * se, 0.5 + 5 * se);
        Assert.InRange(rows.Average(r => r.Sex), 0.5 - 5 * se, 0.5 + 5 * se);
    }

    [Fact]
    public void Age_and_severity_are_standard_normal_and_uncorrelated()
    {
        var rows = Large.Value.Rows;
        int n = rows.Length;
        foreach (var x in new[] { rows.Select(r => r.AgeStd).ToArray(), rows.Select(r => r.Severity).ToArray() })
        {
            double mean = x.Average();
            double sd = Math.Sqrt(x.Sum(v => (v - mean) * (v - mean)) / (n - 1));
            // SE of the mean 1/sqrt(n); of the sample sd of a normal, 1/sqrt(2n).
            Assert.InRange(mean, -5 / Math.Sqrt(n), 5 / Math.Sqrt(n));
            Assert.InRange(sd, 1 - 5 / Math.Sqrt(2.0 * n), 1 + 5 / Math.Sqrt(2.0 * n));
        }
        // The cos and sin branches of one Box–Muller pair are independent: correlation SE 1/sqrt(n).
        double r = rows.Sum(p => p.AgeStd * p.Severity) / n;
        Assert.InRange(r, -5 / Math.Sqrt(n), 5 / Math.Sqrt(n));
    }

    [Fact]
    public void Hospital_effects_have_the_specified_sds_and_correlation_and_teaching_share()
    {
        const int g = 20_000;
        var simulation = new HospitalSimulation(new HospitalSimulationOptions(g, g, 77));
        var (sd0, sd1, cor) = SimulatedTruthJson.SampleMoments(simulation.InterceptEffects, simulation.TreatEffects);
        // Large-sample SEs: correlation (1 - rho^2)/sqrt(G); sample sd of a normal sigma/sqrt(2G).
        double corSe = (1 - Rho * Rho) / Math.Sqrt(g);
        Assert.InRange(cor, Rho - 4 * corSe, Rho + 4 * corSe);
        Assert.InRange(sd0, Sd0 * (1 - 4 / Math.Sqrt(2.0 * g)), Sd0 * (1 + 4 / Math.Sqrt(2.0 * g)));
        Assert.InRange(sd1, Sd1 * (1 - 4 / Math.Sqrt(2.0 * g)), Sd1 * (1 + 4 / Math.Sqrt(2.0 * g)));
        Assert.InRange(simulation.InterceptEffects.Average(), -4 * Sd0 / Math.Sqrt(g), 4 * Sd0 / Math.Sqrt(g));
        Assert.InRange(simulation.TreatEffects.Average(), -4 * Sd1 / Math.Sqrt(g), 4 * Sd1 / Math.Sqrt(g));
        double teachSe = Math.Sqrt(PTeach * (1 - PTeach) / g);
        Assert.InRange(simulation.Teaching.Average(), PTeach - 4 * teachSe, PTeach + 4 * teachSe);
    }

    [Fact]
    public void Teaching_is_constant_within_each_hospital()
    {
        var (simulation, rows) = Large.Value;
        Assert.All(rows.Take(100_000), r => Assert.Equal(simulation.Teaching[r.Hospital], r.Teaching));
    }

    [Fact]
    public void Outcome_prevalence_matches_an_independent_Monte_Carlo_integral()
    {
        var (simulation, rows) = Large.Value;
        int n = rows.Length;
        double observed = rows.Average(r => r.Y);

        // p = E[logistic(eta)] over hospitals and patients, by plain Monte Carlo with System.Random.
        var random = new Random(20240607);
        const int draws = 2_000_000;
        double sum = 0, sumSq = 0;
        for (int k = 0; k < draws; k++)
        {
            var h = DrawHospital(random);
            double q = PatientProbability(random, h);
            sum += q;
            sumSq += q * q;
        }
        double p = sum / draws;
        double mcVar = (sumSq / draws - p * p) / draws;

        // tau^2 = Var over hospitals of the hospital's mean prevalence (inner means over 250
        // patients overstate it slightly, which only widens the tolerance).
        const int outer = 4_000, inner = 250;
        var means = new double[outer];
        for (int j = 0; j < outer; j++)
        {
            var h = DrawHospital(random);
            double s = 0;
            for (int k = 0; k < inner; k++) s += PatientProbability(random, h);
            means[j] = s / inner;
        }
        double mm = means.Average();
        double tau2 = means.Sum(m => (m - mm) * (m - mm)) / (outer - 1);

        // Var(mean y) = p(1-p)/N + tau^2 * sum_g n_g (n_g - 1) / N^2 (patients in a hospital share it).
        double pairs = simulation.HospitalSizes.Sum(s => (double)s * (s - 1));
        double se = Math.Sqrt(p * (1 - p) / n + tau2 * pairs / ((double)n * n) + mcVar);
        Assert.InRange(observed, p - 5 * se, p + 5 * se);
        Assert.True(se < 0.002, $"the check is too loose to mean anything: se = {se}");
    }

    private readonly record struct Hospital(int Teaching, double U0, double U1);

    private static Hospital DrawHospital(Random random)
    {
        var (e1, e2) = NormalPair(random);
        return new Hospital(random.NextDouble() < PTeach ? 1 : 0, Sd0 * e1, Sd1 * (Rho * e1 + Math.Sqrt(1 - Rho * Rho) * e2));
    }

    private static double PatientProbability(Random random, Hospital h)
    {
        var (age, sev) = NormalPair(random);
        int sex = random.NextDouble() < 0.5 ? 1 : 0;
        int treat = random.NextDouble() < 0.5 ? 1 : 0;
        double eta = B0 + BAge * age + BSex * sex + BSev * sev + BTeach * h.Teaching + (BTreat + h.U1) * treat + h.U0;
        return 1 / (1 + Math.Exp(-eta));
    }

    private static (double, double) NormalPair(Random random)
    {
        // Marsaglia's polar method: a different normal generator from the code under test.
        while (true)
        {
            double x = 2 * random.NextDouble() - 1, y = 2 * random.NextDouble() - 1;
            double s = x * x + y * y;
            if (s is > 0 and < 1)
            {
                double f = Math.Sqrt(-2 * Math.Log(s) / s);
                return (x * f, y * f);
            }
        }
    }
}
