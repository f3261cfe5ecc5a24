using GpuHbm.Compute;
using GpuHbm.Compute.Cpu;
using GpuHbm.Kernels;
using GpuHbm.Models;
using GpuHbm.Sampling;
using GpuHbm.Sampling.Chees;
using Xunit;

namespace GpuHbm.Tests.Compute;

/// <summary>
/// <see cref="DeviceChainEnsemble"/> against the managed <see cref="CpuChainEnsemble"/>: every operation of
/// <see cref="IChainEnsemble"/> on random inputs and masks, the device-side stop at −∞, chain independence, and
/// short NUTS / ChEES runs (a Gaussian test target, then the GLMM density against CPU fits of the same seed).
/// </summary>
public abstract partial class AcceleratorSuite
{

    private static GaussianTestTarget Target(int dimension, int observations, double wall = double.PositiveInfinity, int seed = 5)
    {
        var rng = new Random(seed);
        var scales = Enumerable.Range(0, dimension).Select(i => 0.5 + 2.5 * rng.NextDouble()).ToArray();
        var y = Enumerable.Range(0, observations).Select(_ => 1 + rng.NextDouble()).ToArray();
        return new GaussianTestTarget(scales, y, wall);
    }

    private static bool[] RandomMask(Random rng, int chains, double p = 0.6)
    {
        var m = new bool[chains];
        for (int c = 0; c < chains; c++) m[c] = rng.NextDouble() < p;
        m[rng.Next(chains)] = true;
        return m;
    }

    private static void AssertClose(double expected, double actual, double relative, string what)
    {
        if (expected.Equals(actual)) return;
        double scale = Math.Max(1, Math.Abs(expected)); // the values are O(1): relative to max(1, |x|)
        Assert.True(Math.Abs(expected - actual) <= relative * scale, $"{what}: expected {expected:R}, got {actual:R}");
    }

    private static void AssertSlotsEqual(IChainEnsemble cpu, IChainEnsemble device, int slots, double relative, string after)
    {
        int d = cpu.Dimension;
        var a = new double[d];
        var b = new double[d];
        for (int s = 0; s < slots; s++)
            for (int c = 0; c < cpu.Chains; c++)
            {
                cpu.ReadRow(new EnsembleSlot(s), c, a);
                device.ReadRow(new EnsembleSlot(s), c, b);
                for (int i = 0; i < d; i++) AssertClose(a[i], b[i], relative, $"after {after}: slot {s} chain {c} element {i}");
            }
    }

    /// <summary>Copies the device's slots into the CPU ensemble, so that later exact comparisons start from equal inputs.</summary>
    private static void Sync(IChainEnsemble cpu, IChainEnsemble device, int slots)
    {
        var row = new double[cpu.Dimension];
        for (int s = 0; s < slots; s++)
            for (int c = 0; c < cpu.Chains; c++)
            {
                device.ReadRow(new EnsembleSlot(s), c, row);
                cpu.WriteRow(new EnsembleSlot(s), c, row);
            }
    }

