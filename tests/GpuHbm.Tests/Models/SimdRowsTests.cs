using System.Globalization;
using GpuHbm.Data;
using GpuHbm.Models;
using Xunit;
using static GpuHbm.Tests.Models.ModelTestHelpers;

namespace GpuHbm.Tests.Models;

/// <summary>
/// The density's row loops four rows at a time (<c>Simd</c>, Vector256) against the same generic loop one row at a time,
/// the block partials of ∂/∂r against finite differences and the naive density, and the row split across threads for one
/// chain (bit for bit whatever the thread count).
/// </summary>
public class SimdRowsTests
{
    private static readonly Lazy<DataTable> Small = new(() => Synthetic(203, 5));     // 50 lanes of four and a tail of three
    private static readonly Lazy<DataTable> Blocks = new(() => Synthetic(9_001, 7));  // three blocks, chunk tails
    private static readonly Lazy<DataTable> CrossedData = new(() => Crossed(10_003));

    public static TheoryData<string, string, bool> Cases()
    {
        var data = new TheoryData<string, string, bool>();
        // Plus p = 2 (intercept and one slope: the loops' register case) for a gaussian and a logit family.
        foreach (var (family, fixedPart) in ModelCases.Families.Append(("gaussian", "yg ~ 1 + x2")).Append(("bernoulli", "yb ~ 1 + x2")))
            foreach (var s in ModelCases.Structures)
                foreach (bool large in new[] { false, true })
                    data.Add(family, fixedPart + s, large);
        return data;
    }

    /// <summary>
    /// Four rows at a time changes only the order of the sums over rows (log likelihood, Σu², Σ d·X); every row's d is
    /// the same formula on the same numbers (branch-free, so every lane computes the one-row bits), so ∂/∂z, ∂/∂log sd and
    /// the Cholesky values are equal bit for bit. The reordered sums of n ≤ 9,001 terms differ by at most
    /// about n·ε·Σ|terms| (ε = 1.1e-16): 1e-12 relative for a sum whose terms do not cancel; 1e-9 of max(1, |value|)
    /// leaves room for cancelling sums at random positions and still fails any wrong term by orders of magnitude.
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void Four_rows_at_a_time_agree_with_one_row_at_a_time(string family, string formula, bool large)
    {
        var model = Compile(formula, Family.Parse(family), (large ? Blocks : Small).Value);
        int p = model.FixedColumnCount, sigma = model.Layout.Find("sigma")?.Offset ?? -1;
        for (int seed = 1; seed <= 2; seed++)
        {
            var theta = RandomTheta(model.Dimension, seed * 13 + formula.Length, 0.8);
            model.SimdRows = false;
            var (lpScalar, gScalar) = Evaluate(model, theta);
            model.SimdRows = true;
            var (lpSimd, gSimd) = Evaluate(model, theta);
            Assert.True(double.IsFinite(lpScalar));
            AssertClose(lpScalar, lpSimd, "log density");
            for (int i = 0; i < theta.Length; i++)
            {
                if (i < p || i == sigma) AssertClose(gScalar[i], gSimd[i], $"d/dθ[{i}]");
                else Assert.True(gScalar[i] == gSimd[i], $"{formula}: d/dθ[{i}] scalar {gScalar[i]:R}, simd {gSimd[i]:R} (not a sum over rows: must be equal)");
            }
        }

        void AssertClose(double expected, double actual, string what) =>
            Assert.True(Math.Abs(expected - actual) <= 1e-9 * Math.Max(1, Math.Abs(expected)), $"{formula}: {what} scalar {expected:R}, simd {actual:R}");
    }

    /// <summary>
    /// The crossed shape of the memory-speed benchmark on 10,003 rows (three blocks): students sorted (runs), instructors
    /// and a 14-level department random, plus a factor of 6,000 scattered levels whose block ranges exceed N + J (so it
    /// is scattered over all rows in Finish instead). Gradient against central differences (every b, sd and σ entry and
    /// 25 z of every term) and the log density against the naive implementation.
    /// </summary>
    [Fact]
    public void Crossed_multi_block_gradient_matches_finite_differences_and_the_naive_density()
    {
        var model = Compile(CrossedFormula, Family.Gaussian, CrossedData.Value);
        Assert.True(model.BlockRows < model.ObservationCount);
        Assert.Equal([true, true, true, false], model.TermsWithBlockPartials);
        Assert.True(model.SimdRows || !System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated);
        AssertMatchesNaiveAndFiniteDifferences(model, RandomTheta(model.Dimension, 3, 0.4), zPerBlock: 25, seed: 4);
    }

    /// <summary>
    /// The log density against the naive implementation (1e-9 relative) and the gradient against central differences
    /// (1e-6 relative + 1e-5): every entry outside the z blocks, <paramref name="zPerBlock"/> random entries of each z
    /// block and the <paramref name="extra"/> entries.
    /// </summary>
    private static void AssertMatchesNaiveAndFiniteDifferences(CompiledModel model, double[] theta, int zPerBlock, int seed, params int[] extra)
    {
        var (lp, grad) = Evaluate(model, theta);
        double naive = NaiveDensity.LogDensity(model, theta);
        Assert.True(Math.Abs(naive - lp) < 1e-9 * Math.Abs(naive), $"naive {naive:R}, model {lp:R}");
        var rng = new Random(seed);
        var entries = new List<int>(extra);
        foreach (var b in model.Layout.Blocks)
            if (b.Transform == ParameterTransform.NonCentered) entries.AddRange(Enumerable.Range(0, zPerBlock).Select(_ => b.Offset + rng.Next(b.Length)));
            else entries.AddRange(Enumerable.Range(b.Offset, b.Length));
        foreach (int i in entries)
        {
            double fd = GradientTests.CentralDifference(model, theta, i);
            Assert.True(Math.Abs(fd - grad[i]) <= 1e-6 * Math.Max(1, Math.Abs(fd)) + 1e-5, $"d/dθ[{i}]: analytic {grad[i]:R}, fd {fd:R}");
        }
    }

