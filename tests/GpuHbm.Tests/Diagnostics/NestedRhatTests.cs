using GpuHbm.Diagnostics;
using Xunit;

namespace GpuHbm.Tests.Diagnostics;

/// <summary>
/// Nested R̂ (Margossian et al. 2024) on constructed chains whose variances are known:
/// R̂_ν = sqrt(1 + B̂_ν / Ŵ_ν), B̂_ν the variance of the superchain means (K − 1),
/// Ŵ_ν = mean over superchains of (variance of chain means (M − 1) + mean chain variance (N − 1)).
/// </summary>
public class NestedRhatTests
{
    private static readonly double[] Base = [1, 2, 3, 4];   // mean 2.5, variance 5/3

    private static double[] Shift(double[] x, double d) => x.Select(v => v + d).ToArray();

    [Fact]
    public void Identical_superchains_give_exactly_one()
    {
        double[][] chains = [Base, Shift(Base, 1), Base, Shift(Base, 1)];
        Assert.Equal(1.0, NestedRhat.Compute(chains, superchainCount: 2));
    }

    [Fact]
    public void Shifted_superchain_matches_hand_computation()
    {
        // Superchain 0: chains 1..4 and 2..5 (means 2.5, 3.5); superchain 1: the same shifted by 3
        // (means 5.5, 6.5). Superchain means 3 and 6: B̂ = (1.5² + 1.5²)/1 = 4.5.
        // Each superchain: B̃ = var(2.5, 3.5) = 0.5, W̃ = 5/3, so Ŵ = 13/6.
        // R̂ = sqrt(1 + 4.5 / (13/6)) = sqrt(40/13).
        double[][] chains = [Base, Shift(Base, 1), Shift(Base, 3), Shift(Base, 4)];
        Assert.Equal(Math.Sqrt(40.0 / 13.0), NestedRhat.Compute(chains, 2), 14);
        Assert.Equal(Math.Sqrt(40.0 / 13.0), ConvergenceDiagnostics.NestedRhat(chains, 2), 14);
    }

    [Fact]
    public void One_chain_per_superchain_has_no_between_chain_term()
    {
        // Three superchains of one chain each, means 2.5, 4.5, 3.5: B̂ = var = 1; B̃ = 0, W̃ = 5/3.
        // R̂ = sqrt(1 + 1 / (5/3)) = sqrt(8/5).
        double[][] chains = [Base, Shift(Base, 2), Shift(Base, 1)];
        Assert.Equal(Math.Sqrt(8.0 / 5.0), NestedRhat.Compute(chains, 3), 14);
    }

    [Fact]
    public void Single_iteration_chains_have_no_within_chain_term()
    {
        // Two superchains of two one-draw chains: {0, 2} and {4, 6}. Superchain means 1 and 5:
        // B̂ = 8; B̃ = var(0, 2) = 2 in both; W̃ = 0. R̂ = sqrt(1 + 8/2) = sqrt(5).
        double[][] chains = [[0], [2], [4], [6]];
        Assert.Equal(Math.Sqrt(5.0), NestedRhat.Compute(chains, 2), 14);
    }

    [Fact]
    public void Constant_or_non_finite_draws_give_NaN()
    {
        Assert.True(double.IsNaN(NestedRhat.Compute([[1, 1], [1, 1]], 2)));
        Assert.True(double.IsNaN(NestedRhat.Compute([[1, double.NaN], [1, 2]], 2)));
        Assert.True(double.IsNaN(NestedRhat.Compute([[1, double.PositiveInfinity], [1, 2]], 2)));
    }

    [Fact]
    public void Unequal_superchains_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => NestedRhat.Compute([Base, Base, Base], 2));
        Assert.Throws<ArgumentException>(() => NestedRhat.Compute([Base, Base], 0));
    }
}
