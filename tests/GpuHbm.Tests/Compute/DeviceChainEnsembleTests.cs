using GpuHbm.Compute;
using GpuHbm.Compute.Cpu;
using GpuHbm.Kernels;
using GpuHbm.Models;
using GpuHbm.Sampling;
using GpuHbm.Sampling.Chees;
using Xunit;

namespace GpuHbm.Tests.Compute;

/// <summary>
/// A test target with the same arithmetic on the host and on a device:
/// log π(q) = −½ Σ_d q_d² / s_d² − ½ Σ_n (y_n − q_0)², and −∞ where q_0 &gt; wall (a cliff that
/// stops leapfrog trajectories). The N observations y live on the device, so N is the data size
/// a device density reads without any host traffic.
/// </summary>
internal sealed class GaussianTestTarget : IBatchedDensity
{
    public const string KernelText = """
        KERNEL void test_gauss(int C, int D, int N, GLOBAL const double* q, GLOBAL double* g, GLOBAL double* lp,
                               GLOBAL const int* active, GLOBAL const double* iv, GLOBAL const double* y, double wall, double neg_inf)
        {
            u64 c = GLOBAL_ID;
            if (c >= (u64)C || active[c] == 0) return;
            u64 base = c * (u64)D;
            double s = 0.0;
            for (int d = 0; d < D; d++)
            {
                double qi = q[base + d];
                s = s + qi * iv[d] * qi;
                g[base + d] = -(qi * iv[d]);
            }
            double r = 0.0, gr = 0.0;
            for (int n = 0; n < N; n++)
            {
                double e = y[n] - q[base];
                r = r + e * e;
                gr = gr + e;
            }
            g[base] = g[base] + gr;
            double l = -0.5 * s - 0.5 * r;
            if (q[base] > wall) l = neg_inf;
            lp[c] = l;
        }
        """;

    public GaussianTestTarget(double[] scales, double[] observations, double wall = double.PositiveInfinity)
    {
        InverseVariance = scales.Select(s => 1 / (s * s)).ToArray();
        Observations = observations;
        Wall = wall;
    }

    public double[] InverseVariance { get; }
    public double[] Observations { get; }
    public double Wall { get; }
    public int Dimension => InverseVariance.Length;

    /// <summary>Posterior mean and sd of q_0 (the other coordinates have mean 0 and sd s_d).</summary>
    public (double Mean, double Sd) FirstCoordinate()
    {
        double precision = InverseVariance[0] + Observations.Length;
        return (Observations.Sum() / precision, 1 / Math.Sqrt(precision));
    }

    public void Evaluate(ReadOnlySpan<double> positions, Span<double> logDensity, Span<double> gradient, int chains)
    {
        int d = Dimension;
        for (int c = 0; c < chains; c++)
        {
            var q = positions.Slice(c * d, d);
            var g = gradient.Slice(c * d, d);
            double s = 0;
            for (int i = 0; i < d; i++)
            {
                s += q[i] * InverseVariance[i] * q[i];
                g[i] = -(q[i] * InverseVariance[i]);
            }
            double r = 0, gr = 0;
            foreach (double y in Observations)
            {
                double e = y - q[0];
                r += e * e;
                gr += e;
            }
            g[0] += gr;
            double l = -0.5 * s - 0.5 * r;
            if (q[0] > Wall) l = double.NegativeInfinity;
            logDensity[c] = l;
        }
    }

    public IDeviceDensity OnDevice(Accelerator accelerator, int maxChains) => new Device(this, accelerator, maxChains);

    private sealed class Device : IDeviceDensity
    {
        private readonly GaussianTestTarget _target;
        private readonly CompiledKernel _kernel;
        private readonly DeviceBuffer<double> _inverseVariance, _observations;

        public Device(GaussianTestTarget target, Accelerator accelerator, int maxChains)
        {
            _target = target;
            Accelerator = accelerator;
            MaxChains = maxChains;
            _kernel = accelerator.LoadKernel(KernelSource.FromText("test_gauss.cl", KernelText, accelerator.Dialect), "test_gauss");
            _inverseVariance = accelerator.Allocate<double>(target.InverseVariance);
            _observations = accelerator.Allocate<double>(target.Observations.Length == 0 ? [0.0] : target.Observations);
        }

        public Accelerator Accelerator { get; }
        public int Dimension => _target.Dimension;
        public int MaxChains { get; }

        public void Evaluate(DeviceBuffer<double> positions, DeviceBuffer<double> gradient, DeviceBuffer<double> logDensity, DeviceBuffer<int> active, int chains) =>
            Accelerator.Launch(_kernel, LaunchConfig.ForElements(chains, 64), chains, Dimension, _target.Observations.Length,
                positions, gradient, logDensity, active, _inverseVariance, _observations, _target.Wall, double.NegativeInfinity);

