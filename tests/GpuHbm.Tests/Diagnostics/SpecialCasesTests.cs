using GpuHbm.Diagnostics;
using Xunit;

namespace GpuHbm.Tests.Diagnostics;

/// <summary>Building blocks and the cases posterior answers with NA.</summary>
public class SpecialCasesTests
{
    [Theory]
    [InlineData(0.0, 1.0)]
    [InlineData(0.05, 1.15)]     // index 1 + 3·0.05 = 1.15
    [InlineData(0.5, 2.5)]
    [InlineData(0.95, 3.85)]
    [InlineData(1.0, 4.0)]
    public void Quantile_is_type_7(double p, double expected)
    {
        Assert.Equal(expected, SampleStatistics.Quantile([4, 1, 3, 2], p), 14);
    }

    [Fact]
    public void Ties_get_average_ranks()
    {
        Assert.Equal([3.5, 1, 3.5, 2], RankNormalization.AverageRanks([3, 1, 3, 2]));
    }

    [Fact]
    public void Normal_scores_use_Blom_offset()
    {
        // S = 3, c = 3/8: ranks 1..3 map to Φ⁻¹((r − 3/8)/(3 + 1/4)).
        var z = RankNormalization.NormalScores([10, 30, 20]);
        Assert.Equal(-Math.Round(z[1], 12), Math.Round(z[0], 12));
        Assert.Equal(0.0, z[2], 14);
        Assert.Equal(MathNet.Numerics.Distributions.Normal.InvCDF(0, 1, 0.625 / 3.25), z[0], 14);
    }

    [Fact]
    public void Odd_chains_drop_the_middle_iteration_when_split()
    {
        var split = DrawsMatrix.SplitChains([[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]);
        Assert.Equal(4, split.Length);
        Assert.Equal([0, 1], split[0]);
        Assert.Equal([5, 6], split[1]);
        Assert.Equal([3, 4], split[2]);
        Assert.Equal([8, 9], split[3]);
    }

    [Fact]
    public void Constant_draws_give_NaN_diagnostics_but_plain_summaries()
    {
        double[][] chains = [[2, 2, 2, 2, 2, 2], [2, 2, 2, 2, 2, 2]];
        var s = ConvergenceDiagnostics.Summarize(chains);
        Assert.Equal(2.0, s.Mean);
        Assert.Equal(0.0, s.Sd);
        Assert.Equal(2.0, s.Q50);
        foreach (double d in new[] { s.Rhat, s.RhatBasic, s.EssBulk, s.EssTail, s.EssBasic, s.EssMean, s.EssSd, s.McseMean, s.McseSd, s.McseQ5, s.McseQ95 })
            Assert.True(double.IsNaN(d));
    }

    [Fact]
    public void NaN_draw_gives_NaN()
    {
        double[][] chains = [[1, 2, 3, 4, 5, 6], [2, 3, double.NaN, 1, 0, 5]];
        var s = ConvergenceDiagnostics.Summarize(chains);
        Assert.True(double.IsNaN(s.Rhat));
        Assert.True(double.IsNaN(s.EssBulk));
        Assert.True(double.IsNaN(s.EssTail));
        Assert.True(double.IsNaN(ConvergenceDiagnostics.Rhat(chains)));
        Assert.True(double.IsNaN(ConvergenceDiagnostics.McseQuantile(chains, 0.05)));
        Assert.True(double.IsNaN(ConvergenceDiagnostics.Quantile(chains, 0.05)));
        Assert.True(double.IsNaN(s.Q95));
    }

    [Fact]
    public void Ess_needs_three_iterations_per_split_chain()
    {
        double[][] chains = [[1, 4, 2, 5, 3], [2, 0, 3, 1, 4]];   // split halves of length 2
        Assert.True(double.IsNaN(ConvergenceDiagnostics.EssBasic(chains)));
        Assert.False(double.IsNaN(ConvergenceDiagnostics.RhatBasic(chains)));
    }

    [Fact]
    public void Chains_of_unequal_length_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => ConvergenceDiagnostics.Summarize([[1, 2, 3], [1, 2]]));
        Assert.Throws<ArgumentException>(() => ConvergenceDiagnostics.Summarize([]));
    }

    [Fact]
    public void Summarize_equals_individual_functions()
    {
        var x = PosteriorReference.Draws("odd_length");
        var s = ConvergenceDiagnostics.Summarize(x);
        Assert.Equal(ConvergenceDiagnostics.Rhat(x), s.Rhat, 12);
        Assert.Equal(ConvergenceDiagnostics.EssTail(x), s.EssTail, 9);
        Assert.Equal(ConvergenceDiagnostics.McseQuantile(x, 0.95), s.McseQ95, 12);
        Assert.Equal(ConvergenceDiagnostics.McseSd(x), s.McseSd, 12);
    }
}