    protected void Every_operation_matches_the_CPU_ensemble_on_random_inputs_and_masks()
    {
        const int chains = 9, dim = 13, slots = 6;
        var rng = new Random(42);
        var target = Target(dim, 3, wall: 2.5);
        var ids = Enumerable.Range(100, chains).Select(i => (uint)(3 * i)).ToArray();
        using var density = target.OnDevice(Accelerator, chains);
        using var device = new DeviceChainEnsemble(density, ids, slots, 0xABCDEF12345UL);
        using var cpu = new CpuChainEnsemble(target, ids, slots, 0xABCDEF12345UL);
        AssertSlotsEqual(cpu, device, slots, 0, "construction (zeros)");

        var row = new double[dim];
        for (int s = 0; s < slots; s++)
            for (int c = 0; c < chains; c++)
            {
                for (int i = 0; i < dim; i++) row[i] = rng.NextDouble() * 2 - 1;
                cpu.WriteRow(new EnsembleSlot(s), c, row);
                device.WriteRow(new EnsembleSlot(s), c, row);
            }
        for (int c = 0; c < chains; c++)
        {
            for (int i = 0; i < dim; i++) row[i] = 0.2 + 3 * rng.NextDouble();
            cpu.SetInverseMetric(c, row);
            device.SetInverseMetric(c, row);
        }
        EnsembleSlot S(int i) => new(i);
        var outCpu = new double[6 * chains];
        var outDev = new double[6 * chains];
        var outCpu2 = new double[chains];
        var outDev2 = new double[chains];

        for (int round = 0; round < 6; round++)
        {
            var m = RandomMask(rng, chains);
            cpu.Copy(S(1), S(0), m); device.Copy(S(1), S(0), m);
            AssertSlotsEqual(cpu, device, slots, 0, "Copy");
            m = RandomMask(rng, chains);
            cpu.Add(S(2), S(2), S(3), m); device.Add(S(2), S(2), S(3), m);
            AssertSlotsEqual(cpu, device, slots, 0, "Add in place");
            m = RandomMask(rng, chains);
            cpu.Combine(S(4), S(1), 0.7, S(5), -1.3, m); device.Combine(S(4), S(1), 0.7, S(5), -1.3, m);
            AssertSlotsEqual(cpu, device, slots, 0, "Combine");
            m = RandomMask(rng, chains);
            var alpha = Enumerable.Range(0, chains).Select(_ => rng.NextDouble() * 4 - 2).ToArray();
            var beta = Enumerable.Range(0, chains).Select(_ => rng.NextDouble() * 4 - 2).ToArray();
            cpu.Combine(S(1), S(1), alpha, S(4), beta, m); device.Combine(S(1), S(1), alpha, S(4), beta, m);
            AssertSlotsEqual(cpu, device, slots, 0, "Combine with per-chain coefficients, in place");
            m = RandomMask(rng, chains);
            cpu.Multiply(S(4), S(4), S(2), m); device.Multiply(S(4), S(4), S(2), m);
            AssertSlotsEqual(cpu, device, slots, 0, "Multiply in place");
            m = RandomMask(rng, chains);
            cpu.Divide(S(5), S(3), S(1), m); device.Divide(S(5), S(3), S(1), m);
            AssertSlotsEqual(cpu, device, slots, 0, "Divide");
            m = RandomMask(rng, chains);
            for (int i = 0; i < dim; i++) row[i] = rng.NextDouble();
            cpu.Broadcast(S(5), row, m); device.Broadcast(S(5), row, m);
            AssertSlotsEqual(cpu, device, slots, 0, "Broadcast");

            m = RandomMask(rng, chains);
            Array.Fill(outCpu, -7); Array.Fill(outDev, -7);
            var purpose = round % 2 == 0 ? RandomPurpose.Momentum : RandomPurpose.StepSizeSearch;
            cpu.DrawMomentum(S(3), purpose, (uint)(round * 977), m, outCpu.AsSpan(0, chains));
            device.DrawMomentum(S(3), purpose, (uint)(round * 977), m, outDev.AsSpan(0, chains));
            // The same Philox and Box–Muller code: bit for bit where the device's arithmetic is the CPU's (the CPU accelerator).
            AssertSlotsEqual(cpu, device, slots, SameArithmetic ? 0 : 1e-15, "DrawMomentum");
            Sync(cpu, device, slots);
            for (int c = 0; c < chains; c++) AssertClose(outCpu[c], outDev[c], 1e-13, $"kinetic energy of chain {c}");

            m = RandomMask(rng, chains);
            Array.Fill(outCpu, -7); Array.Fill(outDev, -7);
            SlotPair[] pairs = [new(S(0), S(1)), new(S(2), S(3), DotWeight.None), new(S(3), S(3)), new(S(4), S(5), DotWeight.None), new(S(5), S(0))];
            cpu.Dots(pairs, m, outCpu); device.Dots(pairs, m, outDev);
            for (int k = 0; k < outCpu.Length; k++) AssertClose(outCpu[k], outDev[k], 1e-13, $"dot {k}");

            m = RandomMask(rng, chains, 0.8);
            var weights = Enumerable.Range(0, chains).Select(c => c % 4 == 1 ? 0 : rng.NextDouble()).ToArray();
            var mc = new double[dim]; var sc = new double[dim]; var md = new double[dim]; var sd = new double[dim];
            double wc = cpu.CrossChainMoments(S(round % slots), weights, m, mc, sc);
            double wd = device.CrossChainMoments(S(round % slots), weights, m, md, sd);
            Assert.Equal(wc, wd);
            Assert.Equal(mc, md);
            Assert.Equal(sc, sd);

            // Evaluate then leapfrog: q in slot 0 scaled so that some chains cross the wall at q_0 = 2.5.
            m = RandomMask(rng, chains, 0.8);
            Array.Fill(outCpu2, -7); Array.Fill(outDev2, -7);
            cpu.Evaluate(S(0), S(2), m, outCpu2); device.Evaluate(S(0), S(2), m, outDev2);
            Assert.Equal(outCpu2, outDev2);
            AssertSlotsEqual(cpu, device, slots, 1e-15, "Evaluate");
            var eps = Enumerable.Range(0, chains).Select(c => (c % 2 == 0 ? 1 : -1) * (0.05 + 0.3 * rng.NextDouble())).ToArray();
            m = RandomMask(rng, chains, 0.8);
            Array.Fill(outCpu, -7); Array.Fill(outDev, -7);
            cpu.Leapfrog(S(0), S(3), S(2), eps, 7, m, outCpu.AsSpan(0, chains), outCpu.AsSpan(chains, chains));
            device.Leapfrog(S(0), S(3), S(2), eps, 7, m, outDev.AsSpan(0, chains), outDev.AsSpan(chains, chains));
            for (int k = 0; k < 2 * chains; k++) AssertClose(outCpu[k], outDev[k], 1e-12, $"leapfrog output {k}");
            AssertSlotsEqual(cpu, device, slots, 1e-12, "Leapfrog");
            Sync(cpu, device, slots);
            for (int c = 0; c < chains; c++) Assert.Equal(cpu.GradientEvaluations(c), device.GradientEvaluations(c));
        }
        Output.WriteLine($"gradient evaluations: {string.Join(", ", Enumerable.Range(0, chains).Select(c => device.GradientEvaluations(c)))}");
    }

