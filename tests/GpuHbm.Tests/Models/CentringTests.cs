using GpuHbm.Models;
using GpuHbm.Sampling;
using Xunit;
using static GpuHbm.Tests.Models.ModelTestHelpers;

namespace GpuHbm.Tests.Models;

/// <summary>
/// Partial centring of independent group-level terms (Models/Centring.cs): the gradient in the centred coordinates by
/// finite differences, the change of coordinates by its closed-form Jacobian, and the weights by the normal model's
/// shrinkage factor counted by hand.
/// </summary>
public class CentringTests
{
    private static readonly Lazy<GpuHbm.Data.DataTable> Data = new(() => Synthetic(60, 11));

    /// <summary>Random weights in [0, 1] on the z entries of the independent terms (a few exactly 0 and 1).</summary>
    internal static double[] RandomWeights(CompiledModel model, int seed) =>
        Weights(model, seed, (i, rng) => (i % 5) switch { 0 => 0, 1 => 1, _ => rng.NextDouble() });

    /// <summary>Weights in [0.5, 1] on every effect of every independent term (all centred: the intercept can be absorbed).</summary>
    private static double[] AllCentred(CompiledModel model, int seed) =>
        Weights(model, seed, (i, rng) => i % 3 == 0 ? 1 : 0.5 + 0.5 * rng.NextDouble());

    /// <summary><paramref name="weight"/>(θ index, random numbers) on the z entries of the independent terms, 0 elsewhere.</summary>
    private static double[] Weights(CompiledModel model, int seed, Func<int, Random, double> weight)
    {
        var rng = new Random(seed);
        var weights = new double[model.Dimension];
        foreach (var block in model.Layout.Blocks.Where(b => b.Transform == ParameterTransform.NonCentered))
        {
            var term = model.RandomTerms[block.Term];
            if (term.Correlated || term.Relationship is not null) continue;
            for (int i = block.Offset; i < block.Offset + block.Length; i++) weights[i] = weight(i, rng);
        }
        return weights;
    }

    /// <summary>Every family's formula with each of the group-level <paramref name="structures"/>.</summary>
    private static TheoryData<string, string> FamiliesWith(params string[] structures)
    {
        var data = new TheoryData<string, string>();
        foreach (var (family, fixedPart) in ModelCases.Families)
            foreach (var s in structures) data.Add(family, fixedPart + s);
        return data;
    }

    public static TheoryData<string, string> Cases() => FamiliesWith(" + (1 | g)", " + (1 + x1 || g)", " + (1 | g) + (1 + x2 | h)");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Gradient_with_partial_centring_matches_central_differences(string family, string formula)
    {
        var model = Compile(formula, Family.Parse(family), Data.Value);
        var view = new CentredChainDensity(model) { Weights = RandomWeights(model, formula.Length) };
        for (int seed = 1; seed <= 2; seed++)
        {
            var theta = RandomTheta(model.Dimension, seed * 13 + formula.Length, 0.8);
            var (lp, grad) = Evaluate(view, theta);
            Assert.True(double.IsFinite(lp), $"log density {lp}");
            for (int i = 0; i < theta.Length; i++)
            {
                double fd = GradientTests.CentralDifference(view, theta, i);
                Assert.True(Math.Abs(fd - grad[i]) <= 1e-6 * Math.Max(1, Math.Abs(fd)) + 1e-6,
                    $"{formula}: d/dθ[{i}] analytic {grad[i]:R}, finite difference {fd:R}");
            }
        }
    }

    [Theory]
    [InlineData("poisson", "yp ~ 1 + x1 + f + offset(off) + (1 | g) + (1 + x1 || h)")]
    [InlineData("gaussian", "yg ~ 1 + x1 + (1 | g) + (1 + x2 | h)")]
    public void Moving_to_new_weights_keeps_the_effects_and_changes_the_density_by_the_jacobian(string family, string formula)
    {
        // w = z·sd^λ, so log p_λ(w) = log p_0(z) − Σ λ log sd (the change of variables), and the model's θ comes back.
        var model = Compile(formula, Family.Parse(family), Data.Value);
        var weights = RandomWeights(model, 3);
        var theta = RandomTheta(model.Dimension, 8, 0.7);
        var moved = (double[])theta.Clone();
        ((ICentrableDensity)model).Recentre(theta, moved, null, weights);
        double logJacobian = 0;
        foreach (var block in model.Layout.Blocks.Where(b => b.Transform == ParameterTransform.NonCentered))
        {
            var sd = model.Layout.Blocks.Single(b => b.Term == block.Term && b.Transform == ParameterTransform.Log);
            int k = model.RandomTerms[block.Term].K;
            for (int idx = 0; idx < block.Length; idx++)
            {
                double lambda = weights[block.Offset + idx];
                logJacobian += lambda * theta[sd.Offset + idx % k];
                Assert.Equal(theta[block.Offset + idx] * Math.Exp(lambda * theta[sd.Offset + idx % k]), moved[block.Offset + idx], 1e-12);
            }
        }
        var view = new CentredChainDensity(model) { Weights = weights };
        double centred = LogDensity(view, moved), plain = LogDensity(model, theta);
        Assert.Equal(plain - logJacobian, centred, 1e-9 * Math.Abs(plain));
        view.ToModel(moved);
        for (int i = 0; i < theta.Length; i++) Assert.Equal(theta[i], moved[i], 1e-12);
    }

