using GpuHbm.Data.Simulation;
using Xunit;

namespace GpuHbm.Tests.Data.Simulation;

public class HospitalSizeTests
{
    [Fact]
    public void Sizes_sum_to_N_are_at_least_one_and_unequal()
    {
        var sizes = new HospitalSimulation(new HospitalSimulationOptions(100_000, 200, 1)).HospitalSizes;
        Assert.Equal(200, sizes.Count);
        Assert.Equal(100_000, sizes.Sum());
        Assert.All(sizes, n => Assert.True(n >= 1));
        Assert.True(sizes.Max() > 2.0 * sizes.Min(), $"max {sizes.Max()} min {sizes.Min()}");
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(7, 7)]
    [InlineData(8, 7)]
    [InlineData(1_000, 1)]
    [InlineData(12_345, 999)]
    public void Sizes_are_exact_for_small_and_edge_cases(int patients, int hospitals)
    {
        var sizes = new HospitalSimulation(new HospitalSimulationOptions(patients, hospitals, 42)).HospitalSizes;
        Assert.Equal(patients, sizes.Sum());
        Assert.All(sizes, n => Assert.True(n >= 1));
    }

    [Fact]
    public void Allocation_is_exact_for_extreme_weights()
    {
        var weights = new double[1000];
        Array.Fill(weights, 1e-300);
        weights[500] = 1e300;
        var sizes = HospitalSimulation.AllocateSizes(1_000_000, weights);
        Assert.Equal(1_000_000, sizes.Sum());
        Assert.All(sizes, n => Assert.True(n >= 1));
        Assert.Equal(1_000_000 - 999, sizes[500]);
    }

    [Fact]
    public void Labels_are_zero_padded_to_at_least_four_digits()
    {
        var small = new HospitalSimulation(new HospitalSimulationOptions(500, 200, 1)).HospitalLabels;
        Assert.Equal("H0001", small[0]);
        Assert.Equal("H0200", small[199]);
        var large = new HospitalSimulation(new HospitalSimulationOptions(20_000, 12_345, 1)).HospitalLabels;
        Assert.Equal("H00001", large[0]);
        Assert.Equal("H12345", large[12_344]);
        // Zero padding keeps ordinal string order equal to numeric order.
        Assert.Equal(large.ToArray(), large.OrderBy(s => s, StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public void Invalid_sizes_are_clear_errors()
    {
        var none = Assert.Throws<GpuHbmException>(() => new HospitalSimulation(new HospitalSimulationOptions(10, 0, 1)));
        Assert.Contains("at least 1", none.Message);
        var few = Assert.Throws<GpuHbmException>(() => new HospitalSimulation(new HospitalSimulationOptions(10, 20, 1)));
        Assert.Contains("(10)", few.Message);
        Assert.Contains("(20)", few.Message);
    }
}