    /// <summary>
    /// nutpie's low-rank-modified metrics on some chains (the others diagonal): momenta, weighted dots and leapfrog
    /// steps on the device against the CPU ensemble (the same <see cref="LowRankMetric"/> arithmetic), also after a chain
    /// moves to a larger rank (the device storage grows) and one back to a diagonal metric.
    /// </summary>
    protected void Low_rank_metrics_match_the_CPU_ensemble()
    {
        const int chains = 5, dim = 7, slots = 4;
        var rng = new Random(77);
        var target = Target(dim, 2, wall: 3);
        var ids = Enumerable.Range(0, chains).Select(i => (uint)(10 + i)).ToArray();
        using var density = target.OnDevice(Accelerator, chains);
        using var device = new DeviceChainEnsemble(density, ids, slots, 4242);
        using var cpu = new CpuChainEnsemble(target, ids, slots, 4242);
        Assert.Equal(dim, device.MaxMetricRank);
        var row = new double[dim];
        for (int c = 0; c < chains; c++)
        {
            for (int i = 0; i < dim; i++) row[i] = rng.NextDouble() - 0.5;
            cpu.WriteRow(new EnsembleSlot(0), c, row);
            device.WriteRow(new EnsembleSlot(0), c, row);
        }
        void SetMetric(int c, int rank)
        {
            var d = Enumerable.Range(0, dim).Select(_ => 0.3 + 2 * rng.NextDouble()).ToArray();
            var u = Orthonormal(rng, rank, dim);
            var l = Enumerable.Range(0, rank).Select(_ => 0.05 + 20 * rng.NextDouble()).ToArray();
            cpu.SetInverseMetric(c, d, u, l);
            device.SetInverseMetric(c, d, u, l);
        }
        var all = Enumerable.Repeat(true, chains).ToArray();
        var lpCpu = new double[chains];
        var lpDev = new double[chains];
        void Round(string what)
        {
            var kc = new double[chains];
            var kd = new double[chains];
            cpu.DrawMomentum(new(1), RandomPurpose.Momentum, 3, all, kc);
            device.DrawMomentum(new(1), RandomPurpose.Momentum, 3, all, kd);
            AssertSlotsEqual(cpu, device, slots, SameArithmetic ? 0 : 1e-14, $"{what}: DrawMomentum");
            for (int c = 0; c < chains; c++) AssertClose(kc[c], kd[c], SameArithmetic ? 0 : 1e-13, $"{what}: kinetic energy of chain {c}");
            SlotPair[] pairs = [new(new(0), new(1)), new(new(1), new(1)), new(new(0), new(1), DotWeight.None)];
            var dc = new double[pairs.Length * chains];
            var dd = new double[pairs.Length * chains];
            cpu.Dots(pairs, all, dc);
            device.Dots(pairs, all, dd);
            for (int k = 0; k < dc.Length; k++) AssertClose(dc[k], dd[k], SameArithmetic ? 0 : 1e-13, $"{what}: dot {k}");
            cpu.Evaluate(new(0), new(2), all, lpCpu);
            device.Evaluate(new(0), new(2), all, lpDev);
            var eps = Enumerable.Range(0, chains).Select(c => 0.02 + 0.1 * rng.NextDouble()).ToArray();
            var oc = new double[2 * chains];
            var od = new double[2 * chains];
            cpu.Leapfrog(new(0), new(1), new(2), eps, 6, all, oc.AsSpan(0, chains), oc.AsSpan(chains));
            device.Leapfrog(new(0), new(1), new(2), eps, 6, all, od.AsSpan(0, chains), od.AsSpan(chains));
            for (int k = 0; k < oc.Length; k++) AssertClose(oc[k], od[k], 1e-12, $"{what}: leapfrog output {k}");
            AssertSlotsEqual(cpu, device, slots, 1e-12, $"{what}: Leapfrog");
            Sync(cpu, device, slots);
        }
        SetMetric(1, 1);
        SetMetric(2, 3);
        SetMetric(4, 2);
        Round("ranks 0, 1, 3, 0, 2");
        SetMetric(0, 6);   // beyond the first device capacity: the storage grows
        SetMetric(2, 0);
        Round("ranks 6, 1, 0, 0, 2");
        for (int c = 0; c < chains; c++) Assert.Equal(cpu.GradientEvaluations(c), device.GradientEvaluations(c));
    }

