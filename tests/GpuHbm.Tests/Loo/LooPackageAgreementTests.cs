using System.Globalization;
using GpuHbm.Loo;
using Xunit;

namespace GpuHbm.Tests.Loo;

/// <summary>
/// PSIS-LOO and WAIC against R's loo 2.5.1 on the fixture matrix (1000 draws × 60 observations, 4 chains
/// of 250, two outliers; tests/GpuHbm.Tests/fixtures/loo, from shared/reference/loo): every estimate and
/// SE, and every observation's Pareto k, n_eff, r_eff and elpd_loo, to 1e-6 relative.
/// </summary>
public class LooPackageAgreementTests
{
    private const double Tolerance = 1e-6;

    private static readonly Lazy<(double[][] Columns, LooResult Result)> Computed = new(() =>
    {
        var lines = File.ReadAllLines(TestPaths.Fixture("loo/loglik_normal.csv")).Skip(1).ToArray();
        int s = lines.Length, n = lines[0].Split(',').Length;
        var columns = new double[n][];
        for (int j = 0; j < n; j++) columns[j] = new double[s];
        for (int i = 0; i < s; i++)
        {
            var cells = lines[i].Split(',');
            for (int j = 0; j < n; j++) columns[j][i] = double.Parse(cells[j], CultureInfo.InvariantCulture);
        }
        var pointwise = columns.Select(c => PsisLoo.Observation(c, chains: 4)).ToArray();
        return (columns, new LooResult(pointwise, s));
    });

    private static void Close(double expected, double actual, string what)
    {
        double scale = Math.Max(Math.Abs(expected), 1e-300);
        Assert.True(Math.Abs(actual - expected) <= Tolerance * scale, $"{what}: expected {expected:R}, got {actual:R} (relative error {Math.Abs(actual - expected) / scale:E2})");
    }

    [Fact]
    public void Estimates_and_standard_errors_match_loo()
    {
        var r = Computed.Value.Result;
        var expected = File.ReadAllLines(TestPaths.Fixture("loo/expected_estimates.csv")).Skip(1)
            .Select(l => l.Split(',')).ToDictionary(c => c[0].Trim('"'), c => (double.Parse(c[1], CultureInfo.InvariantCulture), double.Parse(c[2], CultureInfo.InvariantCulture)));
        var ours = new Dictionary<string, LooEstimate>
        {
            ["elpd_loo"] = r.ElpdLoo, ["p_loo"] = r.PLoo, ["looic"] = r.Looic, ["elpd_waic"] = r.ElpdWaic, ["p_waic"] = r.PWaic, ["waic"] = r.Waic,
        };
        Assert.Equal(6, expected.Count);
        foreach (var (name, (estimate, se)) in expected)
        {
            Close(estimate, ours[name].Estimate, name);
            Close(se, ours[name].Se, "se_" + name);
        }
    }

    [Fact]
    public void Every_pareto_k_n_eff_r_eff_and_elpd_matches_loo()
    {
        var r = Computed.Value.Result;
        var rows = File.ReadAllLines(TestPaths.Fixture("loo/expected_pointwise.csv")).Skip(1).Select(l => l.Split(',')).ToArray();
        Assert.Equal(r.Observations, rows.Length);
        foreach (var c in rows)
        {
            int i = int.Parse(c[0], CultureInfo.InvariantCulture) - 1;
            double P(int k) => double.Parse(c[k], CultureInfo.InvariantCulture);
            var p = r.Pointwise[i];
            Close(P(1), p.ParetoK, $"pareto_k[{i + 1}]");
            Close(P(2), p.NEff, $"n_eff[{i + 1}]");
            Close(P(3), p.REff, $"r_eff[{i + 1}]");
            Close(P(4), p.ElpdLoo, $"elpd_loo[{i + 1}]");
        }
    }