        public void Dispose()
        {
            _inverseVariance.Dispose();
            _observations.Dispose();
        }
    }
}

/// <summary>An <see cref="IChainEnsemble"/> decorator that counts operations and the O(C) scalars each may move (for the byte bound).</summary>
internal sealed class CountingEnsemble(IChainEnsemble inner) : IChainEnsemble
{
    /// <summary>The per-operation bound of <see cref="DeviceChainEnsemble"/>'s remarks, summed over the calls made.</summary>
    public long BoundBytes { get; private set; }
    public long Operations { get; private set; }
    public long LeapfrogSteps { get; private set; }
    public long RowsRead { get; private set; }

    private int C => inner.Chains;
    private int D => inner.Dimension;
    private void Op(long bytes) { Operations++; BoundBytes += bytes; }

    public int Chains => inner.Chains;
    public int Dimension => inner.Dimension;
    public int SlotCount => inner.SlotCount;
    public ulong Seed => inner.Seed;
    public uint ChainId(int chain) => inner.ChainId(chain);
    public long GradientEvaluations(int chain) { BoundBytes += 8L * C; return inner.GradientEvaluations(chain); }
    public void SetInverseMetric(int chain, ReadOnlySpan<double> m) { Op(8L * D); inner.SetInverseMetric(chain, m); }
    public int MaxMetricRank => inner.MaxMetricRank;
    public void SetInverseMetric(int chain, ReadOnlySpan<double> m, ReadOnlySpan<double> u, ReadOnlySpan<double> l)
    { Op(8L * (D + u.Length + l.Length)); inner.SetInverseMetric(chain, m, u, l); }
    public void WriteRow(EnsembleSlot slot, int chain, ReadOnlySpan<double> values) { Op(8L * D); inner.WriteRow(slot, chain, values); }

    public void ReadRow(EnsembleSlot slot, int chain, Span<double> values)
    {
        // Reading all C rows of a slot costs at most 8CD + 8D: charge 8D per row plus one extra row per slot read.
        RowsRead++;
        Op(8L * D + (chain == 0 ? 8L * D : 0));
        inner.ReadRow(slot, chain, values);
    }

    public void Evaluate(EnsembleSlot position, EnsembleSlot gradient, ReadOnlySpan<bool> active, Span<double> logDensity)
    { Op(12L * C); inner.Evaluate(position, gradient, active, logDensity); }

    public void Leapfrog(EnsembleSlot position, EnsembleSlot momentum, EnsembleSlot gradient, ReadOnlySpan<double> stepSize, int steps,
        ReadOnlySpan<bool> active, Span<double> logDensity, Span<double> kineticEnergy)
    { Op(32L * C); LeapfrogSteps += steps; inner.Leapfrog(position, momentum, gradient, stepSize, steps, active, logDensity, kineticEnergy); }

    public void DrawMomentum(EnsembleSlot momentum, RandomPurpose purpose, uint counter, ReadOnlySpan<bool> active, Span<double> kineticEnergy)
    { Op(12L * C); inner.DrawMomentum(momentum, purpose, counter, active, kineticEnergy); }

    public void Copy(EnsembleSlot destination, EnsembleSlot source, ReadOnlySpan<bool> active) { Op(4L * C); inner.Copy(destination, source, active); }
    public void Add(EnsembleSlot destination, EnsembleSlot a, EnsembleSlot b, ReadOnlySpan<bool> active) { Op(4L * C); inner.Add(destination, a, b, active); }

    public void Combine(EnsembleSlot destination, EnsembleSlot a, double alpha, EnsembleSlot b, double beta, ReadOnlySpan<bool> active)
    { Op(4L * C); inner.Combine(destination, a, alpha, b, beta, active); }

    public void Combine(EnsembleSlot destination, EnsembleSlot a, ReadOnlySpan<double> alpha, EnsembleSlot b, ReadOnlySpan<double> beta,
        ReadOnlySpan<bool> active)
    { Op(4L * C + 16L * C); inner.Combine(destination, a, alpha, b, beta, active); }

    public void Multiply(EnsembleSlot destination, EnsembleSlot a, EnsembleSlot b, ReadOnlySpan<bool> active)
    { Op(4L * C); inner.Multiply(destination, a, b, active); }

    public void Divide(EnsembleSlot destination, EnsembleSlot a, EnsembleSlot b, ReadOnlySpan<bool> active)
    { Op(4L * C); inner.Divide(destination, a, b, active); }