    /// <summary><paramref name="rank"/> orthonormal rows of length <paramref name="dim"/> (Gram–Schmidt on normals).</summary>
    private static double[] Orthonormal(Random rng, int rank, int dim)
    {
        var u = new double[rank * dim];
        for (int j = 0; j < rank; j++)
        {
            for (int i = 0; i < dim; i++) u[j * dim + i] = rng.NextDouble() - 0.5;
            for (int k = 0; k < j; k++)
            {
                double dot = 0;
                for (int i = 0; i < dim; i++) dot += u[j * dim + i] * u[k * dim + i];
                for (int i = 0; i < dim; i++) u[j * dim + i] -= dot * u[k * dim + i];
            }
            double norm = Math.Sqrt(Enumerable.Range(0, dim).Sum(i => u[j * dim + i] * u[j * dim + i]));
            for (int i = 0; i < dim; i++) u[j * dim + i] /= norm;
        }
        return u;
    }

    protected void A_chain_that_hits_minus_infinity_stops_on_the_device_and_reports_where_it_stopped()
    {
        const int chains = 4, dim = 3;
        var target = Target(dim, 0, wall: 0.5);
        var ids = Enumerable.Range(0, chains).Select(i => (uint)i).ToArray();
        using var density = target.OnDevice(Accelerator, chains);
        using var device = new DeviceChainEnsemble(density, ids, 4, 1);
        using var cpu = new CpuChainEnsemble(target, ids, 4, 1);
        var all = Enumerable.Repeat(true, chains).ToArray();
        var lp = new double[chains];
        foreach (IChainEnsemble e in new IChainEnsemble[] { cpu, device })
        {
            for (int c = 0; c < chains; c++) e.WriteRow(new EnsembleSlot(0), c, [0.1 * c, 0, 0]);
            for (int c = 0; c < chains; c++) e.WriteRow(new EnsembleSlot(1), c, [1.0 + c, 0, 0]); // momentum pushes q_0 up
            e.Evaluate(new EnsembleSlot(0), new EnsembleSlot(2), all, lp);
        }
        var eps = Enumerable.Repeat(0.1, chains).ToArray();
        var outCpu = new double[2 * chains];
        var outDev = new double[2 * chains];
        var before = Accelerator.Counters;
        device.Leapfrog(new(0), new(1), new(2), eps, 50, all, outDev.AsSpan(0, chains), outDev.AsSpan(chains));
        var moved = Accelerator.Counters - before;
        cpu.Leapfrog(new(0), new(1), new(2), eps, 50, all, outCpu.AsSpan(0, chains), outCpu.AsSpan(chains));
        for (int c = 0; c < chains; c++)
        {
            Assert.True(double.IsNegativeInfinity(outDev[c]), $"chain {c} should have hit the wall");
            AssertClose(outCpu[chains + c], outDev[chains + c], 1e-13, $"kinetic energy of chain {c}");
            Assert.Equal(cpu.GradientEvaluations(c), device.GradientEvaluations(c));
            Assert.True(device.GradientEvaluations(c) < 51, "the chain should have stopped early");
        }
        AssertSlotsEqual(cpu, device, 3, 1e-13, "Leapfrog into the wall");
        Output.WriteLine($"50 leapfrog steps, {chains} chains: {moved}");
        Assert.True(moved.TotalBytes <= 32 * chains, $"a 50-step leapfrog moved {moved.TotalBytes} bytes");
    }