    [Fact]
    public void Monte_carlo_se_and_p_loo_per_observation_match_loo()
    {
        var r = Computed.Value.Result;
        foreach (var c in File.ReadAllLines(TestPaths.Fixture("loo/expected_mcse.csv")).Skip(1).Select(l => l.Split(',')))
        {
            int i = int.Parse(c[0], CultureInfo.InvariantCulture) - 1;
            Close(double.Parse(c[1], CultureInfo.InvariantCulture), r.Pointwise[i].McseElpdLoo, $"mcse_elpd_loo[{i + 1}]");
            Close(double.Parse(c[2], CultureInfo.InvariantCulture), r.Pointwise[i].PLoo, $"p_loo[{i + 1}]");
        }
    }

    [Fact]
    public void Comparison_matches_loo_compare()
    {
        var (columns, first) = Computed.Value;
        var second = new LooResult(columns.Select(c => PsisLoo.Observation(c.Select(v => 1.1 * v - 0.05).ToArray(), chains: 4)).ToArray(), first.Draws);
        // Given in the other order: the ranking puts model1 (higher elpd_loo) first.
        var rows = LooComparison.Compare([("model2", second), ("model1", first)]);
        var expected = File.ReadAllLines(TestPaths.Fixture("loo/expected_compare.csv")).Skip(1).Select(l => l.Split(',')).ToArray();
        for (int m = 0; m < 2; m++)
        {
            Assert.Equal(expected[m][0].Trim('"'), rows[m].Model);
            double E(int k) => double.Parse(expected[m][k], CultureInfo.InvariantCulture);
            Assert.True(m == 0 ? rows[m].ElpdDiff == 0 && rows[m].SeDiff == 0 : true);
            if (m == 1)
            {
                Close(E(1), rows[m].ElpdDiff, "elpd_diff");
                Close(E(2), rows[m].SeDiff, "se_diff");
            }
            Close(E(3), rows[m].Loo.ElpdLoo.Estimate, "elpd_loo");
            Close(E(4), rows[m].Loo.ElpdLoo.Se, "se_elpd_loo");
        }
        Assert.Contains("elpd_diff", LooComparison.ToText(rows));
    }

    [Fact]
    public void Relative_efficiency_matches_loo_for_chain_lengths_its_fft_pads()
    {
        var columns = Computed.Value.Columns;
        foreach (var c in File.ReadAllLines(TestPaths.Fixture("loo/expected_reff_333.csv")).Skip(1).Select(l => l.Split(',')))
        {
            int i = int.Parse(c[0], CultureInfo.InvariantCulture) - 1;
            var chains = Enumerable.Range(0, 3).Select(k => columns[i].Skip(333 * k).Take(333).Select(Math.Exp).ToArray()).ToArray();
            Close(double.Parse(c[1], CultureInfo.InvariantCulture), RelativeEfficiency.Of(chains), $"r_eff[{i + 1}]");
        }
    }

    [Fact]
    public void Leave_one_group_out_on_summed_log_likelihoods_matches_loo()
    {
        var columns = Computed.Value.Columns;
        foreach (var c in File.ReadAllLines(TestPaths.Fixture("loo/expected_logo.csv")).Skip(1).Select(l => l.Split(',')))
        {
            int g = int.Parse(c[0], CultureInfo.InvariantCulture) - 1;
            var summed = Enumerable.Range(0, columns[0].Length).Select(s => columns[3 * g][s] + columns[3 * g + 1][s] + columns[3 * g + 2][s]).ToArray();
            var p = PsisLoo.Observation(summed, chains: 4);
            Close(double.Parse(c[1], CultureInfo.InvariantCulture), p.ElpdLoo, $"group elpd_loo[{g + 1}]");
            Close(double.Parse(c[2], CultureInfo.InvariantCulture), p.ParetoK, $"group pareto_k[{g + 1}]");
        }
    }

    [Fact]
    public void The_outliers_are_flagged()
    {
        var r = Computed.Value.Result;
        var ks = r.Pointwise.Select(p => p.ParetoK).ToArray();
        Assert.Equal(r.Observations, r.KCounts.Sum());
        Assert.Equal(ks.Count(k => k > 0.7), r.BadCount);
        if (r.BadCount > 0) Assert.Contains(r.Warnings, w => w.Contains("Pareto k above 0.7", StringComparison.Ordinal));
        Assert.Contains("elpd_loo", r.ToText());
    }
}
