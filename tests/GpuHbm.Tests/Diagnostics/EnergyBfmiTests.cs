using GpuHbm.Diagnostics;
using Xunit;

namespace GpuHbm.Tests.Diagnostics;

public class EnergyBfmiTests
{
    [Fact]
    public void Hand_vector()
    {
        // E = 1, 3, 2, 4: steps 2, −1, 2 → Σ = 9; mean 2.5, deviations ±1.5, ±0.5 → Σ = 5.
        Assert.Equal(9.0 / 5.0, EnergyBfmi.Compute([1, 3, 2, 4]), 15);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(10)]
    [InlineData(1000)]
    public void Linear_ramp_has_closed_form(int n)
    {
        // E_i = i: numerator n − 1, denominator Σ (i − (n−1)/2)² = n(n² − 1)/12, ratio 12 / (n(n + 1)).
        var energy = Enumerable.Range(0, n).Select(i => (double)i).ToArray();
        Assert.Equal(12.0 / (n * (n + 1.0)), EnergyBfmi.Compute(energy), 12);
    }

    [Fact]
    public void Per_chain_and_degenerate_cases()
    {
        var result = ConvergenceDiagnostics.Ebfmi([[1, 3, 2, 4], [5, 5, 5], [7]]);
        Assert.Equal(1.8, result[0], 15);
        Assert.True(double.IsNaN(result[1]));
        Assert.True(double.IsNaN(result[2]));
    }
}