    protected void A_chain_s_results_do_not_depend_on_which_other_chains_are_active()
    {
        const int chains = 6, dim = 5;
        var target = Target(dim, 2, wall: 1.5);
        var ids = Enumerable.Range(0, chains).Select(i => (uint)i).ToArray();
        using var density = target.OnDevice(Accelerator, chains);
        double[] Run(bool[] mask)
        {
            using var e = new DeviceChainEnsemble(density, ids, 4, 99);
            var rng = new Random(1);
            var row = new double[dim];
            for (int c = 0; c < chains; c++)
            {
                for (int i = 0; i < dim; i++) row[i] = rng.NextDouble() - 0.5;
                e.WriteRow(new(0), c, row);
            }
            var lp = new double[chains];
            var ke = new double[chains];
            e.Evaluate(new(0), new(2), mask, lp);
            e.DrawMomentum(new(1), RandomPurpose.Momentum, 3, mask, ke);
            e.Leapfrog(new(0), new(1), new(2), Enumerable.Repeat(0.3, chains).ToArray(), 9, mask, lp, ke);
            var result = new List<double>(lp.Concat(ke));
            for (int c = 0; c < chains; c++)
            {
                e.ReadRow(new(0), c, row);
                result.AddRange(row);
            }
            return [.. result];
        }
        var all = Run(Enumerable.Repeat(true, chains).ToArray());
        var some = Run([false, true, false, true, true, false]);
        foreach (int c in new[] { 1, 3, 4 })
        {
            Assert.Equal(all[c], some[c]);
            Assert.Equal(all[chains + c], some[chains + c]);
            for (int i = 0; i < dim; i++) Assert.Equal(all[2 * chains + c * dim + i], some[2 * chains + c * dim + i]);
        }
    }

    private static SamplerResult RunNuts(IDeviceDensity density, IBatchedDensity host, SamplerOptions options, Func<IChainEnsemble, IChainEnsemble>? wrap = null)
    {
        ChainEnsembleFactory factory = (_, ids, slots, seed) =>
        {
            IChainEnsemble e = new DeviceChainEnsemble(density, ids, slots, seed);
            return wrap is null ? e : wrap(e);
        };
        return new NutsSampler(factory, chainsPerEnsemble: options.Chains).Run(host, options);
    }