    /// <summary>
    /// Block partials of a term with K = 2 effects per level whose blocks start past level 0 (a sorted factor of 1,801
    /// levels over 9,001 rows in three blocks: block b's sums sit at level offset lo·K): gradient against central
    /// differences (every b, sd, cor and σ entry and 60 z entries drawn across all blocks' level ranges) and the log density
    /// against the naive implementation, for gaussian and poisson.
    /// </summary>
    [Theory]
    [InlineData("gaussian", "y ~ 1 + x + (1 + x | g)")]
    [InlineData("gaussian", "y ~ 1 + x + (1 + x || g)")]
    [InlineData("poisson", "count ~ 1 + x + (1 + x | g)")]
    public void Slopes_of_a_sorted_factor_in_block_partials_match_finite_differences(string family, string formula)
    {
        var model = Compile(formula, Family.Parse(family), SortedSlopes.Value);
        Assert.True(model.BlockRows < model.ObservationCount);
        Assert.Equal([true], model.TermsWithBlockPartials);
        // Entries of the highest levels (in the last row block, where lo > 0) are always included: a wrong lo·K offset moves them.
        var z = model.Layout.Blocks.First(b => b.Transform == ParameterTransform.NonCentered);
        AssertMatchesNaiveAndFiniteDifferences(model, RandomTheta(model.Dimension, 5, 0.3), zPerBlock: 60, seed: 6,
            z.Offset + z.Length - 1, z.Offset + z.Length - 2, z.Offset + 2 * 1500, z.Offset + 2 * 1500 + 1);
    }

    private static readonly Lazy<DataTable> SortedSlopes = new(() =>
    {
        const int n = 9_001;
        var rng = new Random(23);
        string?[] g = new string?[n], x = new string?[n], y = new string?[n], count = new string?[n];
        for (int i = 0; i < n; i++)
        {
            double xi = rng.NextDouble() - 0.5;
            g[i] = "G" + (i / 5).ToString("D4", CultureInfo.InvariantCulture);
            x[i] = xi.ToString("R", CultureInfo.InvariantCulture);
            y[i] = (1 + 0.5 * xi + rng.NextDouble()).ToString("R", CultureInfo.InvariantCulture);
            count[i] = rng.Next(6).ToString(CultureInfo.InvariantCulture);
        }
        return new DataTable([new DataColumn("g", g), new DataColumn("x", x), new DataColumn("y", y), new DataColumn("count", count)], "sorted slopes test data");
    });

    [Fact]
    public void One_chain_split_across_threads_is_bit_identical_whatever_the_thread_count()
    {
        var model = Compile(CrossedFormula, Family.Gaussian, CrossedData.Value);
        var theta = RandomTheta(model.Dimension, 8, 0.5);
        (double Lp, double[] Grad) Run(long threshold, int threads)
        {
            model.ParallelThresholdRows = threshold;
            model.MaxDegreeOfParallelism = threads;
            return Evaluate(model, theta);
        }
        try
        {
            var sequential = Run(long.MaxValue, -1);
            foreach (int threads in new[] { 2, 3, -1 })  // 1 thread takes the sequential path itself
            {
                var split = Run(0, threads);
                Assert.Equal(BitConverter.DoubleToInt64Bits(sequential.Lp), BitConverter.DoubleToInt64Bits(split.Lp));
                Assert.Equal(sequential.Grad, split.Grad);
            }
        }
        finally
        {
            model.ParallelThresholdRows = 50_000;
            model.MaxDegreeOfParallelism = -1;
        }
    }

    private const string CrossedFormula = "y ~ 1 + x + (1 | s) + (1 | d) + (1 | dept) + (1 | w)";

    /// <summary>s sorted (about 3 rows per level), d random over 1,100, dept = d mod 14, w random over 6,000, x numeric.</summary>
    private static DataTable Crossed(int n)
    {
        var rng = new Random(17);
        string?[] s = new string?[n], d = new string?[n], dept = new string?[n], w = new string?[n], x = new string?[n], y = new string?[n];
        for (int i = 0; i < n; i++)
        {
            int instructor = i < 1100 ? i : rng.Next(1100);
            s[i] = "S" + (i / 3).ToString(CultureInfo.InvariantCulture);
            d[i] = "I" + instructor.ToString(CultureInfo.InvariantCulture);
            dept[i] = "D" + (instructor % 14).ToString(CultureInfo.InvariantCulture);
            w[i] = "W" + (i < 6000 ? i : rng.Next(6000)).ToString(CultureInfo.InvariantCulture);
            double xi = rng.NextDouble();
            x[i] = xi.ToString("R", CultureInfo.InvariantCulture);
            y[i] = (3 + 0.5 * xi + rng.NextDouble()).ToString("R", CultureInfo.InvariantCulture);
        }
        return new DataTable([new DataColumn("s", s), new DataColumn("d", d), new DataColumn("dept", dept), new DataColumn("w", w),
            new DataColumn("x", x), new DataColumn("y", y)], "crossed test data");
    }
}