    public void Broadcast(EnsembleSlot destination, ReadOnlySpan<double> row, ReadOnlySpan<bool> active)
    { Op(4L * C + 8L * D); inner.Broadcast(destination, row, active); }

    public double CrossChainMoments(EnsembleSlot slot, ReadOnlySpan<double> weights, ReadOnlySpan<bool> active, Span<double> mean, Span<double> meanOfSquares)
    { Op(12L * C + 8L * (2 * D + 1)); return inner.CrossChainMoments(slot, weights, active, mean, meanOfSquares); }

    public void Dots(ReadOnlySpan<SlotPair> pairs, ReadOnlySpan<bool> active, Span<double> results)
    { Op(4L * C + 8L * pairs.Length * C); inner.Dots(pairs, active, results); }

    public void Dispose() => inner.Dispose();
}

[Collection(OpenClCollection.Name)]
public class DeviceChainEnsembleTests(ITestOutputHelper output)
{
    private static Accelerator Accelerator => DeviceFixtures.OpenCl;

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

    [OpenClFact]
    public void Every_operation_matches_the_CPU_ensemble_on_random_inputs_and_masks()
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
            AssertSlotsEqual(cpu, device, slots, 1e-15, "DrawMomentum");
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
        output.WriteLine($"gradient evaluations: {string.Join(", ", Enumerable.Range(0, chains).Select(c => device.GradientEvaluations(c)))}");
    }

    [OpenClFact]
    public void A_chain_that_hits_minus_infinity_stops_on_the_device_and_reports_where_it_stopped()
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
        output.WriteLine($"50 leapfrog steps, {chains} chains: {moved}");
        Assert.True(moved.TotalBytes <= 32 * chains, $"a 50-step leapfrog moved {moved.TotalBytes} bytes");
    }

    [OpenClFact]
    public void A_chain_s_results_do_not_depend_on_which_other_chains_are_active()
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

    [OpenClFact]
    public void NUTS_on_the_device_repeats_the_same_seed_bit_for_bit_and_matches_the_posterior()
    {
        var target = Target(4, 10);
        var options = new SamplerOptions { Chains = 4, Warmup = 150, Draws = 150, Seed = 2024, MaxDepth = 6 };
        using var density = target.OnDevice(Accelerator, options.Chains);
        var first = RunNuts(density, target, options);
        var second = RunNuts(density, target, options);
        for (int c = 0; c < options.Chains; c++)
        {
            Assert.Equal(first.Chains[c].Draws, second.Chains[c].Draws);
            Assert.Equal(first.Chains[c].Statistics.LeapfrogSteps, second.Chains[c].Statistics.LeapfrogSteps);
        }
        // q_0's posterior is N(m, s²): 600 draws with ESS ≳ 300 give an MCSE ≈ s/√300 ≈ 0.06 s; allow 5 MCSE.
        var (mean, sd) = target.FirstCoordinate();
        var q0 = first.Chains.SelectMany(ch => Enumerable.Range(0, ch.DrawCount).Select(i => ch.Draw(i)[0])).ToArray();
        output.WriteLine($"q0 mean {q0.Average():F4} (exact {mean:F4}), sd {Sd(q0):F4} (exact {sd:F4})");
        Assert.InRange(q0.Average(), mean - 0.3 * sd, mean + 0.3 * sd);
        Assert.InRange(Sd(q0), 0.8 * sd, 1.2 * sd);
    }

    [OpenClFact]
    public void ChEES_on_the_device_matches_the_posterior()
    {
        var target = Target(4, 10);
        var options = new SamplerOptions { Chains = 64, Warmup = 150, Draws = 40, Seed = 7 };
        using var density = target.OnDevice(Accelerator, options.Chains);
        var result = new CheesSampler(null, (_, ids, slots, seed) => new DeviceChainEnsemble(density, ids, slots, seed)).Run(target, options);
        var (mean, sd) = target.FirstCoordinate();
        var q0 = result.Chains.SelectMany(ch => Enumerable.Range(0, ch.DrawCount).Select(i => ch.Draw(i)[0])).ToArray();
        output.WriteLine($"ChEES q0 mean {q0.Average():F4} (exact {mean:F4}), sd {Sd(q0):F4} (exact {sd:F4})");
        Assert.InRange(q0.Average(), mean - 0.2 * sd, mean + 0.2 * sd);
        Assert.InRange(Sd(q0), 0.85 * sd, 1.15 * sd);
    }

    [OpenClFact]
    public void Bytes_moved_per_NUTS_iteration_are_O_C_scalars_plus_the_kept_draw_and_independent_of_N()
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
            output.WriteLine($"N={n}: {moved} over {options.Draws} iterations; bound {bound} B; {counter.Operations} ops; "
                + $"{counter.LeapfrogSteps} leapfrog calls covering {leapfrogs} chain-steps; rows read {counter.RowsRead}");
            Assert.True(moved.TotalBytes <= bound, $"moved {moved.TotalBytes} B > bound {bound} B");
            // No C × D transfer per leapfrog step: the traffic is far below one C × D × 8 vector per step.
            double perStep = (moved.TotalBytes - setup - (double)options.Draws * c * dim * 8) / (leapfrogs / (double)c);
            output.WriteLine($"  bytes per leapfrog step (excluding kept draws): {perStep:F0} vs C·D·8 = {c * dim * 8}");
            Assert.True(perStep < c * dim * 8 / 10.0);
            perIteration.Add((n, (moved.TotalBytes - setup) / (double)options.Draws, bound, leapfrogs / (double)options.Draws / c));
        }
        foreach (var p in perIteration)
            output.WriteLine($"N={p.N}: {p.Bytes:F0} B per iteration, {p.LeapfrogsPerIteration:F1} leapfrog steps per chain per iteration");
    }

    /// <summary>
    /// Posterior means of a device fit against a CPU fit of the same model and seed, in units of the CPU posterior sd.
    /// Tolerance 0.2 sd: each run's Monte Carlo standard error of a mean is sd/√ESS; with ESS ≳ 200 per run that is
    /// ≤ 0.07 sd, so the difference of two runs has sd ≤ 0.1 and 0.2 sd is a 2σ-to-3σ band (the runs share their
    /// initial points and random numbers, which only makes them closer).
    /// </summary>
    private void AssertSamePosterior(GpuHbm.Results.Fit cpu, GpuHbm.Results.Fit device, IEnumerable<string> parameters, double tolerance)
    {
        foreach (var name in parameters)
        {
            var a = cpu.Summary[name];
            var b = device.Summary[name];
            double z = Math.Abs(a.Mean - b.Mean) / a.Sd;
            output.WriteLine($"{name}: cpu {a.Mean:G5} (sd {a.Sd:G3}, ess {a.EssBulk:F0}), device {b.Mean:G5} (ess {b.EssBulk:F0}): {z:F3} sd apart");
            Assert.True(z <= tolerance, $"{name}: {z:F3} posterior sd apart");
        }
    }

    [OpenClFact]
    public void NUTS_on_OpenCL_with_the_GLMM_device_density_matches_a_CPU_run_on_sleepstudy()
    {
        var data = GpuHbm.Data.DataTable.ReadCsv(TestPaths.ExampleData("sleepstudy.csv"));
        const string formula = "Reaction ~ 1 + Days + (1 + Days | Subject)";
        var options = new FitOptions { Chains = 4, Warmup = 150, Draws = 150, Seed = 3, Sampler = "nuts" };
        var cpu = Glmm.Fit(formula, data, options with { Backend = "cpu" });
        var device = Glmm.Fit(formula, data, options with { Backend = "opencl" });
        Assert.Equal(BackendKind.OpenCl, device.Settings.Backend!.Backend);
        AssertSamePosterior(cpu, device, ["b_Intercept", "b_Days", "sd_Subject__Intercept", "sd_Subject__Days", "sigma"], 0.2);
    }

    [OpenClFact]
    public void ChEES_on_OpenCL_with_the_GLMM_device_density_matches_a_CPU_run_on_radon()
    {
        var data = GpuHbm.Data.DataTable.ReadCsv(TestPaths.ExampleData("radon_mn.csv"));
        const string formula = "log_radon ~ 1 + floor + (1 | county)";
        var options = new FitOptions { Chains = 32, Warmup = 300, Draws = 60, Seed = 5, Sampler = "chees" };
        var cpu = Glmm.Fit(formula, data, options with { Backend = "cpu" });
        var device = Glmm.Fit(formula, data, options with { Backend = "opencl" });
        Assert.True(device.Summary.HasNestedRhat);
        Assert.Equal(2, device.Summary.Superchains);
        AssertSamePosterior(cpu, device, ["b_Intercept", "b_floor", "sd_county__Intercept", "sigma"], 0.2);
    }

    /// <summary>One-time traffic of building an ensemble: chain ids, the zero/one rows, evaluation counters, the first mask.</summary>
    private static long DeviceSetupBytes(int chains, int dim) => 4L * chains + 8L * chains + 4L * chains + 16L * dim;

    private static double Sd(double[] x)
    {
        double m = x.Average();
        return Math.Sqrt(x.Sum(v => (v - m) * (v - m)) / (x.Length - 1));
    }
}
