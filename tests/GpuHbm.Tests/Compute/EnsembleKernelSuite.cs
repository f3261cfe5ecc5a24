using GpuHbm.Compute;
using GpuHbm.Kernels;
using GpuHbm.Sampling;
using Xunit;

namespace GpuHbm.Tests.Compute;

/// <summary>
/// kernels/ensemble.cl against plain C# loops (<see cref="EnsembleReference"/>) and against
/// <see cref="Philox"/>, on random inputs. Each backend's test class exposes these as facts.
/// </summary>
public abstract class EnsembleKernelSuite(ITestOutputHelper output)
{
    protected ITestOutputHelper Output { get; } = output;

    protected abstract Accelerator Accelerator { get; }

    protected void Philox_blocks_equal_the_CSharp_generator_bit_for_bit()
    {
        var rng = new Random(11);
        const int n = 4099;
        var input = new uint[6 * n];
        for (int i = 0; i < input.Length; i++) input[i] = (uint)rng.NextInt64(0, 1L << 32);
        input[0] = input[1] = input[2] = input[3] = input[4] = input[5] = 0; // Random123 known answer 6627e8d5 ...
        var kernels = new EnsembleKernels(Accelerator, 1, 1);
        using var dIn = Accelerator.Allocate<uint>(input);
        using var dOut = Accelerator.Allocate<uint>(4 * n);
        kernels.PhiloxBlocks(n, dIn, dOut);
        var got = dOut.ToArray();
        Assert.Equal((0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u), (got[0], got[1], got[2], got[3]));
        for (int i = 0; i < n; i++)
        {
            var e = Philox.Block(input[6 * i], input[6 * i + 1], input[6 * i + 2], input[6 * i + 3], input[6 * i + 4], input[6 * i + 5]);
            Assert.Equal(e, (got[4 * i], got[4 * i + 1], got[4 * i + 2], got[4 * i + 3]));
        }
    }

    protected void Chain_uniforms_equal_Philox_uniforms_bit_for_bit()
    {
        var rng = new Random(12);
        const int chains = 300;
        var kernels = new EnsembleKernels(Accelerator, chains, 3);
        using var u = Accelerator.Allocate<double>(chains);
        for (int trial = 0; trial < 4; trial++)
        {
            ulong seed = (ulong)rng.NextInt64();
            uint iteration = (uint)rng.Next(), index = (uint)rng.Next(0, 8), first = (uint)rng.Next(0, 1 << 20);
            var purpose = (RandomPurpose)rng.Next(1, 7);
            kernels.ChainUniforms(u, seed, iteration, purpose, index, first);
            var got = u.ToArray();
            for (int c = 0; c < chains; c++)
                Assert.Equal(Philox.Uniforms(seed, first + (uint)c, iteration, purpose, index).U0, got[c]);
        }
    }

    protected void Momentum_draws_equal_sqrt_mass_times_Philox_normals()
    {
        var rng = new Random(13);
        long worstUlps = 0;
        foreach (var (chains, dimension, perChain) in new[] { (7, 13, false), (5, 64, true), (1, 1, false), (33, 2, true) })
        {
            var kernels = new EnsembleKernels(Accelerator, chains, dimension);
            double[] mass = Tolerance.RandomDoubles(rng, perChain ? chains * dimension : dimension, 0.01, 100);
            ulong seed = (ulong)rng.NextInt64();
            uint iteration = (uint)rng.Next(), first = (uint)rng.Next(0, 1 << 16);
            using var dMass = Accelerator.Allocate<double>(mass);
            using var p = Accelerator.Allocate<double>(chains * dimension);
            kernels.DrawMomentum(p, dMass, seed, iteration, first);
            var got = p.ToArray();
            var expected = EnsembleReference.MomentumDraw(chains, dimension, mass, seed, iteration, first);
            for (int i = 0; i < got.Length; i++) worstUlps = Math.Max(worstUlps, Tolerance.Ulps(expected[i], got[i]));
            Tolerance.AllClose(expected, got, 1e-15, $"p ({chains}x{dimension})");
        }
        Output.WriteLine($"momentum draw: worst difference {worstUlps} ulp");
    }

    protected void Position_and_momentum_steps_equal_the_CSharp_loops()
    {
        var rng = new Random(14);
        foreach (var (chains, dimension, perChain) in new[] { (9, 37, false), (4, 300, true), (1, 1, true) })
        {
            int n = chains * dimension;
            var kernels = new EnsembleKernels(Accelerator, chains, dimension);
            double[] q = Tolerance.RandomDoubles(rng, n, -5, 5), p = Tolerance.RandomDoubles(rng, n, -3, 3), g = Tolerance.RandomDoubles(rng, n, -10, 10);
            double[] minv = Tolerance.RandomDoubles(rng, perChain ? n : dimension, 0.1, 10);
            double[] eps = Tolerance.RandomDoubles(rng, chains, 0.001, 0.5);
            int[] active = Enumerable.Range(0, chains).Select(c => chains == 1 ? 1 : rng.Next(2)).ToArray();
            using var dq = Accelerator.Allocate<double>(q);
            using var dp = Accelerator.Allocate<double>(p);
            using var dg = Accelerator.Allocate<double>(g);
            using var dMinv = Accelerator.Allocate<double>(minv);
            using var dEps = Accelerator.Allocate<double>(eps);
            using var dActive = Accelerator.Allocate<int>(active);

            // One leapfrog step: half momentum, full position, half momentum (with the same g).
            kernels.StepMomenta(dp, dg, 0.5, dEps, dActive);
            kernels.StepPositions(dq, dp, dMinv, dEps, dActive);
            kernels.StepMomenta(dp, dg, 0.5, dEps, dActive);
            EnsembleReference.StepMomenta(chains, dimension, p, g, 0.5, eps, active);
            EnsembleReference.StepPositions(chains, dimension, q, p, minv, eps, active);
            EnsembleReference.StepMomenta(chains, dimension, p, g, 0.5, eps, active);

            Tolerance.AllClose(q, dq.ToArray(), 1e-14, $"q ({chains}x{dimension})");
            Tolerance.AllClose(p, dp.ToArray(), 1e-14, $"p ({chains}x{dimension})");
            Assert.Equal(q, dq.ToArray()); // no FMA contraction: the same roundings as C#
            Assert.Equal(p, dp.ToArray());
        }
    }