    protected void NUTS_on_the_device_repeats_the_same_seed_bit_for_bit_and_matches_the_posterior()
    {
        var target = Target(4, 10);
        var options = new SamplerOptions { Chains = 4, Warmup = 100, Draws = 100, Seed = 2024, MaxDepth = 6 };
        using var density = target.OnDevice(Accelerator, options.Chains);
        var first = RunNuts(density, target, options);
        var second = RunNuts(density, target, options);
        for (int c = 0; c < options.Chains; c++)
        {
            Assert.Equal(first.Chains[c].Draws, second.Chains[c].Draws);
            Assert.Equal(first.Chains[c].Statistics.LeapfrogSteps, second.Chains[c].Statistics.LeapfrogSteps);
        }
        // q_0's posterior is N(m, s²): 400 draws with ESS ≳ 250 give an MCSE ≈ s/√250 ≈ 0.063 s; allow ~5 MCSE
        // (and the sd's MCSE ≈ s/√(2·250) ≈ 0.045 s against 20 %).
        var (mean, sd) = target.FirstCoordinate();
        var q0 = first.Chains.SelectMany(ch => Enumerable.Range(0, ch.DrawCount).Select(i => ch.Draw(i)[0])).ToArray();
        Output.WriteLine($"q0 mean {q0.Average():F4} (exact {mean:F4}), sd {Sd(q0):F4} (exact {sd:F4})");
        Assert.InRange(q0.Average(), mean - 0.3 * sd, mean + 0.3 * sd);
        Assert.InRange(Sd(q0), 0.8 * sd, 1.2 * sd);
    }

    protected void ChEES_on_the_device_matches_the_posterior()
    {
        var target = Target(4, 10);
        var options = new SamplerOptions { Chains = 64, Warmup = 150, Draws = 40, Seed = 7 };
        using var density = target.OnDevice(Accelerator, options.Chains);
        var result = new CheesSampler((_, ids, slots, seed) => new DeviceChainEnsemble(density, ids, slots, seed)).Run(target, options);
        var (mean, sd) = target.FirstCoordinate();
        var q0 = result.Chains.SelectMany(ch => Enumerable.Range(0, ch.DrawCount).Select(i => ch.Draw(i)[0])).ToArray();
        Output.WriteLine($"ChEES q0 mean {q0.Average():F4} (exact {mean:F4}), sd {Sd(q0):F4} (exact {sd:F4})");
        Assert.InRange(q0.Average(), mean - 0.2 * sd, mean + 0.2 * sd);
        Assert.InRange(Sd(q0), 0.85 * sd, 1.15 * sd);
    }

    protected void Bytes_moved_per_NUTS_iteration_are_O_C_scalars_plus_the_kept_draw_and_independent_of_N()
    {
        const int dim = 200;
        var perIteration = new List<(int N, double Bytes, double Bound, double LeapfrogsPerIteration)>();
        foreach (int n in new[] { 10, 5000 })
        {
            var target = Target(dim, n, seed: 3);
            var options = new SamplerOptions { Chains = 8, Warmup = 0, Draws = 12, Seed = 11, MaxDepth = 5, InitialStepSize = 0.01 };
            using var density = target.OnDevice(Accelerator, options.Chains);
            CountingEnsemble? counter = null;
            var before = Accelerator.Counters;
            var result = RunNuts(density, target, options, e => counter = new CountingEnsemble(e));
            var moved = Accelerator.Counters - before;
            long setup = DeviceSetupBytes(options.Chains, dim);
            int c = options.Chains;
            // Bound: Σ over the operations actually called of their O(C) (or O(D) for rows) allowance, plus construction.
            long bound = counter!.BoundBytes + setup;
            long leapfrogs = result.Chains.Sum(ch => ch.Statistics.LeapfrogSteps.Sum());
            Output.WriteLine($"N={n}: {moved} over {options.Draws} iterations; bound {bound} B; {counter.Operations} ops; "
                + $"{counter.LeapfrogSteps} leapfrog calls covering {leapfrogs} chain-steps; rows read {counter.RowsRead}");
            Assert.True(moved.TotalBytes <= bound, $"moved {moved.TotalBytes} B > bound {bound} B");
            // No C × D transfer per leapfrog step: the traffic is far below one C × D × 8 vector per step.
            double perStep = (moved.TotalBytes - setup - (double)options.Draws * c * dim * 8) / (leapfrogs / (double)c);
            Output.WriteLine($"  bytes per leapfrog step (excluding kept draws): {perStep:F0} vs C·D·8 = {c * dim * 8}");
            Assert.True(perStep < c * dim * 8 / 10.0);
            perIteration.Add((n, (moved.TotalBytes - setup) / (double)options.Draws, bound, leapfrogs / (double)options.Draws / c));
        }
        foreach (var p in perIteration)
            Output.WriteLine($"N={p.N}: {p.Bytes:F0} B per iteration, {p.LeapfrogsPerIteration:F1} leapfrog steps per chain per iteration");
    }

