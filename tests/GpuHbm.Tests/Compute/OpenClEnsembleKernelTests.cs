using GpuHbm.Compute;
using GpuHbm.Kernels;
using Xunit;

namespace GpuHbm.Tests.Compute;

[Collection(OpenClCollection.Name)]
public class OpenClEnsembleKernelTests(ITestOutputHelper output) : EnsembleKernelSuite(output)
{
    protected override Accelerator Accelerator => DeviceFixtures.OpenCl;

    [OpenClFact] public void Philox_blocks() => Philox_blocks_equal_the_CSharp_generator_bit_for_bit();
    [OpenClFact] public void Chain_uniforms() => Chain_uniforms_equal_Philox_uniforms_bit_for_bit();
    [OpenClFact] public void Momentum_draw() => Momentum_draws_equal_sqrt_mass_times_Philox_normals();
    [OpenClFact] public void Leapfrog_steps() => Position_and_momentum_steps_equal_the_CSharp_loops();
    [OpenClFact] public void Masked_steps() => Inactive_chains_are_left_untouched();
    [OpenClFact] public void Chain_dot() => Chain_dot_equals_the_fixed_order_sum();
    [OpenClFact] public void Masked_select() => Masked_select_picks_per_chain_and_may_write_in_place();
    [OpenClFact] public void Shape_checks() => Shapes_are_checked_before_launch();
}
