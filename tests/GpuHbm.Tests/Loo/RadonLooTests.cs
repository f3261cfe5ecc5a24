using System.Globalization;
using GpuHbm.Data;
using GpuHbm.Loo;
using GpuHbm.Tests.Posteriors;
using Xunit;

namespace GpuHbm.Tests.Loo;

/// <summary>
/// PSIS-LOO of the radon reference model from GpuHbm's own fit against R's loo on an rstan fit of the same
/// model and priors (benchmarks/peers/radon_loo.R: 4 chains × 5000 draws; numbers in fixtures/loo/radon_rstan_loo.csv):
/// elpd_loo within 0.5 (each side's Monte Carlo error is about 0.1 with 20,000 draws).
/// </summary>
[Trait("Category", "Slow")]
public class RadonLooTests(ITestOutputHelper log)
{
    [Fact]
    public void Elpd_loo_agrees_with_rstan_and_loo()
    {
        var reference = File.ReadAllLines(TestPaths.Fixture("loo/radon_rstan_loo.csv")).Skip(1).Select(l => l.Split(','))
            .ToDictionary(c => c[0].Trim('"'), c => (Estimate: double.Parse(c[1], CultureInfo.InvariantCulture), Se: c[2] == "NA" ? double.NaN : double.Parse(c[2], CultureInfo.InvariantCulture)));
        var fit = Glmm.Fit(ReferenceCases.RadonFormula, DataTable.ReadCsv(TestPaths.ExampleData("radon_mn.csv")),
            new FitOptions { Chains = 4, Warmup = 1000, Draws = 5000, Seed = 2, Priors = ReferenceCases.RadonPriors });
        var loo = PsisLoo.Of(fit);
        log.WriteLine(loo.ToText());
        log.WriteLine($"rstan + loo: elpd_loo {reference["elpd_loo"].Estimate:F2} (SE {reference["elpd_loo"].Se:F2}), p_loo {reference["p_loo"].Estimate:F2}");
        Assert.Equal(20000, loo.Draws);
        Assert.Equal(919, loo.Observations);
        Assert.InRange(loo.ElpdLoo.Estimate - reference["elpd_loo"].Estimate, -0.5, 0.5);
        Assert.InRange(loo.PLoo.Estimate - reference["p_loo"].Estimate, -0.5, 0.5);
        Assert.InRange(loo.ElpdLoo.Se / reference["elpd_loo"].Se, 0.95, 1.05);
    }
}