    /// <summary>
    /// A short fit on the device against the same fit on the managed CPU (same seed, same initial points): the device
    /// ensemble runs every chain in lockstep, the CPU one chain per ensemble, and the arithmetic differs only in the order
    /// of the density's and the dot products' sums (≈1e-16 relative), so every draw agrees to
    /// <paramref name="tolerance"/> relative unless a discrete decision (U-turn, multinomial pick, acceptance) flips,
    /// which would move a draw by O(1).
    /// </summary>
    private void AssertTracksCpuFit(string file, string formula, FitOptions options, double tolerance)
    {
        var data = GpuHbm.Data.DataTable.ReadCsv(TestPaths.ExampleData(file));
        var cpu = Glmm.Fit(formula, data, options with { Backend = "cpu" });
        var device = Glmm.Fit(formula, data, options with { Backend = BackendSelection.NameOf(Accelerator.Backend) });
        Assert.Equal(Accelerator.Backend, device.Settings.Backend!.Backend);
        double worst = 0;
        string where = "";
        foreach (var name in cpu.Summary.Rows.Select(r => r.Variable))
            for (int c = 0; c < options.Chains; c++)
            {
                var a = cpu[name][c];
                var b = device[name][c];
                Assert.Equal(a.Length, b.Length);
                for (int i = 0; i < a.Length; i++)
                {
                    double d = Math.Abs(a[i] - b[i]) / Math.Max(1, Math.Abs(a[i]));
                    if (d > worst) { worst = d; where = $"{name}, chain {c}, draw {i}: cpu {a[i]:R}, device {b[i]:R}"; }
                }
            }
        Output.WriteLine($"{options.Sampler} on {file}, {options.Chains} chains × ({options.Warmup} + {options.Draws}): worst relative difference {worst:E2} ({where})");
        Assert.True(worst <= tolerance, $"the device fit left the CPU fit's track: {where}");
    }

    /// <summary>
    /// NUTS on the device ensemble (all chains in lockstep, the GLMM kernels) against NUTS on the managed CPU (one chain
    /// per ensemble) from the same start, without warm-up (a fixed small step size, so that no adaptation decision can
    /// flip): trajectories of up to 1023 leapfrog steps, and every draw, tree depth and step count agree; the draws to
    /// 1e-10 relative (measured here: ≈5e-15).
    /// </summary>
    protected void NUTS_with_the_GLMM_device_density_tracks_the_CPU_run_on_sleepstudy()
    {
        var data = GpuHbm.Data.DataTable.ReadCsv(TestPaths.ExampleData("sleepstudy.csv"));
        var model = CompiledModel.Compile(new ModelSpec(GpuHbm.Formulas.FormulaParser.Parse("Reaction ~ 1 + Days + (1 + Days | Subject)"),
            Family.Gaussian, []), data);
        var options = new SamplerOptions { Chains = 2, Warmup = 0, Draws = 25, Seed = 3, InitialStepSize = 0.002 };
        var cpu = new NutsSampler(CpuChainEnsemble.Factory).Run(model, options);
        using var density = new DeviceGlmmDensity(Accelerator, model, options.Chains);
        var device = RunNuts(density, model, options);
        double worst = 0;
        long steps = 0;
        for (int c = 0; c < options.Chains; c++)
        {
            Assert.Equal(cpu.Chains[c].Statistics.TreeDepth, device.Chains[c].Statistics.TreeDepth);
            Assert.Equal(cpu.Chains[c].Statistics.LeapfrogSteps, device.Chains[c].Statistics.LeapfrogSteps);
            steps += device.Chains[c].Statistics.LeapfrogSteps.Sum();
            var a = cpu.Chains[c].Draws;
            var b = device.Chains[c].Draws;
            for (int i = 0; i < a.Length; i++) worst = Math.Max(worst, Math.Abs(a[i] - b[i]) / Math.Max(1, Math.Abs(a[i])));
        }
        Output.WriteLine($"NUTS on sleepstudy, {options.Chains} chains × {options.Draws} draws ({steps} leapfrog steps): worst relative difference {worst:E2}");
        Assert.True(worst <= 1e-10, $"worst relative difference {worst:E2}");
    }

