using GpuHbm.Compute.Cpu;
using GpuHbm.Sampling;
using Xunit;

namespace GpuHbm.Tests.Sampling;

public class NutsTests
{
    private static (CpuChainEnsemble Ensemble, Nuts Nuts, NutsState State) Setup(GpuHbm.Models.IBatchedDensity density, int chains,
        int maxDepth = 10, ulong seed = 3, double start = 0.5)
    {
        var layout = new NutsLayout(maxDepth);
        var e = new CpuChainEnsemble(density, Enumerable.Range(0, chains).Select(c => (uint)c).ToArray(), layout.SlotCount, seed);
        var nuts = new Nuts(e, layout, maxDepth);
        var state = new NutsState(chains);
        var all = Enumerable.Repeat(true, chains).ToArray();
        for (int c = 0; c < chains; c++) e.WriteRow(layout.Position, c, Enumerable.Repeat(start, density.Dimension).ToArray());
        e.Evaluate(layout.Position, layout.Gradient, all, state.LogDensity);
        return (e, nuts, state);
    }

    [Fact]
    public void Tree_sizes_are_consistent_with_the_doubling_and_lp_matches_the_draw()
    {
        var density = IidNormalDensity.Standard(3);
        var (e, nuts, state) = Setup(density, 2);
        var reports = new NutsTransition[2];
        var row = new double[3];
        for (uint it = 0; it < 300; it++)
        {
            nuts.Transition(it, [0.3, 0.7], [true, true], state, reports);
            foreach (var r in reports)
            {
                // Completed trajectory: 2^depth − 1 steps; a rejected last subtree adds 1 … 2^depth steps.
                Assert.InRange(r.LeapfrogSteps, (1 << r.TreeDepth) - 1, (1 << (r.TreeDepth + 1)) - 1);
                Assert.InRange(r.AcceptStat, 0, 1);
                Assert.False(r.Divergent);
            }
            for (int c = 0; c < 2; c++)
            {
                e.ReadRow(nuts.Layout.Position, c, row);
                Assert.Equal(-0.5 * row.Sum(x => x * x), reports[c].LogDensity, 1e-12);
                Assert.Equal(reports[c].LogDensity, state.LogDensity[c]);
            }
        }
    }

    [Fact]
    public void Tiny_steps_saturate_the_maximum_depth()
    {
        var (_, nuts, state) = Setup(IidNormalDensity.Standard(2), 1, maxDepth: 4);
        var reports = new NutsTransition[1];
        nuts.Transition(0, [1e-3], [true], state, reports);
        Assert.Equal(4, reports[0].TreeDepth);
        Assert.Equal(15, reports[0].LeapfrogSteps);
        Assert.True(reports[0].AcceptStat > 0.999);
    }

    [Fact]
    public void Too_large_a_step_on_a_narrow_gaussian_diverges()
    {
        // σ = 0.01 and ε = 1: the leapfrog map is unstable (ε > 2σ) and the energy error explodes at the first step.
        var density = new IidNormalDensity([0.01, 0.01]);
        var (_, nuts, state) = Setup(density, 1, start: 0.01);
        var reports = new NutsTransition[1];
        nuts.Transition(0, [1.0], [true], state, reports);
        Assert.True(reports[0].Divergent);
        Assert.Equal(0, reports[0].TreeDepth);
        Assert.Equal(1, reports[0].LeapfrogSteps);
        Assert.Equal(0, reports[0].AcceptStat, 1e-12);
    }

    [Fact]
    public void Lockstep_ensemble_gives_the_same_draws_as_single_chain_ensembles()
    {
        var density = IidNormalDensity.Spread(6);
        var (e4, nuts4, state4) = Setup(density, 4, seed: 11);
        var singles = Enumerable.Range(0, 4).Select(c =>
        {
            var layout = new NutsLayout(10);
            var e = new CpuChainEnsemble(density, [(uint)c], layout.SlotCount, 11);
            e.WriteRow(layout.Position, 0, Enumerable.Repeat(0.5, 6).ToArray());
            var s = new NutsState(1);
            e.Evaluate(layout.Position, layout.Gradient, [true], s.LogDensity);
            return (e, new Nuts(e, layout, 10), s);
        }).ToArray();
        double[] steps = [0.05, 0.2, 0.4, 0.9];
        var reports4 = new NutsTransition[4];
        var report1 = new NutsTransition[1];
        var a = new double[6];
        var b = new double[6];
        // Chain 2 skips odd iterations in the ensemble (masked off) and in its single run.
        for (uint it = 0; it < 40; it++)
        {
            bool[] active = [true, true, it % 2 == 0, true];
            nuts4.Transition(it, steps, active, state4, reports4);
            for (int c = 0; c < 4; c++)
            {
                if (!active[c]) continue;
                var (e1, n1, s1) = singles[c];
                n1.Transition(it, [steps[c]], [true], s1, report1);
                Assert.Equal(report1[0], reports4[c]);
                e1.ReadRow(n1.Layout.Position, 0, a);
                e4.ReadRow(nuts4.Layout.Position, c, b);
                Assert.Equal(a, b);
            }
        }
    }
}
