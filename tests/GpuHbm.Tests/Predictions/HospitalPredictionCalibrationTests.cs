using System.Globalization;
using GpuHbm.Data;
using GpuHbm.Data.Simulation;
using GpuHbm.Predictions;
using GpuHbm.Results;
using Xunit;

namespace GpuHbm.Tests.Predictions;

/// <summary>
/// Predictions on simulated hospital data (`gpuhbm simulate hospitals`, known truth): a model fitted without a
/// quarter of the hospitals predicts their patients with calibrated 90 % intervals (new levels drawn from the
/// fitted population), and the population-averaged treatment effect recovers the one computed from the true
/// parameters by simulation.
/// </summary>
[Trait("Category", "Slow")]
public class HospitalPredictionCalibrationTests(ITestOutputHelper log)
{
    private const int Hospitals = 600, Patients = 12_000;

    private static readonly Lazy<(DataTable Fitted, DataTable HeldOut, Fit Fit)> Setup = new(() =>
    {
        var sim = new HospitalSimulation(new HospitalSimulationOptions(Patients: Patients, Hospitals: Hospitals, Seed: 5));
        var csv = new StringWriter(CultureInfo.InvariantCulture);
        sim.WriteCsv(csv);
        var all = DataTable.ReadCsv(new StringReader(csv.ToString()), "simulated hospitals");
        var hospital = all["hospital"].Raw;
        // Every fourth hospital is held out: 150 hospitals the fit never sees.
        var heldOut = Enumerable.Range(0, all.RowCount).Where(i => int.Parse(hospital[i]![1..], CultureInfo.InvariantCulture) % 4 == 0).ToArray();
        var kept = Enumerable.Range(0, all.RowCount).Except(heldOut).ToArray();
        var fitted = all.SelectRows(kept);
        var fit = Glmm.Fit(HospitalSimulation.Formula, fitted, new FitOptions
        {
            Family = HospitalSimulation.Family, Backend = "cpu", Chains = 4, Warmup = 500, Draws = 500, Seed = 17,
        });
        return (fitted, all.SelectRows(heldOut), fit);
    });

    [Fact]
    public void Ninety_percent_predictive_intervals_for_new_hospitals_cover_ninety_percent()
    {
        var (_, heldOut, fit) = Setup.Value;
        var rows = PredictionRows.FromData(fit.Model, heldOut);
        Assert.Equal(Hospitals / 4, rows.NewLevels[0].Count);
        var engine = new PosteriorPredictor(fit, rows, new PredictionOptions { NewLevels = NewLevelMode.Sample, Seed = 99 });
        int n = rows.Count, draws = engine.DrawCount, h = rows.NewLevels[0].Count;
        var y = heldOut["y"].Numeric();
        var level = rows.Terms[0].Level;
        int j = fit.Model.RandomTerms[0].LevelCount;

        // Posterior predictive draws of each patient, and of each held-out hospital's event count.
        var below = new double[n];     // P(y_rep < y) per patient
        var equal = new double[n];     // P(y_rep = y)
        var counts = new double[h * draws];
        engine.ForEachBatch(PredictionScale.PosteriorPredictive, batch =>
        {
            for (int d = 0; d < batch.DrawCount; d++)
                for (int i = 0; i < batch.RowCount; i++)
                {
                    int row = batch.FirstRow + i;
                    double v = batch[d, i];
                    if (v < y[row]) below[row]++;
                    else if (v == y[row]) equal[row]++;
                    counts[(level[row] - j) * draws + batch.FirstDraw + d] += v;
                }
        });

        // Randomized PIT (Czado, Gneiting and Held 2009): u = P(y_rep < y) + V·P(y_rep = y), V ~ U(0, 1), is uniform
        // under a calibrated predictive distribution even for discrete y; the central 90 % interval covers y when
        // 0.05 ≤ u ≤ 0.95, with probability exactly 0.9.
        var random = new Random(123);
        bool Covered(double pBelow, double pEqual) { double u = pBelow + random.NextDouble() * pEqual; return u >= 0.05 && u <= 0.95; }

        // Hospitals: independent units, so the count covered is Binomial(H, 0.9): 3-sigma tolerance.
        var observedCounts = new double[h];
        for (int i = 0; i < n; i++) observedCounts[level[i] - j] += y[i];
        int hospitalsCovered = 0;
        for (int k = 0; k < h; k++)
        {
            var c = counts.AsSpan(k * draws, draws);
            double lt = 0, eq = 0;
            foreach (var v in c) { if (v < observedCounts[k]) lt++; else if (v == observedCounts[k]) eq++; }
            if (Covered(lt / draws, eq / draws)) hospitalsCovered++;
        }
        double hospitalTolerance = 3 * Math.Sqrt(0.9 * 0.1 / h);
        log.WriteLine($"hospital event counts: {hospitalsCovered} of {h} covered ({(double)hospitalsCovered / h:P1}); tolerance ±{hospitalTolerance:P1}");
        Assert.InRange((double)hospitalsCovered / h, 0.9 - hospitalTolerance, 0.9 + hospitalTolerance);

        // Patients: coverage of their own outcomes; patients of one hospital share its effect, so the tolerance is the
        // binomial one inflated by the design effect estimated from the per-hospital coverage counts (cluster-robust SE).
        var coveredPerHospital = new double[h];
        var patientsPerHospital = new double[h];
        for (int i = 0; i < n; i++)
        {
            if (Covered(below[i] / draws, equal[i] / draws)) coveredPerHospital[level[i] - j]++;
            patientsPerHospital[level[i] - j]++;
        }
        double coverage = coveredPerHospital.Sum() / n;
        double robustSe = Math.Sqrt(Enumerable.Range(0, h).Sum(k => Math.Pow(coveredPerHospital[k] - coverage * patientsPerHospital[k], 2))) / n;
        double binomialSe = Math.Sqrt(0.9 * 0.1 / n);
        log.WriteLine($"patients: {coverage:P2} of {n} covered; binomial SE {binomialSe:P2}, cluster-robust SE {robustSe:P2}");
        Assert.InRange(coverage, 0.9 - 3 * Math.Max(binomialSe, robustSe), 0.9 + 3 * Math.Max(binomialSe, robustSe));
    }