    protected void Inactive_chains_are_left_untouched()
    {
        const int chains = 3, dimension = 5;
        var kernels = new EnsembleKernels(Accelerator, chains, dimension);
        double[] q = Enumerable.Range(0, 15).Select(i => (double)i).ToArray();
        using var dq = Accelerator.Allocate<double>(q);
        using var dp = Accelerator.Allocate<double>(Enumerable.Repeat(1.0, 15).ToArray());
        using var ones = Accelerator.Allocate<double>(Enumerable.Repeat(1.0, dimension).ToArray());
        using var eps = Accelerator.Allocate<double>([0.5, 0.5, 0.5]);
        using var active = Accelerator.Allocate<int>([1, 0, 1]);
        kernels.StepPositions(dq, dp, ones, eps, active);
        kernels.StepMomenta(dp, dq, 1.0, eps, active);
        var gotQ = dq.ToArray();
        var gotP = dp.ToArray();
        for (int d = 0; d < dimension; d++)
        {
            Assert.Equal(q[d] + 0.5, gotQ[d]);
            Assert.Equal(q[5 + d], gotQ[5 + d]);
            Assert.Equal(1.0, gotP[5 + d]);
            Assert.Equal(1.0 + 0.5 * gotQ[10 + d], gotP[10 + d]);
        }
    }

    protected void Chain_dot_equals_the_fixed_order_sum()
    {
        var rng = new Random(15);
        int g = EnsembleKernels.ReductionGroupSize;
        foreach (var (chains, dimension, perChain) in new[] { (5, 1, false), (6, g - 1, true), (3, g, false), (4, 1000, false), (2, 3001, true), (64, 50, false) })
        {
            int n = chains * dimension;
            var kernels = new EnsembleKernels(Accelerator, chains, dimension);
            double[] a = Tolerance.RandomDoubles(rng, n, -2, 2), b = Tolerance.RandomDoubles(rng, n, -2, 2);
            double[] w = Tolerance.RandomDoubles(rng, perChain ? n : dimension, 0.1, 3);
            using var da = Accelerator.Allocate<double>(a);
            using var db = Accelerator.Allocate<double>(b);
            using var dw = Accelerator.Allocate<double>(w);
            using var result = Accelerator.Allocate<double>(chains);
            kernels.ChainDot(da, dw, db, result);
            var got = result.ToArray();

            var tree = EnsembleReference.ChainDotTree(chains, dimension, a, w, b, g);
            Tolerance.AllClose(tree, got, 1e-13, $"dot ({chains}x{dimension})");
            Assert.Equal(tree, got); // the same tree in the same order gives the same bits
            for (int c = 0; c < chains; c++)
            {
                var (sum, abs) = EnsembleReference.ChainDotSequential(c, dimension, a, w, b);
                Assert.True(Math.Abs(got[c] - sum) <= 1e-13 * abs, $"chain {c}: device {got[c]:R}, sequential {sum:R}");
            }

            // The energy form p' minv p of a kinetic energy: same buffer twice.
            kernels.ChainDot(da, dw, da, result);
            Assert.Equal(EnsembleReference.ChainDotTree(chains, dimension, a, w, a, g), result.ToArray());
        }
    }

    protected void Masked_select_picks_per_chain_and_may_write_in_place()
    {
        var rng = new Random(16);
        const int chains = 11, dimension = 23;
        int n = chains * dimension;
        var kernels = new EnsembleKernels(Accelerator, chains, dimension);
        double[] a = Tolerance.RandomDoubles(rng, n, -1, 1), b = Tolerance.RandomDoubles(rng, n, -1, 1);
        int[] mask = Enumerable.Range(0, chains).Select(_ => rng.Next(3) - 1).ToArray(); // -1, 0, 1: nonzero is true
        using var da = Accelerator.Allocate<double>(a);
        using var db = Accelerator.Allocate<double>(b);
        using var dMask = Accelerator.Allocate<int>(mask);
        using var dst = Accelerator.Allocate<double>(n);
        kernels.MaskedSelect(dst, dMask, da, db);
        var expected = EnsembleReference.MaskedSelect(chains, dimension, mask, a, b);
        Assert.Equal(expected, dst.ToArray());
        kernels.MaskedSelect(db, dMask, da, db); // b = mask ? a : b, in place
        Assert.Equal(expected, db.ToArray());
    }

    protected void Shapes_are_checked_before_launch()
    {
        var kernels = new EnsembleKernels(Accelerator, 4, 3);
        using var vector = Accelerator.Allocate<double>(12);
        using var wrong = Accelerator.Allocate<double>(5);
        using var perChain = Accelerator.Allocate<double>(4);
        using var mask = Accelerator.Allocate<int>(4);
        Assert.Throws<ArgumentException>(() => kernels.StepPositions(vector, wrong, vector, perChain, mask));
        Assert.Throws<ArgumentException>(() => kernels.StepPositions(vector, vector, wrong, perChain, mask));
        Assert.Throws<ArgumentException>(() => kernels.ChainDot(vector, vector, vector, vector));
        Assert.Throws<ArgumentException>(() => kernels.DrawMomentum(vector, perChain, 1, 1));
    }
}
