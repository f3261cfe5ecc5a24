using GpuHbm.Compute.Cpu;
using GpuHbm.Kernels;
using GpuHbm.Models;
using GpuHbm.Sampling;
using Xunit;

namespace GpuHbm.Tests.Sampling;

/// <summary>
/// Cross-checks the iterative <see cref="Nuts"/> against a direct transcription of Stan's recursive
/// base_nuts::transition / build_tree (Stan ≥ 2.26, with the extra U-turn checks across merged subtrees).
/// Given the same initial momentum and the same directions, the trajectory — hence tree depth,
/// n_leapfrog, divergence and accept_stat — does not depend on the multinomial choices, so they must agree.
/// </summary>
public class RecursiveNutsReferenceTests
{
    [Theory]
    [InlineData(0.99, 0.05, 10)]
    [InlineData(0.99, 0.3, 10)]
    [InlineData(0.5, 0.9, 10)]
    [InlineData(0.99, 0.02, 6)]
    public void Iterative_tree_matches_Stans_recursion_on_a_correlated_normal(double rho, double step, int maxDepth) =>
        Compare(new CorrelatedNormal2D(rho), step, maxDepth, 150);

    [Fact]
    public void Iterative_tree_matches_Stans_recursion_on_scaled_normals_with_divergences() =>
        Compare(IidNormalDensity.Spread(7), 0.205, 10, 150, expectDivergences: true);

    private static void Compare(IBatchedDensity density, double step, int maxDepth, int iterations, bool expectDivergences = false)
    {
        const ulong seed = 4242;
        int d = density.Dimension;
        var layout = new NutsLayout(maxDepth);
        using var e = new CpuChainEnsemble(density, [3u], layout.SlotCount, seed);
        var nuts = new Nuts(e, layout, maxDepth);
        var state = new NutsState(1);
        e.WriteRow(layout.Position, 0, Enumerable.Range(0, d).Select(i => 0.3 - 0.1 * i).ToArray());
        e.Evaluate(layout.Position, layout.Gradient, [true], state.LogDensity);
        var reports = new NutsTransition[1];
        var q = new double[d];
        int divergences = 0, depthSum = 0;
        for (uint it = 0; it < iterations; it++)
        {
            e.ReadRow(layout.Position, 0, q);
            var reference = new StanRecursiveNuts(density, seed, 3, it, step, maxDepth).Transition(q);
            nuts.Transition(it, [step], [true], state, reports);
            var r = reports[0];
            Assert.Equal(reference.Depth, r.TreeDepth);
            Assert.Equal(reference.Leapfrogs, r.LeapfrogSteps);
            Assert.Equal(reference.Divergent, r.Divergent);
            Assert.Equal(reference.AcceptStat, r.AcceptStat, 1e-12);
            divergences += r.Divergent ? 1 : 0;
            depthSum += r.TreeDepth;
        }
        if (expectDivergences) Assert.InRange(divergences, 1, iterations - 1);
        Assert.True(depthSum > iterations, "trees should be non-trivial");
    }

    /// <summary>Stan's base_nuts, recursive, unit metric; multinomial choices from System.Random (they do not affect what is compared).</summary>
    private sealed class StanRecursiveNuts(IBatchedDensity density, ulong seed, uint chain, uint iteration, double epsilon, int maxDepth)
    {
        private readonly int _d = density.Dimension;
        private readonly Random _rng = new(17);
        private readonly double[] _ones = Enumerable.Repeat(1.0, density.Dimension).ToArray();
        private double[] _q = [], _p = [], _g = [];
        private double _lp;
        private bool _divergent;

