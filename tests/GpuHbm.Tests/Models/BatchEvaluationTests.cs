using System.Diagnostics;
using GpuHbm.Models;
using Xunit;
using static GpuHbm.Tests.Models.ModelTestHelpers;

namespace GpuHbm.Tests.Models;

public class BatchEvaluationTests(ITestOutputHelper output)
{
    private static double[] Positions(int dim, int chains) =>
        Enumerable.Range(0, chains).SelectMany(c => RandomTheta(dim, 40 + c, 0.7)).ToArray();

    [Fact]
    public void Three_chains_equal_three_single_chain_evaluations_bit_for_bit()
    {
        var model = Compile("ys | trials(nt) ~ 1 + x1 + f + (1 + x1 | g) + (1 | h)", Family.Binomial, Synthetic(80, 3));
        int d = model.Dimension;
        var pos = Positions(d, 3);
        var lp = new double[3];
        var grad = new double[3 * d];
        model.Evaluate(pos, lp, grad, 3);
        for (int c = 0; c < 3; c++)
        {
            var (lp1, g1) = Evaluate(model, pos[(c * d)..((c + 1) * d)]);
            Assert.Equal(BitConverter.DoubleToInt64Bits(lp1), BitConverter.DoubleToInt64Bits(lp[c]));
            Assert.Equal(g1, grad[(c * d)..((c + 1) * d)]);
        }
    }

    [Fact]
    public void Large_data_is_bit_identical_whatever_the_thread_count()
    {
        // 30,000 rows: 8 blocks of 4096; three chains take the parallel path, one chain the sequential one.
        var model = Compile("yg ~ 1 + x1 + f + (1 + x1 | g) + (1 | h)", Family.Gaussian, Synthetic(30_000, 8));
        Assert.Equal(4096, model.BlockRows);
        int d = model.Dimension;
        var pos = Positions(d, 3);
        (double[] Lp, double[] Grad) Run(int threads)
        {
            model.MaxDegreeOfParallelism = threads;
            var lp = new double[3];
            var grad = new double[3 * d];
            model.Evaluate(pos, lp, grad, 3);
            return (lp, grad);
        }
        var one = Run(1);
        var two = Run(2);
        var any = Run(-1);
        model.MaxDegreeOfParallelism = -1;
        Assert.Equal(one.Lp, two.Lp);
        Assert.Equal(one.Grad, two.Grad);
        Assert.Equal(one.Lp, any.Lp);
        Assert.Equal(one.Grad, any.Grad);
        for (int c = 0; c < 3; c++)
        {
            var (lp1, g1) = Evaluate(model, pos[(c * d)..((c + 1) * d)]);
            Assert.Equal(lp1, any.Lp[c]);
            Assert.Equal(g1, any.Grad[(c * d)..((c + 1) * d)]);
        }
    }

    [Fact]
    public void Constrain_reports_brms_quantities()
    {
        var model = Compile("yg ~ 1 + x1 + (1 + x1 | g)", Family.Gaussian, Synthetic(30, 2));
        var theta = RandomTheta(model.Dimension, 3, 0.9);
        var outp = new double[model.OutputNames.Count];
        model.Constrain(theta, outp);
        var names = model.OutputNames.ToList();
        Assert.Equal(theta[0], outp[names.IndexOf("b_Intercept")]);
        Assert.Equal(Math.Exp(theta[2]), outp[names.IndexOf("sigma")]);
        Assert.Equal(Math.Exp(theta[3]), outp[names.IndexOf("sd_g__Intercept")]);
        Assert.Equal(Math.Tanh(theta[5]), outp[names.IndexOf("cor_g__Intercept__x1")], 14);
        // r[j] = diag(sd) L z_j with L = [[1, 0], [ρ, sqrt(1 − ρ²)]].
        double rho = Math.Tanh(theta[5]), sd0 = Math.Exp(theta[3]), sd1 = Math.Exp(theta[4]);
        var lvl = model.RandomTerms[0].LevelNames[1];
        double z0 = theta[6 + 2], z1 = theta[6 + 3];
        Assert.Equal(sd0 * z0, outp[names.IndexOf($"r_g[{lvl},Intercept]")], 14);
        Assert.Equal(sd1 * (rho * z0 + Math.Sqrt(1 - rho * rho) * z1), outp[names.IndexOf($"r_g[{lvl},x1]")], 14);
    }

    [Fact]
    public void Radon_gradient_timing()
    {
        var model = Compile("log_radon ~ 1 + floor + (1 + floor || county)", Family.Gaussian, DesignMatrixTests.Csv("radon_mn.csv"));
        var theta = RandomTheta(model.Dimension, 1, 0.3);
        var lp = new double[1];
        var grad = new double[model.Dimension];
        for (int i = 0; i < 2000; i++) model.Evaluate(theta, lp, grad, 1);   // warm up (tiered JIT)
        const int reps = 20_000;
        double best = double.MaxValue;
        long allocated = long.MaxValue;
        for (int round = 0; round < 3; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < reps; i++) model.Evaluate(theta, lp, grad, 1);
            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalMicroseconds / reps);
            allocated = Math.Min(allocated, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        output.WriteLine($"radon (919 rows, 85 counties, D = {model.Dimension}): {best:F2} µs per single-chain log density + gradient; {allocated} bytes allocated in the quietest round of {reps} calls");
        // A per-call allocation shows in every round; the runtime's own one-off allocations on this thread (tiered
        // JIT promotion under load: 3,120 and 6,192 bytes were seen in 60,000 calls, never a multiple of the calls)
        // land in one round only. So the quietest of three rounds must allocate nothing.
        Assert.Equal(0, allocated);
        // The time is reported, not asserted: speed is measured in benchmarks/ (DensityBenchmarks).
    }
}
