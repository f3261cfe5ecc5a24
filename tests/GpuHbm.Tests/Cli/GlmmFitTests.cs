using GpuHbm.Data;
using Xunit;

namespace GpuHbm.Tests.Cli;

/// <summary>The library API end to end: cancellation keeps draws; options are validated.</summary>
public class GlmmFitTests
{
    [Fact]
    public void Cancelling_keeps_the_draws_made_so_far()
    {
        var data = DataTable.ReadCsv(TestPaths.ExampleData("radon_mn.csv"));
        using var cts = new CancellationTokenSource();
        var progress = new CancelAfterSampling(cts, iteration: 1100);
        var fit = Glmm.Fit("log_radon ~ 1 + floor + (1 + floor || county)", data,
            new FitOptions { Chains = 2, Warmup = 1000, Draws = 100000, Seed = 5, Progress = progress }, cts.Token);
        Assert.True(fit.StoppedEarly);
        Assert.InRange(fit.Draws.CommonDrawCount, 1, 99_999);
        Assert.Equal(fit.Draws.TotalDrawCount, fit.Statistics.Sum(s => s.Count));
    }

    private sealed class CancelAfterSampling(CancellationTokenSource cts, int iteration) : IProgress<GpuHbm.Sampling.ChainProgress>
    {
        public void Report(GpuHbm.Sampling.ChainProgress value)
        {
            if (value.Iteration >= iteration) cts.Cancel();
        }
    }

    [Theory]
    [InlineData(0, 100, 100, 0.8, "chains")]
    [InlineData(1, 100, 0, 0.8, "draws")]
    [InlineData(1, 100, 100, 1.0, "adapt-delta")]
    public void Bad_options_are_named(int chains, int warmup, int draws, double delta, string expected)
    {
        var data = DataTable.FromColumns(("y", [1.0, 2.0, 3.0]));
        var e = Assert.ThrowsAny<GpuHbmException>(() => Glmm.Fit("y ~ 1", data,
            new FitOptions { Chains = chains, Warmup = warmup, Draws = draws, AdaptDelta = delta }));
        Assert.Contains(expected, e.Message);
    }
}
