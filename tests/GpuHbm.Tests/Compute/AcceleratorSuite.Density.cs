using GpuHbm.Compute;
using GpuHbm.Data;
using GpuHbm.Models;
using GpuHbm.Tests.Models;
using Xunit;
using static GpuHbm.Tests.Models.ModelTestHelpers;

namespace GpuHbm.Tests.Compute;

/// <summary>
/// <see cref="DeviceGlmmDensity"/> (the GLMM kernels) against the managed CPU reference <see cref="CompiledModel.Evaluate"/>:
/// every family × random-effects structure × several prior kinds, real data sets, tiling, chain independence, −∞,
/// kinship terms; 1e-12 relative.
/// </summary>
public abstract partial class AcceleratorSuite
{
    private const double Sentinel = -12345.678;
    private static readonly Lazy<DataTable> SyntheticData = new(() => Synthetic(60, 11));

    public static IReadOnlyList<(string Family, string Formula)> Families => GpuHbm.Tests.Models.ModelCases.Families;

    public static IReadOnlyList<string> Structures => GpuHbm.Tests.Models.ModelCases.Structures;

    /// <summary>Prior sets cycled over the cases: every distribution kind on b/Intercept, sd, sigma and cor.</summary>
    private static string[] PriorsFor(int index, CompiledModel probe)
    {
        bool intercept = probe.FixedColumnNames.Contains("Intercept");
        bool slopes = probe.FixedColumnNames.Any(c => c != "Intercept");
        bool sigma = probe.Layout.Find("sigma") is not null;
        bool terms = probe.RandomTerms.Count > 0;
        bool cor = probe.RandomTerms.Any(t => t.Correlated);
        var list = new List<string>();
        switch (index % 4)
        {
            case 0:
                if (intercept) list.Add("Intercept ~ normal(0.3, 2)");
                if (slopes) list.Add("b ~ student_t(3, 0.1, 2.5)");
                if (terms) list.Add("sd ~ normal(0.5, 1)");     // half normal with a nonzero location
                if (sigma) list.Add("sigma ~ cauchy(0, 2)");
                if (cor) list.Add("cor ~ lkj(2)");
                break;
            case 1:
                if (intercept) list.Add("Intercept ~ cauchy(0, 3)");
                if (slopes) list.Add("b ~ flat");
                if (terms) list.Add("sd ~ exponential(1.5)");
                if (sigma) list.Add("sigma ~ student_t(4, 0.2, 1.5)");
                if (cor) list.Add("cor ~ lkj(0.7)");
                break;
            case 2:
                if (intercept) list.Add("Intercept ~ flat");
                if (slopes) list.Add("b ~ normal(0, 10)");
                if (terms) list.Add("sd ~ cauchy(0.2, 1)");
                if (sigma) list.Add("sigma ~ exponential(2)");
                break;
            default:
                break; // defaults (student_t on Intercept, flat b, half student_t sd/sigma, lkj(1))
        }
        return list.ToArray();
    }

    private static CompiledModel CaseModel(string family, string formula, int index)
    {
        var data = SyntheticData.Value;
        var probe = Compile(formula, Family.Parse(family), data);
        return Compile(formula, Family.Parse(family), data, PriorsFor(index, probe));
    }

    private static int[] Mask(int chains) => chains switch
    {
        1 => [1],
        3 => [1, 0, 1],
        7 => [1, 1, 0, 1, 0, 1, 1],
        _ => Enumerable.Repeat(1, chains).ToArray(),
    };

    private static double[] Positions(int dim, int chains, int seed, double scale) =>
        Enumerable.Range(0, chains).SelectMany(c => RandomTheta(dim, seed * 131 + c, scale)).ToArray();

    /// <summary>Runs the device density on <paramref name="pos"/> with sentinel-filled outputs.</summary>
    private (double[] Lp, double[] Grad) RunDevice(DeviceGlmmDensity density, double[] pos, int[] mask)
    {
        int chains = mask.Length, d = density.Dimension;
        var acc = Accelerator;
        using var dPos = acc.Allocate<double>(pos);
        using var dGrad = acc.Allocate<double>(Enumerable.Repeat(Sentinel, chains * d).ToArray());
        using var dLp = acc.Allocate<double>(Enumerable.Repeat(Sentinel, chains).ToArray());
        using var dActive = acc.Allocate<int>(mask);
        density.Evaluate(dPos.View, dGrad.View, dLp.View, dActive.View, chains);
        return (dLp.ToArray(), dGrad.ToArray());
    }

