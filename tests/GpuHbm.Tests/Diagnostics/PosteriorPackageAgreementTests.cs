using GpuHbm.Diagnostics;
using Xunit;

namespace GpuHbm.Tests.Diagnostics;

/// <summary>Every statistic of every reference case agrees with R's posterior 1.4.0 to 1e-6 relative.</summary>
public class PosteriorPackageAgreementTests
{
    private const double RelativeTolerance = 1e-6;

    public static TheoryData<string, string> CasesAndStatistics()
    {
        var data = new TheoryData<string, string>();
        foreach (var caseName in PosteriorReference.Cases)
            foreach (var statistic in PosteriorReference.Statistics)
                data.Add(caseName, statistic);
        return data;
    }

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var caseName in PosteriorReference.Cases) data.Add(caseName);
        return data;
    }

    [Theory]
    [MemberData(nameof(CasesAndStatistics))]
    public void Individual_function_matches_posterior(string caseName, string statistic)
    {
        var draws = PosteriorReference.Draws(caseName);
        double expected = PosteriorReference.Expected[caseName][statistic];
        double actual = Individual(draws, statistic);
        AssertRelative(expected, actual, caseName, statistic);
    }

    [Theory]
    [MemberData(nameof(CasesAndStatistics))]
    public void Summarize_matches_posterior(string caseName, string statistic)
    {
        var summary = ConvergenceDiagnostics.Summarize(PosteriorReference.Draws(caseName));
        double expected = PosteriorReference.Expected[caseName][statistic];
        AssertRelative(expected, FromSummary(summary, statistic), caseName, statistic);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Reference_case_shape_is_as_listed(string caseName)
    {
        var draws = PosteriorReference.Draws(caseName);
        Assert.Equal(PosteriorReference.Expected[caseName]["chains"], draws.Length);
        Assert.Equal(PosteriorReference.Expected[caseName]["iterations"], draws[0].Length);
    }

    private static void AssertRelative(double expected, double actual, string caseName, string statistic)
    {
        double error = Math.Abs(actual - expected) / Math.Abs(expected);
        Assert.True(error <= RelativeTolerance,
            $"{caseName} {statistic}: expected {expected:R}, got {actual:R} (relative error {error:E2})");
    }

    private static double Individual(double[][] x, string statistic) => statistic switch
    {
        "mean" => ConvergenceDiagnostics.Mean(x),
        "sd" => ConvergenceDiagnostics.Sd(x),
        "q05" => ConvergenceDiagnostics.Quantile(x, 0.05),
        "q50" => ConvergenceDiagnostics.Quantile(x, 0.5),
        "q95" => ConvergenceDiagnostics.Quantile(x, 0.95),
        "rhat" => ConvergenceDiagnostics.Rhat(x),
        "rhat_basic" => ConvergenceDiagnostics.RhatBasic(x),
        "ess_bulk" => ConvergenceDiagnostics.EssBulk(x),
        "ess_tail" => ConvergenceDiagnostics.EssTail(x),
        "ess_basic" => ConvergenceDiagnostics.EssBasic(x),
        "ess_mean" => ConvergenceDiagnostics.EssMean(x),
        "ess_sd" => ConvergenceDiagnostics.EssSd(x),
        "mcse_mean" => ConvergenceDiagnostics.McseMean(x),
        "mcse_sd" => ConvergenceDiagnostics.McseSd(x),
        "mcse_q05" => ConvergenceDiagnostics.McseQuantile(x, 0.05),
        "mcse_q95" => ConvergenceDiagnostics.McseQuantile(x, 0.95),
        _ => throw new ArgumentOutOfRangeException(nameof(statistic), statistic, null),
    };

    private static double FromSummary(VariableSummary s, string statistic) => statistic switch
    {
        "mean" => s.Mean,
        "sd" => s.Sd,
        "q05" => s.Q5,
        "q50" => s.Q50,
        "q95" => s.Q95,
        "rhat" => s.Rhat,
        "rhat_basic" => s.RhatBasic,
        "ess_bulk" => s.EssBulk,
        "ess_tail" => s.EssTail,
        "ess_basic" => s.EssBasic,
        "ess_mean" => s.EssMean,
        "ess_sd" => s.EssSd,
        "mcse_mean" => s.McseMean,
        "mcse_sd" => s.McseSd,
        "mcse_q05" => s.McseQ5,
        "mcse_q95" => s.McseQ95,
        _ => throw new ArgumentOutOfRangeException(nameof(statistic), statistic, null),
    };
}