    [Fact]
    public void Population_averaged_treatment_effect_recovers_the_true_one()
    {
        var (fitted, _, fit) = Setup.Value;
        var effect = MarginalEffects.Average(fit, new EffectOptions
        {
            Variable = "treat", From = "0", To = "1", Averagings = [EffectAveraging.PopulationAveraged, EffectAveraging.Typical], Probabilities = [0.005, 0.5, 0.995],
        });

        // Truth: the true coefficients, hospital effects (u0, u1) ~ N(0, Σ) by Monte Carlo (400 draws per patient, an
        // independent generator), each fitted patient's covariates and hospital's teaching status, treat set to 1 and 0.
        var t = SimulatedTruth.Default;
        var x = new[] { "age_std", "sex", "severity", "teaching" }.Select(c => fitted[c].Numeric()).ToArray();
        double[] b = [t.AgeStd, t.Sex, t.Severity, t.Teaching];
        var normal = new MathNet.Numerics.Distributions.Normal(0, 1, new Random(2024));
        double sum1 = 0, sum0 = 0;
        const int mc = 400;
        for (int i = 0; i < fitted.RowCount; i++)
        {
            double eta = t.Intercept;
            for (int q = 0; q < 4; q++) eta += b[q] * x[q][i];
            for (int m = 0; m < mc; m++)
            {
                double e1 = normal.Sample(), e2 = normal.Sample();
                double u0 = t.SdIntercept * e1, u1 = t.SdTreat * (t.CorInterceptTreat * e1 + Math.Sqrt(1 - t.CorInterceptTreat * t.CorInterceptTreat) * e2);
                sum1 += 1 / (1 + Math.Exp(-(eta + u0 + t.Treat + u1)));
                sum0 += 1 / (1 + Math.Exp(-(eta + u0)));
            }
        }
        double p1 = sum1 / (fitted.RowCount * mc), p0 = sum0 / (fitted.RowCount * mc);
        double trueDifference = p1 - p0, trueOddsRatio = p1 / (1 - p1) / (p0 / (1 - p0));
        log.WriteLine(effect.ToText());
        log.WriteLine($"truth: population-averaged difference {trueDifference:F4}, marginal odds ratio {trueOddsRatio:F4}, conditional odds ratio {Math.Exp(t.Treat):F4}");

        var difference = effect[EffectAveraging.PopulationAveraged, "difference"];
        var oddsRatio = effect[EffectAveraging.PopulationAveraged, "odds ratio"];
        Assert.InRange(trueDifference, difference.Quantiles[0], difference.Quantiles[2]);
        Assert.InRange(trueOddsRatio, oddsRatio.Quantiles[0], oddsRatio.Quantiles[2]);
        var conditional = effect[EffectAveraging.Typical, "conditional odds ratio"];
        Assert.InRange(Math.Exp(t.Treat), conditional.Quantiles[0], conditional.Quantiles[2]);
        // Non-collapsibility in the truth itself: the marginal odds ratio lies closer to 1 than exp(b_treat).
        Assert.True(Math.Abs(Math.Log(trueOddsRatio)) < Math.Abs(t.Treat));
    }
}
