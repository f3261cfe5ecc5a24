using GpuHbm.Estimands;
using Xunit;

namespace GpuHbm.Tests.Estimands;

/// <summary>The profiling arithmetic on an engine whose row means are known in closed form.</summary>
public class HospitalProfileTests
{
    // Three hospitals (rows interleaved); with its own effect every row of hospital h in draw s has mean
    // q(h, s); at an average hospital every row has mean 0.2. So P/E = q(h, s) / 0.2 exactly.
    private static readonly int[] Hospital = [0, 1, 2, 0, 1, 2, 0, 0, 1, 2, 2, 2];
    private static readonly double[] Events = [1, 0, 0, 0, 1, 1, 0, 1, 0, 0, 1, 0];
    private static double Q(int h, int s) => 0.1 + 0.05 * h + 0.001 * ((s * 7 + h * 3) % 11) + (h == 2 && s % 4 == 0 ? 0.2 : 0);

    private static HospitalProfile Profile(int chunk, double margin = 0.1) =>
        HospitalProfile.Compute(new HospitalProfileOptions { Group = "hospital", Margin = margin, FlagProbability = 0.8, RowChunk = chunk },
            ["A", "B", "C"], Hospital, Events, ReadOnlySpan<double>.Empty, Enumerable.Range(0, 40).ToArray(),
            (with, draw, first, count, output) =>
            {
                for (int i = 0; i < count; i++) output[i] = with ? Q(Hospital[first + i], draw) : 0.2;
            });

    [Fact]
    public void Rates_are_predicted_over_expected_times_the_overall_rate()
    {
        var p = Profile(chunk: 5);
        Assert.Equal(5.0 / 12, p.OverallRate, 14);
        for (int h = 0; h < 3; h++)
        {
            var ratios = Enumerable.Range(0, 40).Select(s => Q(h, s) / 0.2).ToArray();
            var row = p.Hospitals[h];
            Assert.Equal(ratios.Average(), row.Ratio.Mean, 12);
            Assert.Equal(ratios.Average() * 5.0 / 12, row.Rate.Mean, 12);
            Assert.Equal(ratios.Count(r => r > 1.1) / 40.0, row.ProbabilityAbove, 14);
            Assert.Equal(ratios.Count(r => r < 0.9) / 40.0, row.ProbabilityBelow, 14);
            Assert.Equal(row.ProbabilityAbove >= 0.8, row.FlaggedAbove);
            Assert.Equal(Hospital.Count(x => x == h), row.Patients);
        }
        // A (ratio ≈ 0.5-0.55) is always lowest; C is highest: ranks 1 and 3 in every draw.
        Assert.All(p.RankDraws(0), r => Assert.Equal(1, r));
        Assert.All(p.RankDraws(2), r => Assert.Equal(3, r));
        Assert.Equal(1.0, p.RankDistribution(1)[1], 12);
        Assert.True(p.Hospitals[0].FlaggedBelow);
    }

    [Fact]
    public void Batching_the_rows_does_not_change_anything()
    {
        var a = Profile(chunk: 1);
        var b = Profile(chunk: 1000);
        for (int h = 0; h < 3; h++)
        {
            Assert.Equal(a.Hospitals[h].Rate.Mean, b.Hospitals[h].Rate.Mean, 15);
            Assert.Equal(a.Hospitals[h].Rate.Upper, b.Hospitals[h].Rate.Upper, 15);
            Assert.Equal(a.RankDraws(h), b.RankDraws(h));
        }
    }

    [Fact]
    public void Bad_options_are_named()
    {
        Assert.Contains("margin", Assert.Throws<GpuHbmException>(() => Profile(1, margin: 1.5)).Message);
        Assert.Equal([0, 250, 500, 750], HospitalProfile.SelectDraws(1000, 4));
        Assert.Equal(10, HospitalProfile.SelectDraws(10, 100).Length);
    }
}