    /// <summary>Device vs CPU for every active chain (1e-12 relative to max(|value|, 1)); inactive chains untouched.</summary>
    private static double Compare(CompiledModel model, double[] pos, int[] mask, double[] lp, double[] grad, string what)
    {
        int chains = mask.Length, d = model.Dimension;
        var cpuLp = new double[chains];
        var cpuGrad = new double[chains * d];
        model.Evaluate(pos, cpuLp, cpuGrad, chains);
        double worst = 0;
        for (int c = 0; c < chains; c++)
        {
            if (mask[c] == 0)
            {
                Assert.True(lp[c] == Sentinel, $"{what}: inactive chain {c} log density written ({lp[c]})");
                for (int i = 0; i < d; i++)
                    Assert.True(grad[c * d + i] == Sentinel, $"{what}: inactive chain {c} gradient[{i}] written");
                continue;
            }
            worst = Math.Max(worst, Check(cpuLp[c], lp[c], $"{what}: chain {c} log density"));
            if (double.IsNegativeInfinity(cpuLp[c])) continue;
            for (int i = 0; i < d; i++)
                worst = Math.Max(worst, Check(cpuGrad[c * d + i], grad[c * d + i], $"{what}: chain {c} d/dθ[{i}] ({Block(model, i)})"));
        }
        return worst;
    }

    private static double Check(double expected, double actual, string what)
    {
        if (expected == actual) return 0;
        double err = Math.Abs(actual - expected) / Math.Max(Math.Abs(expected), 1);
        Assert.True(err <= 1e-12, $"{what}: device {actual:R}, CPU {expected:R}, relative difference {err:E3}");
        return err;
    }

    private static string Block(CompiledModel m, int i)
    {
        var b = m.Layout.Blocks.First(x => i >= x.Offset && i < x.Offset + x.Length);
        return $"{b.Name}[{i - b.Offset}]";
    }

    protected void Every_family_and_structure_matches_the_CPU_reference()
    {
        int index = 0;
        double worst = 0;
        foreach (var (family, f) in Families)
            foreach (var s in Structures)
            {
                string formula = f + s;
                var model = CaseModel(family, formula, index);
                using var density = new DeviceGlmmDensity(Accelerator, model, 7);
                foreach (int chains in new[] { 1, 3, 7 })
                {
                    var mask = Mask(chains);
                    var pos = Positions(model.Dimension, chains, index + chains, 0.8);
                    var (lp, grad) = RunDevice(density, pos, mask);
                    worst = Math.Max(worst, Compare(model, pos, mask, lp, grad, $"{family} {formula} (C = {chains})"));
                }
                index++;
            }
        Output.WriteLine($"{index} models × C = 1, 3, 7: worst relative difference {worst:E2}");
    }

    public static IEnumerable<(string Name, CompiledModel Model)> RealModels()
    {
        yield return ("radon_mn", Compile("log_radon ~ 1 + floor + (1 + floor || county)", Family.Gaussian, DesignMatrixTests.Csv("radon_mn.csv"),
            "Intercept ~ normal(0, 10)", "b ~ normal(0, 10)", "sigma ~ normal(0, 1)", "sd ~ normal(0, 1)"));
        yield return ("sleepstudy", Compile("Reaction ~ 1 + Days + (1 + Days | Subject)", Family.Gaussian, DesignMatrixTests.Csv("sleepstudy.csv"),
            "Intercept ~ normal(250, 100)", "b ~ normal(0, 50)", "sigma ~ normal(0, 50)", "sd ~ normal(0, 50)", "cor ~ lkj(2)"));
        yield return ("cbpp", CompiledModel.Compile(new ModelSpec(TestFormula.Parse("incidence | trials(size) ~ period + (1 | herd)"), Family.Binomial,
            new[] { "Intercept ~ normal(0, 5)", "b ~ normal(0, 5)", "sd ~ normal(0, 2)" }.Select(PriorSpec.Parse).ToList(),
            CategoricalColumns: ["period"]), DesignMatrixTests.Csv("cbpp.csv")));
    }

