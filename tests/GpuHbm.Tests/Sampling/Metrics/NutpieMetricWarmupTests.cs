using GpuHbm.Sampling.Metrics;
using Xunit;

namespace GpuHbm.Tests.Sampling.Metrics;

/// <summary>nutpie's window schedule, worked out by hand from nuts-rs's GlobalStrategy::adapt for 1000 warm-up draws.</summary>
public class NutpieMetricWarmupTests
{
    [Fact]
    public void Switches_and_updates_follow_nuts_rs_for_1000_warmup_draws()
    {
        // early_end = 300, final window from 850. Early: the initial point plus draws 0 … 8 fill the first background of
        // 10, so switches come at 8, 18, …, 298. At 300 the window is max(80, 1 draw in the background) = 80: the
        // background (draws 299 …) reaches 80 at 378; the next window is max(81, round(1.5·80)) = 120 and 120 + 378 ≤ 850,
        // so it switches, then at 498 (window 120 → 180, 180 + 498 ≤ 850); at 678 the next window of 270 would end past
        // 850, so there is no further switch and the foreground keeps growing until 849.
        var warmup = new NutpieMetricWarmup(2, 1000, () => new DrawGradientDiagonalEstimator(2));
        Assert.Equal(300, warmup.EarlyEnd);
        Assert.Equal(850, warmup.FinalStart);
        warmup.Initialize([0.5, -0.5], [-0.5, 0.5]);
        var switches = new List<int>();
        var updates = new List<int>();
        var restarts = new List<int>();
        for (int t = 0; t < 1000; t++)
        {
            int before = warmup.Switches;
            double x = Math.Sin(t + 1.0), y = Math.Cos(3.0 * t);
            Assert.Equal(t < 850, warmup.Collects(t));
            var step = warmup.Update(t, [x, y], [-x, -y / 4], moved: true);
            if (warmup.Switches > before) switches.Add(t);
            if (step.Metric is not null) updates.Add(t);
            if (step.RestartStepSize) restarts.Add(t);
        }
        var expected = Enumerable.Range(0, 30).Select(k => 8 + 10 * k).Concat([378, 498]).ToArray();
        Assert.Equal(expected, switches);
        Assert.Equal([1], restarts); // the first change (3 draws: the initial point, draws 0 and 1)
        Assert.Equal(Enumerable.Range(1, 849), updates); // after every draw until the final window
    }

    [Fact]
    public void Draws_that_did_not_move_are_skipped()
    {
        var warmup = new NutpieMetricWarmup(1, 100, () => new DrawGradientDiagonalEstimator(1));
        warmup.Initialize([1.0], [-1.0]);
        Assert.Null(warmup.Update(0, [2.0], [-2.0], moved: false).Metric);
        Assert.Null(warmup.Update(1, [2.0], [-2.0], moved: true).Metric); // two draws so far
        Assert.NotNull(warmup.Update(2, [3.0], [-3.0], moved: true).Metric);
    }

    [Fact]
    public void Low_rank_reestimates_every_few_draws_once_the_foreground_is_large()
    {
        var warmup = new NutpieMetricWarmup(1, 1000, () => new DrawGradientDiagonalEstimator(1), updateInterval: 10);
        warmup.Initialize([1.0], [-1.0]);
        var updates = new List<int>();
        for (int t = 0; t < 850; t++)
            if (warmup.Update(t, [Math.Sin(t)], [-Math.Sin(t)], true).Metric is not null) updates.Add(t);
        // Every draw while the foreground holds ≤ 20 draws (the whole early phase), then at switches and every
        // max(10, n/10) draws for a foreground of n draws (n reaches 471 at the end: draws 379 … 849).
        Assert.Equal(Enumerable.Range(1, 308), updates.Where(t => t <= 308));
        Assert.Contains(378, updates);
        Assert.Contains(498, updates);
        var main = updates.Where(t => t >= 308).ToArray();
        for (int k = 1; k < main.Length; k++)
            if (main[k] is not (378 or 498)) Assert.InRange(main[k] - main[k - 1], 10, 48);
        Assert.InRange(main.Length, 25, 50);
    }
}
