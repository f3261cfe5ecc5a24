using GpuHbm.Compute;
using GpuHbm.Kernels;
using ILGPU;
using ILGPU.Runtime;
using Accelerator = GpuHbm.Compute.Accelerator;
using Xunit;

namespace GpuHbm.Tests.Compute;

/// <summary>
/// The shared scalar math run as kernels against the same C# run on the host: Philox blocks (integer arithmetic:
/// equal bit for bit on every device, and equal to Random123's known answers through the host tests), the family
/// terms, the prior densities and the CPC transform with its gradient over random inputs. Where the device's
/// arithmetic is the host's (the CPU accelerator) the results are bit-identical; elsewhere they agree to a few ulps.
/// </summary>
public abstract partial class AcceleratorSuite
{
    protected void Philox_blocks_on_the_device_equal_the_host_bit_for_bit()
    {
        var rng = new Random(7);
        const int n = 4096;
        var input = new uint[6 * n];
        for (int i = 0; i < input.Length; i++) input[i] = (uint)rng.NextInt64(0, 1L << 32);
        for (int k = 0; k < 6; k++) { input[k] = 0; input[6 + k] = uint.MaxValue; }
        using var dIn = Accelerator.Allocate<uint>(input);
        using var dOut = Accelerator.Allocate<uint>(4 * n);
        var kernel = Accelerator.Kernel("Tests.MathKernels.PhiloxBlocks", a => a.LoadStreamKernel<ArrayView<uint>, ArrayView<uint>, int>(MathKernels.PhiloxBlocks));
        kernel(Accelerator.Shape(Accelerator.GroupsFor(n)), dIn.View, dOut.View, n);
        var output = dOut.ToArray();
        for (int i = 0; i < n; i++)
        {
            var (x0, x1, x2, x3) = Philox.Block(input[6 * i], input[6 * i + 1], input[6 * i + 2], input[6 * i + 3], input[6 * i + 4], input[6 * i + 5]);
            Assert.Equal((x0, x1, x2, x3), (output[4 * i], output[4 * i + 1], output[4 * i + 2], output[4 * i + 3]));
        }
        // Random123 1.09 kat_vectors, philox4x32 10: counter and key all zero.
        Assert.Equal([0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u], output[..4]);
    }

    protected void Family_terms_and_priors_on_the_device_equal_the_host()
    {
        var rng = new Random(11);
        const int n = 2000;
        var x = new double[4 * n];
        for (int i = 0; i < n; i++)
        {
            x[4 * i] = Math.Round(rng.NextDouble() * 8);              // y (counts; 0/1 for bernoulli below)
            x[4 * i + 1] = 1 + Math.Round(rng.NextDouble() * 12);     // trials
            x[4 * i + 2] = 0.1 + 3 * rng.NextDouble();                // 1/scale
            x[4 * i + 3] = (rng.NextDouble() - 0.5) * 40;             // η, tails included
        }
        var priors = new MathKernels.FivePriors
        {
            P0 = new(PriorDistributionKind.Normal, 0.3, 2, 0, -1.7, 0.2),
            P1 = new(PriorDistributionKind.StudentT, 3, 0.1, 2.5, -1.9, 0.69),
            P2 = new(PriorDistributionKind.Cauchy, 0.2, 1.5, 0, -2.4, 0.6),
            P3 = new(PriorDistributionKind.Exponential, 1.5, 0, 0, 0.4, 0),
            P4 = PriorSlot.Flat,
        };
        Assert.Equal(5, Enum.GetValues<LikelihoodKind>().Length);
        int perRow = MathKernels.PerRow;
        using var dx = Accelerator.Allocate<double>(x);
        using var dOut = Accelerator.Allocate<double>((long)n * perRow);
        var kernel = Accelerator.Kernel("Tests.MathKernels.ScalarTerms",
            a => a.LoadStreamKernel<ArrayView<double>, MathKernels.FivePriors, ArrayView<double>, int>(MathKernels.ScalarTerms));
        kernel(Accelerator.Shape(Accelerator.GroupsFor(n)), dx.View, priors, dOut.View, n);
        var device = dOut.ToArray();
        var host = new double[device.Length];
        unsafe
        {
            fixed (double* px = x, ph = host)
                for (int i = 0; i < n; i++) MathKernels.Terms(new PointerVector(px + 4 * i), priors, new PointerVector(ph + i * perRow));
        }
        long worst = 0;
        for (int i = 0; i < host.Length; i++)
        {
            if (SameArithmetic) Assert.Equal(BitConverter.DoubleToInt64Bits(host[i]), BitConverter.DoubleToInt64Bits(device[i]));
            else Tolerance.AllClose(host.AsSpan(i, 1), device.AsSpan(i, 1), 1e-13, $"scalar term {i % perRow} of row {i / perRow}", 1e-300);
            worst = Math.Max(worst, Tolerance.Ulps(host[i], device[i]));
        }
        Output.WriteLine($"{n} rows × {perRow} family and prior terms: worst {worst} ulp");
    }