    protected void Real_data_sets_match_the_CPU_reference()
    {
        foreach (var (name, model) in RealModels())
        {
            using var density = new DeviceGlmmDensity(Accelerator, model, 7);
            double worst = 0;
            foreach (int chains in new[] { 1, 3, 7 })
                foreach (double scale in new[] { 0.3, 1.0 })
                {
                    var mask = Mask(chains);
                    var pos = Positions(model.Dimension, chains, chains + (int)(10 * scale), scale);
                    if (name == "sleepstudy")   // the posterior's scale: intercept ~ 250, slope ~ 10, sigma ~ 25
                        for (int c = 0; c < chains; c++) { pos[c * model.Dimension] += 250; pos[c * model.Dimension + 1] += 10; pos[c * model.Dimension + 2] += 3; }
                    var (lp, grad) = RunDevice(density, pos, mask);
                    worst = Math.Max(worst, Compare(model, pos, mask, lp, grad, $"{name} (C = {chains}, scale {scale})"));
                }
            Output.WriteLine($"{name}: N = {model.ObservationCount}, D = {model.Dimension}, worst relative difference {worst:E2}");
        }
    }

    protected void Tiles_give_the_same_result_as_one_tile_bit_for_bit()
    {
        var data = Synthetic(3000, 5);
        foreach (var (family, formula) in new[]
                 {
                     ("poisson", "yp ~ 1 + x1 + f + offset(off) + (1 + x1 | g) + (1 | h)"),
                     ("gaussian", "yg ~ 1 + x1 + (1 + x1 + x2 | g) + (1 | g:h)"),
                 })
        {
            var model = Compile(formula, Family.Parse(family), data);
            const int chains = 7;
            var mask = Mask(chains);
            var pos = Positions(model.Dimension, chains, 3, 0.5);
            using var standard = new DeviceGlmmDensity(Accelerator, model, chains);
            using var tiny = new DeviceGlmmDensity(Accelerator, model, chains, segmentRows: 128, tileRows: 256);
            using var oneTile = new DeviceGlmmDensity(Accelerator, model, chains, segmentRows: 128, tileRows: 0);
            Assert.Equal(1, standard.Tiles);
            Assert.Equal(12, tiny.Tiles);
            Assert.Equal(1, oneTile.Tiles);

            var a = RunDevice(tiny, pos, mask);
            var again = RunDevice(tiny, pos, mask);
            var b = RunDevice(oneTile, pos, mask);
            var s = RunDevice(standard, pos, mask);
            Assert.Equal(Bits(a.Lp), Bits(again.Lp));      // run to run
            Assert.Equal(Bits(a.Grad), Bits(again.Grad));
            Assert.Equal(Bits(a.Lp), Bits(b.Lp));          // whatever the tile size
            Assert.Equal(Bits(a.Grad), Bits(b.Grad));
            Compare(model, pos, mask, a.Lp, a.Grad, $"{formula}, 12 tiles");
            Compare(model, pos, mask, s.Lp, s.Grad, $"{formula}, one tile of default segments");
            for (int i = 0; i < a.Lp.Length; i++) Check(s.Lp[i], a.Lp[i], "12 tiles vs one tile, log density");
            for (int i = 0; i < a.Grad.Length; i++) Check(s.Grad[i], a.Grad[i], $"12 tiles vs one tile, gradient[{i}]");
        }
    }

    protected void A_chain_gives_the_same_bits_whatever_the_other_chains()
    {
        var model = CaseModel("binomial", "ys | trials(nt) ~ 1 + x1 + f + (1 + x1 + x2 | g) + (1 | g:h)", 1);
        int d = model.Dimension;
        const int chains = 7;
        var pos = Positions(d, chains, 17, 0.8);
        using var density = new DeviceGlmmDensity(Accelerator, model, chains);
        var all = RunDevice(density, pos, Mask(chains));
        var again = RunDevice(density, pos, Mask(chains));
        Assert.Equal(Bits(all.Lp), Bits(again.Lp));
        Assert.Equal(Bits(all.Grad), Bits(again.Grad));
        var mask = Mask(chains);
        for (int c = 0; c < chains; c++)
        {
            if (mask[c] == 0) continue;
            var one = RunDevice(density, pos[(c * d)..((c + 1) * d)], [1]);
            Assert.Equal(BitConverter.DoubleToInt64Bits(all.Lp[c]), BitConverter.DoubleToInt64Bits(one.Lp[0]));
            Assert.Equal(Bits(all.Grad[(c * d)..((c + 1) * d)]), Bits(one.Grad));
        }
    }