    public static TheoryData<string, string> InterceptCases() => FamiliesWith(" + (1 | g)", " + (1 | g) + (1 | h)");

    /// <summary>
    /// Hierarchical centring of the intercept (<see cref="CentredChainDensity.AbsorbingTerm"/>): with every effect of a
    /// random intercept centred, the chain's coordinates hold v_j = w_j + b. The density there is the weighted density at
    /// w_j = v_j − b (a unit-triangular map: no Jacobian), its gradient matches central differences, ToModel gives the
    /// model's θ back, and of two candidate terms the one with fewer levels is chosen; a model without an intercept
    /// column absorbs nothing.
    /// </summary>
    [Theory]
    [MemberData(nameof(InterceptCases))]
    public void Intercept_centred_into_a_random_intercept_keeps_the_density_and_its_gradient(string family, string formula)
    {
        var model = Compile(formula, Family.Parse(family), Data.Value);
        var centrable = (ICentrableDensity)model;
        var weights = AllCentred(model, formula.Length);
        var view = new CentredChainDensity(model) { Weights = weights };
        int intercept = centrable.InterceptIndex;
        if (intercept < 0)
        {
            Assert.DoesNotContain("Intercept", model.FixedColumnNames);
            Assert.Null(view.AbsorbingTerm);
            return;
        }
        Assert.Equal("Intercept", model.FixedColumnNames[intercept]);
        var absorbing = Assert.NotNull(view.AbsorbingTerm);
        var candidates = centrable.InterceptTerms;
        Assert.Equal(candidates.Min(t => t.Levels), absorbing.Levels);
        var chosen = Assert.Single(candidates, t => t.Offset == absorbing.Offset && t.Levels == absorbing.Levels);

        var theta = RandomTheta(model.Dimension, 17 + formula.Length, 0.7);
        // The chain's coordinates: the weights' w = z·sd^λ, then v = w + b·sd^(λ − 1) on the absorbing term, so that
        // b + r_j = b + sd^(1−λ)·w_j = sd^(1−λ)·v_j.
        var position = (double[])theta.Clone();
        centrable.Recentre(theta, position, null, weights);
        var inner = (double[])position.Clone();
        double sd = Math.Exp(theta[chosen.SdOffset]);
        for (int j = 0; j < absorbing.Levels; j++)
        {
            int i = absorbing.Offset + j;
            position[i] += theta[intercept] * Math.Pow(sd, weights[i] - 1);
            Assert.Equal(theta[intercept] + sd * theta[i], Math.Pow(sd, 1 - weights[i]) * position[i], 1e-12 * (1 + Math.Abs(theta[intercept])));  // θ holds z, r = sd·z
        }

        var lp = new double[1];
        var g = new double[model.Dimension];
        centrable.Evaluate(inner, lp, g, 1, weights);
        Assert.Equal(lp[0], LogDensity(view, position), 1e-12 * Math.Max(1, Math.Abs(lp[0])));

        var (_, grad) = Evaluate(view, position);
        for (int i = 0; i < position.Length; i++)
        {
            double fd = GradientTests.CentralDifference(view, position, i);
            Assert.True(Math.Abs(fd - grad[i]) <= 1e-6 * Math.Max(1, Math.Abs(fd)) + 1e-6,
                $"{formula}: d/dθ[{i}] analytic {grad[i]:R}, finite difference {fd:R}");
        }

        view.ToModel(position);
        for (int i = 0; i < theta.Length; i++) Assert.Equal(theta[i], position[i], 1e-12);

        // One non-centred level: that term cannot hold the intercept; the other candidate (if any) does.
        var partial = (double[])weights.Clone();
        partial[absorbing.Offset] = 0;
        var other = new CentredChainDensity(model) { Weights = partial }.AbsorbingTerm;
        if (candidates.Count == 1) Assert.Null(other);
        else Assert.Equal(candidates.Single(t => t.Offset != absorbing.Offset).Offset, Assert.NotNull(other).Offset);
    }

    [Fact]
    public void Weights_are_one_minus_the_normal_models_shrinkage_factor()
    {
        // y ~ N(b + r_g, σ²), r_g ~ N(0, sd²): the information about r_g is n_g/σ², so λ_g = (n_g sd²/σ²)/(1 + n_g sd²/σ²).
        var data = Data.Value;
        var model = Compile("yg ~ 1 + x1 + (1 | g) + (1 + x1 | h)", Family.Gaussian, data);
        var theta = RandomTheta(model.Dimension, 4, 0.5);
        double sigma = Math.Exp(theta[model.Layout.Find("sigma")!.Offset]);
        var sdBlock = model.Layout.Find("sd_g")!;
        var zBlock = model.Layout.Find("z_g")!;
        double sd = Math.Exp(theta[sdBlock.Offset]);
        var weights = ((ICentrableDensity)model).CentringWeights(theta)!;
        var g = data["g"];
        var levels = model.RandomTerms[0].LevelNames;
        for (int j = 0; j < levels.Count; j++)
        {
            int rows = Enumerable.Range(0, data.RowCount).Count(i => g.Raw[i] == levels[j]);
            double q = rows * sd * sd / (sigma * sigma);
            Assert.Equal(q / (1 + q), weights[zBlock.Offset + j], 1e-12);
        }
        // The correlated term h and every other entry stay non-centred.
        for (int i = 0; i < weights.Length; i++)
            if (i < zBlock.Offset || i >= zBlock.Offset + zBlock.Length) Assert.Equal(0, weights[i]);
    }
}
