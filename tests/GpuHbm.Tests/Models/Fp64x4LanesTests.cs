using System.Runtime.Intrinsics;
using GpuHbm.Kernels;
using GpuHbm.Models;
using Xunit;

namespace GpuHbm.Tests.Models;

/// <summary>
/// The branch-free row formulas on four lanes (<see cref="Fp64x4"/>, the managed SIMD row loop) against the same formula
/// on one double (<see cref="Fp64Lane"/>, the kernels and the scalar loop): every lane must be bit for bit the scalar
/// result, because the density's SIMD path, its scalar tails and the device kernels must agree exactly. The arguments
/// cover the ordinary range, both sides of every select (η = 0, ±0, the log1p reduction bound, the ±708 clamp) and
/// the far tails.
/// </summary>
public class Fp64x4LanesTests
{
    private static double[] Arguments()
    {
        var rng = new Random(20261130);
        var x = new List<double> { 0.0, -0.0, 708.0, -708.0, 708.5, -708.5, 745.2, -745.2, 800, -800, 1e-300, -1e-300,
            0.34657359027997264, -0.34657359027997264, 1.0, -1.0, 36.9, -36.9, double.PositiveInfinity, double.NegativeInfinity,
            -Math.Log(0.4142136573791504), -Math.Log(0.41421356237309503), Math.BitDecrement(708.0), 709.0, double.NaN };
        for (int i = 0; i < 40_000; i++)
            x.Add(i % 4 == 0 ? 1600 * rng.NextDouble() - 800 : i % 4 == 1 ? 20 * rng.NextDouble() - 10 : Math.ScaleB(1 + rng.NextDouble(), rng.Next(-60, 10)) * (rng.Next(2) == 0 ? -1 : 1));
        while (x.Count % 4 != 0) x.Add(rng.NextDouble());
        return x.ToArray();
    }

    private static Fp64x4 Lanes(double[] v, int i) => new(Vector256.Create(v[i], v[i + 1], v[i + 2], v[i + 3]));

    private static void AssertLanes(string what, double[] expected, int i, Fp64x4 actual)
    {
        for (int l = 0; l < 4; l++)
        {
            double e = expected[i + l], a = actual.Value.GetElement(l);
            Assert.True(BitConverter.DoubleToInt64Bits(e) == BitConverter.DoubleToInt64Bits(a) || (double.IsNaN(e) && double.IsNaN(a)),
                $"{what} at row {i + l}: one lane {e:R}, four lanes {a:R}");
        }
    }

    [Fact]
    public void Binomial_and_poisson_rows_on_four_lanes_are_the_scalar_rows_bit_for_bit()
    {
        var eta = Arguments();
        var rng = new Random(7);
        var y = eta.Select(_ => (double)rng.Next(0, 2)).ToArray();
        var trials = eta.Select(_ => (double)rng.Next(1, 30)).ToArray();
        var counts = trials.Select(n => Math.Floor(n * rng.NextDouble())).ToArray();
        int rows = eta.Length;
        double[] ll = new double[rows], d = new double[rows], llB = new double[rows], dB = new double[rows], llP = new double[rows], dP = new double[rows];
        for (int i = 0; i < rows; i++)
        {
            ll[i] = FamilyTerms.BinomialLogit<double, Fp64Lane>(y[i], 1, eta[i], out d[i]);
            llB[i] = FamilyTerms.BinomialLogit<double, Fp64Lane>(counts[i], trials[i], eta[i], out dB[i]);
            llP[i] = FamilyTerms.PoissonLog<double, Fp64Lane>(counts[i], eta[i], out dP[i]);
        }
        for (int i = 0; i < rows; i += 4)
        {
            var e4 = Lanes(eta, i);
            AssertLanes("bernoulli log lik", ll, i, FamilyTerms.BinomialLogit<Fp64x4, Fp64x4>(Lanes(y, i), Fp64x4.Constant(1), e4, out var d4));
            AssertLanes("bernoulli d", d, i, d4);
            AssertLanes("binomial log lik", llB, i, FamilyTerms.BinomialLogit<Fp64x4, Fp64x4>(Lanes(counts, i), Lanes(trials, i), e4, out var dB4));
            AssertLanes("binomial d", dB, i, dB4);
            AssertLanes("poisson log lik", llP, i, FamilyTerms.PoissonLog<Fp64x4, Fp64x4>(Lanes(counts, i), e4, out var dP4));
            AssertLanes("poisson d", dP, i, dP4);
        }
    }