    protected void A_term_with_more_than_eight_effects_matches_the_CPU_reference()
    {
        // K = 10: the kernels keep no per-thread arrays sized by K, so any K runs.
        var model = Compile("yg ~ 1 + x1 + (1 + x1 * x2 * f | g)", Family.Gaussian, SyntheticData.Value, "cor ~ lkj(1.5)");
        Assert.True(model.RandomTerms[0].K > 8);
        using var density = new DeviceGlmmDensity(Accelerator, model, 3);
        var mask = Mask(3);
        var pos = Positions(model.Dimension, 3, 23, 0.4);
        var (lp, grad) = RunDevice(density, pos, mask);
        double worst = Compare(model, pos, mask, lp, grad, $"K = {model.RandomTerms[0].K}");
        Output.WriteLine($"K = {model.RandomTerms[0].K}: worst relative difference {worst:E2}");
    }

    /// <summary>
    /// K over 70 individuals (10 without data); 60 individuals × 2 rows, shuffled (data order differs from K's);
    /// g has 3 levels. The general kinship path: a CompiledModel with the relationship-matrix term.
    /// </summary>
    private static CompiledModel KinshipModel(string family, string formula, string[] priors)
    {
        var k = GpuHbm.Tests.Models.Kinship.KinshipTestData.RandomKinship(70, 90, 301);
        var rng = new Random(302);
        var rows = Enumerable.Range(0, 120).OrderBy(_ => rng.Next()).ToArray();
        var ids = rows.Select(r => k.Ids[r % 60]).ToArray();
        var x = GpuHbm.Tests.Models.Kinship.KinshipTestData.Normals(rng, rows.Length);
        var y = x.Select(v => 0.5 + 0.3 * v + rng.NextDouble()).ToArray();
        var yb = x.Select(v => rng.NextDouble() < 0.4 + 0.2 * Math.Tanh(v) ? "1" : "0").ToArray();
        var g = rows.Select(r => "G" + (r % 3)).ToArray();
        var data = GpuHbm.Tests.Models.Kinship.KinshipModelData.Table(ids, x, y, ("yb", yb), ("g", g));
        return CompiledModel.Compile(new ModelSpec(GpuHbm.Formulas.FormulaParser.Parse(formula), Family.Parse(family),
            priors.Where(p => family == "gaussian" || !p.StartsWith("sigma", StringComparison.Ordinal)).Select(PriorSpec.Parse).ToList(),
            RelationshipMatrices: new Dictionary<string, GpuHbm.Models.Kinship.RelationshipMatrix> { ["K"] = k }), data);
    }

    protected void Kinship_terms_match_the_CPU_reference()
    {
        string[][] priorSets =
        [
            ["Intercept ~ normal(0, 5)", "b ~ normal(0, 2)", "sd ~ normal(0, 1.5)", "sigma ~ student_t(3, 0, 2)"],
            ["Intercept ~ cauchy(0, 3)", "sd ~ exponential(1.5)", "sigma ~ exponential(2)"],
            [],
        ];
        int index = 0;
        foreach (var (family, formula) in new[]
                 {
                     ("gaussian", "y ~ 1 + x + (1 | gr(id, cov = K))"),
                     ("bernoulli", "yb ~ 1 + x + (1 | gr(id, cov = K))"),
                     ("gaussian", "y ~ 1 + x + (1 | gr(id, cov = K)) + (1 | g)"),
                     ("bernoulli", "yb ~ 1 + x + (1 | g) + (1 | gr(id, cov = K))"),
                 })
        {
            var model = KinshipModel(family, formula, priorSets[index % priorSets.Length]);
            Assert.Contains(model.RandomTerms, t => t.RelationshipName is not null);
            Assert.NotNull(BackendSelection.DeviceModel(model));
            using var density = new DeviceGlmmDensity(Accelerator, model, 7);
            double worst = 0;
            foreach (int chains in new[] { 1, 3, 7 })
                foreach (double scale in new[] { 0.3, 1.0 })
                {
                    var mask = Mask(chains);
                    var pos = Positions(model.Dimension, chains, 40 + index * 10 + chains + (int)(10 * scale), scale);
                    var (lp, grad) = RunDevice(density, pos, mask);
                    worst = Math.Max(worst, Compare(model, pos, mask, lp, grad, $"{family} {formula} (C = {chains}, scale {scale})"));
                    var again = RunDevice(density, pos, mask);
                    Assert.Equal(Bits(lp), Bits(again.Lp));
                    Assert.Equal(Bits(grad), Bits(again.Grad));
                }
            // Tiled: 120 rows in tiles of 32 give the same bits as one tile.
            using var tiled = new DeviceGlmmDensity(Accelerator, model, 7, segmentRows: 16, tileRows: 32);
            Assert.True(tiled.Tiles > 1);
            {
                var mask = Mask(7);
                var pos = Positions(model.Dimension, 7, 99 + index, 0.8);
                var a = RunDevice(tiled, pos, mask);
                using var oneTile = new DeviceGlmmDensity(Accelerator, model, 7, segmentRows: 16, tileRows: 0);
                var b = RunDevice(oneTile, pos, mask);
                Assert.Equal(Bits(a.Lp), Bits(b.Lp));
                Assert.Equal(Bits(a.Grad), Bits(b.Grad));
                worst = Math.Max(worst, Compare(model, pos, mask, a.Lp, a.Grad, $"{formula}, {tiled.Tiles} tiles"));
            }
            Output.WriteLine($"{family} {formula}: D = {model.Dimension}, worst relative difference {worst:E2}");
            index++;
        }
    }