        public (int Depth, int Leapfrogs, bool Divergent, double AcceptStat) Transition(double[] q0)
        {
            _q = (double[])q0.Clone();
            _g = new double[_d];
            var lp = new double[1];
            density.Evaluate(_q, lp, _g, 1);
            _lp = lp[0];
            _p = new double[_d];
            Philox.Normals(seed, chain, iteration, RandomPurpose.Momentum, _p);

            var zFwd = Save(); var zBck = Save();
            double[] pFwdFwd = (double[])_p.Clone(), pFwdBck = (double[])_p.Clone(), pBckFwd = (double[])_p.Clone(), pBckBck = (double[])_p.Clone();
            double[] rho = (double[])_p.Clone();
            double logSumWeight = 0, h0 = H(), sumMetro = 0;
            int nLeapfrog = 0, depth = 0;
            _divergent = false;
            while (depth < maxDepth)
            {
                var rhoFwd = new double[_d]; var rhoBck = new double[_d];
                bool valid;
                double lswSubtree = double.NegativeInfinity;
                if (Philox.Uniform(seed, chain, iteration, RandomPurpose.TreeDirection, (uint)depth) > 0.5)
                {
                    Restore(zFwd);
                    rhoBck = (double[])rho.Clone(); pBckFwd = (double[])pFwdFwd.Clone();
                    valid = BuildTree(depth, pFwdBck, pFwdFwd, rhoFwd, h0, 1, ref nLeapfrog, ref lswSubtree, ref sumMetro);
                    zFwd = Save();
                }
                else
                {
                    Restore(zBck);
                    rhoFwd = (double[])rho.Clone(); pFwdBck = (double[])pBckBck.Clone();
                    valid = BuildTree(depth, pBckFwd, pBckBck, rhoBck, h0, -1, ref nLeapfrog, ref lswSubtree, ref sumMetro);
                    zBck = Save();
                }
                if (!valid) break;
                ++depth;
                logSumWeight = Nuts.LogSumExp(logSumWeight, lswSubtree);
                rho = Add(rhoBck, rhoFwd);
                bool persist = Criterion(pBckBck, pFwdFwd, rho);
                persist &= Criterion(pBckBck, pFwdBck, Add(rhoBck, pFwdBck));
                persist &= Criterion(pBckFwd, pFwdFwd, Add(rhoFwd, pBckFwd));
                if (!persist) break;
            }
            return (depth, nLeapfrog, _divergent, sumMetro / nLeapfrog);
        }

        private bool BuildTree(int depth, double[] pBeg, double[] pEnd, double[] rho, double h0, int sign,
            ref int nLeapfrog, ref double logSumWeight, ref double sumMetro)
        {
            if (depth == 0)
            {
                _lp = LeapfrogIntegrator.Step(density, _q, _p, _g, _ones, sign * epsilon);
                ++nLeapfrog;
                double h = H();
                if (double.IsNaN(h)) h = double.PositiveInfinity;
                if (h - h0 > 1000) _divergent = true;
                logSumWeight = Nuts.LogSumExp(logSumWeight, h0 - h);
                sumMetro += h0 - h > 0 ? 1 : Math.Exp(h0 - h);
                for (int i = 0; i < _d; i++) rho[i] += _p[i];
                _p.CopyTo(pBeg, 0);
                _p.CopyTo(pEnd, 0);
                return !_divergent;
            }
            double lswInit = double.NegativeInfinity;
            var pInitEnd = new double[_d];
            var rhoInit = new double[_d];
            if (!BuildTree(depth - 1, pBeg, pInitEnd, rhoInit, h0, sign, ref nLeapfrog, ref lswInit, ref sumMetro)) return false;
            double lswFinal = double.NegativeInfinity;
            var pFinalBeg = new double[_d];
            var rhoFinal = new double[_d];
            if (!BuildTree(depth - 1, pFinalBeg, pEnd, rhoFinal, h0, sign, ref nLeapfrog, ref lswFinal, ref sumMetro)) return false;
            double lswSubtree = Nuts.LogSumExp(lswInit, lswFinal);
            logSumWeight = Nuts.LogSumExp(logSumWeight, lswSubtree);
            _ = _rng.NextDouble() < Math.Exp(lswFinal - lswSubtree); // the proposal choice (not compared)
            var rhoSubtree = Add(rhoInit, rhoFinal);
            for (int i = 0; i < _d; i++) rho[i] += rhoSubtree[i];
            bool persist = Criterion(pBeg, pEnd, rhoSubtree);
            persist &= Criterion(pBeg, pFinalBeg, Add(rhoInit, pFinalBeg));
            persist &= Criterion(pInitEnd, pEnd, Add(rhoFinal, pInitEnd));
            return persist;
        }

        private static bool Criterion(double[] pSharpMinus, double[] pSharpPlus, double[] rho) =>
            Dot(pSharpPlus, rho) > 0 && Dot(pSharpMinus, rho) > 0;

        private static double Dot(double[] a, double[] b) { double s = 0; for (int i = 0; i < a.Length; i++) s += a[i] * b[i]; return s; }
        private static double[] Add(double[] a, double[] b) => a.Select((x, i) => x + b[i]).ToArray();
        private double H() => -_lp + DiagonalMetric.KineticEnergy(_p, _ones);
        private (double[] Q, double[] P, double[] G, double Lp) Save() => ((double[])_q.Clone(), (double[])_p.Clone(), (double[])_g.Clone(), _lp);
        private void Restore((double[] Q, double[] P, double[] G, double Lp) z) { _q = (double[])z.Q.Clone(); _p = (double[])z.P.Clone(); _g = (double[])z.G.Clone(); _lp = z.Lp; }
    }
}