    [Fact]
    public void Exp_and_log1p_on_four_lanes_are_the_scalar_functions_bit_for_bit()
    {
        var x = Arguments();
        // Log1pUnit's domain [0, 1]: the reduction bound and its neighbours, the ends, and e^−|x| of the arguments.
        double bound = 0.4142136573791504;
        double[] edges = [Math.BitDecrement(bound), bound, Math.BitIncrement(bound), 0.0, 1.0, Math.BitDecrement(1.0), double.Epsilon, 1e-300];
        var unit = edges.Concat(x.Skip(edges.Length).Select(v => Math.Exp(-Math.Abs(v)))).ToArray();
        var exp = x.Select(DeviceMath.ExpClamped<double, Fp64Lane>).ToArray();
        var log1p = unit.Select(DeviceMath.Log1pUnit<double, Fp64Lane>).ToArray();
        for (int i = 0; i < x.Length; i += 4)
        {
            AssertLanes("exp", exp, i, DeviceMath.ExpClamped<Fp64x4, Fp64x4>(Lanes(x, i)));
            AssertLanes("log1p", log1p, i, DeviceMath.Log1pUnit<Fp64x4, Fp64x4>(Lanes(unit, i)));
        }
    }

    /// <summary>
    /// The Poisson row from η = 708 on is −∞ with d = −∞ (the mean e^η would saturate at e^708, and a log likelihood
    /// that kept growing with η would draw a sampler or optimiser out to infinity); just below, it is finite.
    /// </summary>
    [Theory]
    [InlineData(708.0)]
    [InlineData(709.0)]
    [InlineData(800.0)]
    [InlineData(double.PositiveInfinity)]
    public void Poisson_row_is_minus_infinity_where_the_mean_leaves_the_doubles(double eta)
    {
        foreach (double y in new[] { 0.0, 3.0, 1e6 })
        {
            Assert.Equal(double.NegativeInfinity, FamilyTerms.PoissonLog<double, Fp64Lane>(y, eta, out double d));
            Assert.Equal(double.NegativeInfinity, d);
        }
        Assert.True(double.IsFinite(FamilyTerms.PoissonLog<double, Fp64Lane>(3.0, Math.BitDecrement(708.0), out double below)));
        Assert.True(double.IsFinite(below));
    }

    /// <summary>
    /// The branch-free bernoulli and binomial rows against the textbook form y·η − n·log(1 + e^η), d = y − n/(1 + e^−η),
    /// evaluated with System.Math where that form is accurate (|η| ≤ 30): within 4·10^−15 of the magnitudes involved.
    /// </summary>
    [Fact]
    public void Binomial_row_matches_the_textbook_formula()
    {
        var rng = new Random(11);
        for (int i = 0; i < 20_000; i++)
        {
            double eta = 60 * rng.NextDouble() - 30, n = rng.Next(1, 40), y = Math.Floor((n + 1) * rng.NextDouble());
            double ll = FamilyTerms.BinomialLogit<double, Fp64Lane>(y, n, eta, out double d);
            double expected = y * eta - n * Math.Log(1 + Math.Exp(eta)), dExpected = y - n / (1 + Math.Exp(-eta));
            double scale = Math.Abs(y * eta) + n * (Math.Abs(eta) + 1);
            Assert.True(Math.Abs(ll - expected) <= 4e-15 * scale, $"η {eta:R}, n {n}, y {y}: {ll:R} vs {expected:R}");
            Assert.True(Math.Abs(d - dExpected) <= 4e-15 * (n + 1), $"η {eta:R}: d {d:R} vs {dExpected:R}");
        }
    }
}