    private static long[] Bits(double[] v) => v.Select(BitConverter.DoubleToInt64Bits).ToArray();

    protected void Overflow_gives_negative_infinity()
    {
        var data = SyntheticData.Value;
        foreach (var (family, formula, index, value) in new[]
                 {
                     ("poisson", "yp ~ 1 + x1 + (1 | g)", 0, 1000.0),         // e^η overflows
                     ("gaussian", "yg ~ 1 + x1 + (1 + x1 | g)", 2, -800.0),   // 1/sigma overflows
                     ("bernoulli", "yb ~ 1 + x1 + (1 | g)", 2, 800.0),        // sd = e^800 overflows
                 })
        {
            var model = Compile(formula, Family.Parse(family), data);
            using var density = new DeviceGlmmDensity(Accelerator, model, 3);
            var mask = Mask(3);
            var pos = Positions(model.Dimension, 3, 9, 0.5);
            pos[2 * model.Dimension + index] = value;    // chain 2 overflows, chain 0 does not
            var (lp, grad) = RunDevice(density, pos, mask);
            Assert.True(double.IsFinite(lp[0]));
            Assert.Equal(double.NegativeInfinity, lp[2]);
            Compare(model, pos, mask, lp, grad, $"{formula} with θ[{index}] = {value}");
        }
    }

    protected void Arguments_are_checked()
    {
        var model = CaseModel("gaussian", "yg ~ 1 + x1 + (1 | g)", 0);
        using var density = new DeviceGlmmDensity(Accelerator, model, 2);
        var acc = Accelerator;
        using var pos = acc.Allocate<double>(2 * model.Dimension);
        using var grad = acc.Allocate<double>(2 * model.Dimension);
        using var lp = acc.Allocate<double>(2);
        using var active = acc.Allocate<int>(2);
        Assert.Throws<ArgumentOutOfRangeException>(() => density.Evaluate(pos.View, grad.View, lp.View, active.View, 3));
        using var shortGrad = acc.Allocate<double>(model.Dimension);
        Assert.Throws<ArgumentException>(() => density.Evaluate(pos.View, shortGrad.View, lp.View, active.View, 2));
        Assert.Equal(model.Dimension, density.Dimension);
        Assert.Equal(2, density.MaxChains);
    }

    /// <summary>
    /// The density at a GPU's launch shape (groups of 128, on the wide CPU accelerator) against this accelerator's and
    /// the CPU reference: the reduction trees differ only in shape, so the results agree to rounding.
    /// </summary>
    protected void The_density_at_a_GPU_group_size_matches()
    {
        var model = CaseModel("poisson", "yp ~ 1 + x1 + f + offset(off) + (1 + x1 + x2 | g) + (1 | g:h)", 0);
        var mask = Mask(3);
        var pos = Positions(model.Dimension, 3, 31, 0.6);
        using var here = new DeviceGlmmDensity(Accelerator, model, 3);
        var a = RunDevice(here, pos, mask);
        var wide = DeviceFixtures.WideCpuAccelerator;
        Assert.Equal(128, wide.GroupSize);
        using var gpuShape = new DeviceGlmmDensity(wide, model, 3);
        using var dPos = wide.Allocate<double>(pos);
        using var dGrad = wide.Allocate<double>(Enumerable.Repeat(Sentinel, 3 * model.Dimension).ToArray());
        using var dLp = wide.Allocate<double>(Enumerable.Repeat(Sentinel, 3).ToArray());
        using var dActive = wide.Allocate<int>(mask);
        gpuShape.Evaluate(dPos.View, dGrad.View, dLp.View, dActive.View, 3);
        Compare(model, pos, mask, dLp.ToArray(), dGrad.ToArray(), "groups of 128");
        Compare(model, pos, mask, a.Lp, a.Grad, $"groups of {Accelerator.GroupSize}");
    }
}