    protected void The_CPC_transform_and_its_gradient_on_the_device_equal_the_host()
    {
        var rng = new Random(3);
        foreach (int k in new[] { 2, 3, 5 })
        {
            int free = CholeskyCorr.FreeCount(k), cases = 64;
            var y = Tolerance.RandomDoubles(rng, cases * free, -3, 3);
            var gL = Tolerance.RandomDoubles(rng, cases * k * k, -1, 1);
            using var dy = Accelerator.Allocate<double>(y);
            using var dgL = Accelerator.Allocate<double>(gL);
            using var dl = Accelerator.Allocate<double>(cases * k * k);
            using var dgy = Accelerator.Allocate<double>(cases * free + cases);
            var kernel = Accelerator.Kernel("Tests.MathKernels.Cpc",
                a => a.LoadStreamKernel<ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<double>, int, int>(MathKernels.Cpc));
            kernel(Accelerator.Shape(Accelerator.GroupsFor(cases)), dy.View, dgL.View, dl.View, dgy.View, k, cases);
            var l = dl.ToArray();
            var gy = dgy.ToArray();
            for (int c = 0; c < cases; c++)
            {
                var hl = new double[k * k];
                double logJ = GpuHbm.Models.CholeskyCorrTransform.Constrain(y.AsSpan(c * free, free), k, hl);
                var hgL = gL.AsSpan(c * k * k, k * k).ToArray();
                var hgy = new double[free];
                GpuHbm.Models.CholeskyCorrTransform.Gradient(y.AsSpan(c * free, free), k, hl, hgL, hgy);
                double[] expected = [.. hl, .. hgy, logJ];
                double[] actual = [.. l.AsSpan(c * k * k, k * k), .. gy.AsSpan(c * free, free), gy[cases * free + c]];
                if (SameArithmetic) Assert.Equal(expected.Select(BitConverter.DoubleToInt64Bits), actual.Select(BitConverter.DoubleToInt64Bits));
                else Tolerance.AllClose(expected, actual, 1e-13, $"K = {k}, case {c}", 1);
            }
        }
    }
}

/// <summary>Test kernels that run the shared scalar math element by element.</summary>
internal static class MathKernels
{
    /// <summary>output[4i..4i+4) = Philox.Block(input[6i..6i+6)).</summary>
    public static void PhiloxBlocks(ArrayView<uint> input, ArrayView<uint> output, int n)
    {
        long stride = (long)Grid.DimX * Group.DimX;
        for (long i = Grid.GlobalIndex.X; i < n; i += stride)
        {
            var (x0, x1, x2, x3) = Philox.Block(input[6 * i], input[6 * i + 1], input[6 * i + 2], input[6 * i + 3], input[6 * i + 4], input[6 * i + 5]);
            output[4 * i] = x0;
            output[4 * i + 1] = x1;
            output[4 * i + 2] = x2;
            output[4 * i + 3] = x3;
        }
    }

    /// <summary>Five prior slots passed by value.</summary>
    public struct FivePriors
    {
        public PriorSlot P0, P1, P2, P3, P4;

        public readonly PriorSlot Get(int i) => i switch { 0 => P0, 1 => P1, 2 => P2, 3 => P3, _ => P4 };
    }

    /// <summary>Values per row of <see cref="Terms"/>: every likelihood's (log-lik, d, u²), then every prior's (log p, d).</summary>
    public const int PerRow = 3 * 5 + 2 * 5;

    /// <summary>Row i of (y, n, 1/scale, η): <see cref="Terms"/> on the device.</summary>
    public static void ScalarTerms(ArrayView<double> x, FivePriors priors, ArrayView<double> output, int n)
    {
        long stride = (long)Grid.DimX * Group.DimX;
        for (long i = Grid.GlobalIndex.X; i < n; i += stride)
            Terms(new ViewVector(x.SubView(4 * i, 4)), priors, new ViewVector(output.SubView(i * PerRow, PerRow)));
    }

    /// <summary>The family terms of every likelihood at (y, n, 1/scale, η), then every prior at η/4.</summary>
    public static void Terms<TX, TOut>(TX x, FivePriors priors, TOut output) where TX : struct, IVector where TOut : struct, IVector
    {
        double y = x[0], trials = x[1], scale = x[2], eta = x[3];
        for (int k = 0; k < 5; k++)
        {
            var kind = (LikelihoodKind)k;
            double yy = kind == LikelihoodKind.Bernoulli ? Math.Min(y, 1) : kind == LikelihoodKind.Binomial ? Math.Min(y, trials) : y;
            output[3 * k] = FamilyTerms.Row(kind, yy, trials, scale, eta, out double d, out double sq);
            output[3 * k + 1] = d;
            output[3 * k + 2] = sq;
        }
        for (int p = 0; p < 5; p++)
        {
            output[15 + 2 * p] = PriorDensity.LogDensity(priors.Get(p), eta / 4, out double d);
            output[15 + 2 * p + 1] = d;
        }
    }

    /// <summary>Per case: L and log|J| from y, then the gradient from ∂/∂L (gL is overwritten), on the device.</summary>
    public static void Cpc(ArrayView<double> y, ArrayView<double> gL, ArrayView<double> l, ArrayView<double> gy, int k, int cases)
    {
        long stride = (long)Grid.DimX * Group.DimX;
        int free = CholeskyCorr.FreeCount(k);
        for (long c = Grid.GlobalIndex.X; c < cases; c += stride)
        {
            var yc = new ViewVector(y.SubView(c * free, free));
            var lc = new ViewVector(l.SubView(c * k * k, k * k));
            double logJ = CholeskyCorr.Constrain(yc, k, lc);
            CholeskyCorr.Gradient(yc, k, lc, new ViewVector(gL.SubView(c * k * k, k * k)), new ViewVector(gy.SubView(c * free, free)));
            gy[cases * free + c] = logJ;
        }
    }
}