    /// <summary>
    /// ChEES on the device ensemble against the managed CPU: the whole adaptation (ensemble step-size search, dual
    /// averaging on the harmonic-mean acceptance, Adam on the ChEES criterion, the cross-chain metric at every
    /// iteration, the superchain monitor's running sums) and sampling. Starts drawn on the prior scale and short
    /// trajectories (T from 0.05, slow Adam): with ChEES's default T ≈ 2.25 (hundreds of leapfrog steps per iteration)
    /// the dynamics amplify the 1e-16 differences of the cross-chain sums chaotically (measured: ε differs by 3e-5
    /// relative after 20 iterations, then acceptance decisions flip), which says nothing about the kernels.
    /// </summary>
    protected void ChEES_with_the_GLMM_device_density_tracks_the_CPU_fit_on_radon() =>
        AssertTracksCpuFit("radon_mn.csv", "log_radon ~ 1 + floor + (1 | county)",
            new FitOptions
            {
                Chains = 16, Warmup = 60, Draws = 10, Seed = 5, Sampler = "chees", Init = "prior",
                Chees = new GpuHbm.Sampling.Chees.CheesOptions { InitialTrajectoryLength = 0.05, LearningRate = 0.005 },
            }, 1e-8);

    /// <summary>
    /// The default initialisation on the device (L-BFGS on the ensemble from dispersed starts, one per superchain)
    /// reaches the optima the managed CPU reaches: log π at each optimum within 1e-6 relative. (The iterates themselves
    /// may part: the optimiser's stopping test and line-search decisions meet 1e-16 differences near the optimum, so
    /// one run may take a few more iterations; measured on radon: 158/145 vs 164/151.)
    /// </summary>
    protected void The_ChEES_initialisation_on_the_device_reaches_the_CPU_optima_on_radon()
    {
        var data = GpuHbm.Data.DataTable.ReadCsv(TestPaths.ExampleData("radon_mn.csv"));
        const string formula = "log_radon ~ 1 + floor + (1 | county)";
        var options = new FitOptions { Chains = 32, Warmup = 0, Draws = 1, Seed = 5, Sampler = "chees" };
        var cpu = Glmm.Fit(formula, data, options with { Backend = "cpu" }).Ensemble!.Initialization;
        var device = Glmm.Fit(formula, data, options with { Backend = BackendSelection.NameOf(Accelerator.Backend) }).Ensemble!.Initialization;
        Output.WriteLine($"L-BFGS iterations cpu {string.Join(",", cpu.OptimizerIterations)}, device {string.Join(",", device.OptimizerIterations)}; " +
                         $"log π at the optima cpu {string.Join(",", cpu.LogDensityAtOptimum)}, device {string.Join(",", device.LogDensityAtOptimum)}");
        Assert.Equal(cpu.Starts, device.Starts);
        Assert.Equal(cpu.OptimizersConverged, device.OptimizersConverged);
        for (int k = 0; k < cpu.Starts; k++)
            AssertClose(cpu.LogDensityAtOptimum[k], device.LogDensityAtOptimum[k], 1e-6, $"log π at optimum {k}");
    }

    /// <summary>One-time traffic of building an ensemble: chain ids, the zero/one rows, evaluation counters, the first mask.</summary>
    private static long DeviceSetupBytes(int chains, int dim) => 4L * chains + 8L * chains + 4L * chains + 16L * dim;

    private static double Sd(double[] x)
    {
        double m = x.Average();
        return Math.Sqrt(x.Sum(v => (v - m) * (v - m)) / (x.Length - 1));
    }
}
