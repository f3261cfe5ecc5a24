using Xunit;

namespace GpuHbm.Tests.Compute;

/// <summary>The suite's facts, declared once: every derived accelerator class runs all of them (or skips them all with its reason).</summary>
public abstract partial class AcceleratorSuite
{
    /// <summary>Null when the accelerator is present (or required by the environment), else why the facts skip.</summary>
    protected abstract string? SkipReason { get; }

    private void Run(Action check)
    {
        if (SkipReason is { } reason) Assert.Skip(reason);
        check();
    }

    [Fact] public void Buffers_round_trip() => Run(Buffer_round_trip_preserves_every_bit);
    [Fact] public void Out_of_memory_names_the_bytes() => Run(An_allocation_beyond_the_device_limit_reports_the_bytes_requested);
    [Fact] public void Kernels_compile_once() => Run(Kernels_are_compiled_once_per_accelerator);

    [Fact] public void Math_philox() => Run(Philox_blocks_on_the_device_equal_the_host_bit_for_bit);
    [Fact] public void Math_family_terms_and_priors() => Run(Family_terms_and_priors_on_the_device_equal_the_host);
    [Fact] public void Math_cpc_transform() => Run(The_CPC_transform_and_its_gradient_on_the_device_equal_the_host);
    [Theory, MemberData(nameof(DeviceMathFunctions))] public void Math_fp64_function(string name) => Run(() => Fp64_function_on_the_device(name));

    [Fact] public void Density_families_and_structures() => Run(Every_family_and_structure_matches_the_CPU_reference);
    [Fact] public void Density_real_data() => Run(Real_data_sets_match_the_CPU_reference);
    [Fact] public void Density_tiling() => Run(Tiles_give_the_same_result_as_one_tile_bit_for_bit);
    [Fact] public void Density_chain_independence() => Run(A_chain_gives_the_same_bits_whatever_the_other_chains);
    [Fact] public void Density_large_K() => Run(A_term_with_more_than_eight_effects_matches_the_CPU_reference);
    [Fact] public void Density_overflow() => Run(Overflow_gives_negative_infinity);
    [Fact] public void Density_kinship() => Run(Kinship_terms_match_the_CPU_reference);
    [Fact] public void Density_arguments() => Run(Arguments_are_checked);
    [Fact] public void Density_gpu_group_size() => Run(The_density_at_a_GPU_group_size_matches);

    [Fact] public void Ensemble_operations() => Run(Every_operation_matches_the_CPU_ensemble_on_random_inputs_and_masks);
    [Fact] public void Ensemble_low_rank_metrics() => Run(Low_rank_metrics_match_the_CPU_ensemble);
    [Fact] public void Ensemble_minus_infinity_stop() => Run(A_chain_that_hits_minus_infinity_stops_on_the_device_and_reports_where_it_stopped);
    [Fact] public void Ensemble_chain_independence() => Run(A_chain_s_results_do_not_depend_on_which_other_chains_are_active);
    [Fact] public void Ensemble_traffic() => Run(Bytes_moved_per_NUTS_iteration_are_O_C_scalars_plus_the_kept_draw_and_independent_of_N);

    [Fact] public void Nuts_gaussian_target() => Run(NUTS_on_the_device_repeats_the_same_seed_bit_for_bit_and_matches_the_posterior);
    [Fact] public void Chees_gaussian_target() => Run(ChEES_on_the_device_matches_the_posterior);
    [Fact] public void Nuts_sleepstudy_tracks_cpu() => Run(NUTS_with_the_GLMM_device_density_tracks_the_CPU_run_on_sleepstudy);
    [Fact] public void Chees_radon_tracks_cpu() => Run(ChEES_with_the_GLMM_device_density_tracks_the_CPU_fit_on_radon);
    [Fact] public void Chees_initialisation_reaches_cpu_optima() => Run(The_ChEES_initialisation_on_the_device_reaches_the_CPU_optima_on_radon);

    [Fact] public void Gram_product() => Run(Gram_product_equals_GenotypeGram);
    [Fact] public void Gram_deterministic_blocks() => Run(Accumulation_over_blocks_is_deterministic);
    [Fact] public void Gram_group_size() => Run(Gram_product_bits_do_not_depend_on_the_group_size);
    [Fact] public void Grm_complete_genotypes() => Run(() => Grm_equals_the_CPU_grm(75, 130, 0, 0, 0));
    [Fact] public void Grm_missing_genotypes_several_blocks() => Run(() => Grm_equals_the_CPU_grm(130, 220, 0.07, 64, 0));
    [Fact] public void Grm_missing_from_a_later_block() => Run(() => Grm_equals_the_CPU_grm(67, 300, 0.05, 72, 150));
    [Fact] public void Grm_plink_relmat() => Run(Plink_relmat_reads_through_the_device);
}
