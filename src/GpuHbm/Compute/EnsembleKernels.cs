using GpuHbm.Kernels;
using GpuHbm.Sampling;

namespace GpuHbm.Compute;

/// <summary>
/// The batched device operations the samplers are written against, for an ensemble of
/// <see cref="Chains"/> chains in <see cref="Dimension"/> dimensions on one accelerator:
/// momentum draw, leapfrog position and momentum updates (masked per chain), per-chain
/// weighted dot products, masked select, per-chain uniforms. Kernels: kernels/ensemble.cl.
/// </summary>
/// <remarks>
/// Layouts: per-chain vectors are Chains × Dimension row-major buffers; per-chain scalars
/// (step sizes, masks) have Chains elements; a metric vector (mass m, inverse metric minv,
/// weights w) has either Dimension elements (shared by all chains) or Chains × Dimension (one
/// per chain), decided by its length. Masks are Int32, nonzero = active.
/// Every operation is launched asynchronously on the accelerator's queue, in issue order.
/// Results are deterministic: no atomics; <see cref="ChainDot"/> reduces with a fixed tree of
/// <see cref="ReductionGroupSize"/> work-items whatever the device.
/// </remarks>
public sealed class EnsembleKernels
{
    /// <summary>The kernel file.</summary>
    public const string SourceFile = "ensemble.cl";

    /// <summary>Work-items per group of the element-wise kernels.</summary>
    public const int ElementGroupSize = 256;

    /// <summary>Work-items per group of <see cref="ChainDot"/>: fixed, so the summation order (and the bits) do not depend on the device.</summary>
    public const int ReductionGroupSize = 128;

    private readonly CompiledKernel _momentumDraw, _positionStep, _momentumStep, _chainDot, _maskedSelect, _chainUniforms, _philoxBlocks;
    private readonly CompiledKernel _copy, _add, _combine, _combineChains, _multiply, _divide, _broadcast, _momentum, _dot, _leapfrogBegin, _leapfrogEnd, _checkFinite,
        _rowWeights, _moments;

    /// <summary>Compiles (or takes from the accelerator's cache) kernels/ensemble.cl.</summary>
    public EnsembleKernels(Accelerator accelerator, int chains, int dimension, string options = "")
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        ArgumentOutOfRangeException.ThrowIfLessThan(chains, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        if ((long)chains * dimension > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(dimension), $"{chains} chains × {dimension} dimensions exceed 2^31-1 elements.");
        Accelerator = accelerator;
        Chains = chains;
        Dimension = dimension;
        var source = KernelSource.FromResource(SourceFile, accelerator.Dialect);
        var module = accelerator.Kernels.GetOrCompile(source, options);
        _momentumDraw = module.GetKernel("momentum_draw");
        _positionStep = module.GetKernel("position_step");
        _momentumStep = module.GetKernel("momentum_step");
        _chainDot = module.GetKernel("chain_dot");
        _maskedSelect = module.GetKernel("masked_select");
        _chainUniforms = module.GetKernel("chain_uniforms");
        _philoxBlocks = module.GetKernel("philox_blocks");
        _copy = module.GetKernel("ens_copy");
        _add = module.GetKernel("ens_add");
        _combine = module.GetKernel("ens_combine");
        _combineChains = module.GetKernel("ens_combine_chains");
        _multiply = module.GetKernel("ens_multiply");
        _divide = module.GetKernel("ens_divide");
        _broadcast = module.GetKernel("ens_broadcast");
        _momentum = module.GetKernel("ens_momentum");
        _dot = module.GetKernel("ens_dot");
        _leapfrogBegin = module.GetKernel("ens_leapfrog_begin");
        _leapfrogEnd = module.GetKernel("ens_leapfrog_end");
        _checkFinite = module.GetKernel("ens_check_finite");
        _rowWeights = module.GetKernel("ens_row_weights");
        _moments = module.GetKernel("ens_moments");
        foreach (var k in new[] { _chainDot, _dot, _leapfrogEnd })
            if (k.MaxGroupSize < ReductionGroupSize)
                throw new DeviceException($"{accelerator.Device.Describe()} allows groups of at most {k.MaxGroupSize} for {k.Name}; GpuHbm's reduction needs {ReductionGroupSize}.");
    }

    /// <summary>The accelerator the kernels run on.</summary>
    public Accelerator Accelerator { get; }

    /// <summary>Number of chains C.</summary>
    public int Chains { get; }

    /// <summary>Dimension D of one chain's position.</summary>
    public int Dimension { get; }

    private int Elements => Chains * Dimension;

    /// <summary>
    /// p = sqrt(m) .* z, z[c] = <see cref="Philox.Normals"/>(seed, firstChain + c, iteration, Momentum).
    /// </summary>
    /// <param name="p">Output momenta, C × D.</param>
    /// <param name="mass">Diagonal mass matrix m (the inverse of the inverse metric), D or C × D.</param>
    /// <param name="seed">The run's seed.</param>
    /// <param name="iteration">The iteration (Philox counter word 1).</param>
    /// <param name="firstChain">Global index of this ensemble's chain 0 (Philox counter word 2 is firstChain + c).</param>
    public void DrawMomentum(DeviceBuffer<double> p, DeviceBuffer<double> mass, ulong seed, uint iteration, uint firstChain = 0)
    {
        RequireVector(p, nameof(p));
        int stride = MetricStride(mass, nameof(mass));
        long workItems = (long)Chains * ((Dimension + 1) / 2);
        Accelerator.Launch(_momentumDraw, LaunchConfig.ForElements(workItems, ElementGroupSize),
            Chains, Dimension, seed, iteration, firstChain, mass, stride, p);
    }

    /// <summary>Leapfrog position update q += eps[c] * minv .* p, for chains with active[c] != 0.</summary>
    public void StepPositions(DeviceBuffer<double> q, DeviceBuffer<double> p, DeviceBuffer<double> inverseMetric,
        DeviceBuffer<double> stepSize, DeviceBuffer<int> active)
    {
        RequireVector(q, nameof(q));
        RequireVector(p, nameof(p));
        int stride = MetricStride(inverseMetric, nameof(inverseMetric));
        RequireScalars(stepSize, nameof(stepSize));
        RequireScalars(active, nameof(active));
        Accelerator.Launch(_positionStep, LaunchConfig.ForElements(Elements, ElementGroupSize),
            Chains, Dimension, q, p, inverseMetric, stride, stepSize, active);
    }

    /// <summary>Momentum update p += (scale * eps[c]) * g for active chains; g is the log density's gradient, scale 0.5 the half step.</summary>
    public void StepMomenta(DeviceBuffer<double> p, DeviceBuffer<double> gradient, double scale,
        DeviceBuffer<double> stepSize, DeviceBuffer<int> active)
    {
        RequireVector(p, nameof(p));
        RequireVector(gradient, nameof(gradient));
        RequireScalars(stepSize, nameof(stepSize));
        RequireScalars(active, nameof(active));
        Accelerator.Launch(_momentumStep, LaunchConfig.ForElements(Elements, ElementGroupSize),
            Chains, Dimension, p, gradient, scale, stepSize, active);
    }

    /// <summary>
    /// result[c] = Σ_d a[c,d] * w[d] * b[c,d] by a fixed-order tree: work-item t of
    /// <see cref="ReductionGroupSize"/> sums d ≡ t (mod G) in increasing d, then partials are
    /// halved pairwise (t += t + s for s = G/2 … 1).
    /// </summary>
    public void ChainDot(DeviceBuffer<double> a, DeviceBuffer<double> weights, DeviceBuffer<double> b, DeviceBuffer<double> result)
    {
        RequireVector(a, nameof(a));
        RequireVector(b, nameof(b));
        int stride = MetricStride(weights, nameof(weights));
        RequireScalars(result, nameof(result));
        Accelerator.Launch(_chainDot, new LaunchConfig(Chains, ReductionGroupSize, ReductionGroupSize * sizeof(double)),
            Chains, Dimension, a, weights, stride, b, result);
    }

    /// <summary>destination[c,:] = mask[c] != 0 ? a[c,:] : b[c,:]; destination may be a or b.</summary>
    public void MaskedSelect(DeviceBuffer<double> destination, DeviceBuffer<int> mask, DeviceBuffer<double> a, DeviceBuffer<double> b)
    {
        RequireVector(destination, nameof(destination));
        RequireScalars(mask, nameof(mask));
        RequireVector(a, nameof(a));
        RequireVector(b, nameof(b));
        Accelerator.Launch(_maskedSelect, LaunchConfig.ForElements(Elements, ElementGroupSize),
            Chains, Dimension, destination, mask, a, b);
    }

    /// <summary>u[c] = <see cref="Philox.Uniforms"/>(seed, firstChain + c, iteration, purpose, index).U0.</summary>
    public void ChainUniforms(DeviceBuffer<double> u, ulong seed, uint iteration, RandomPurpose purpose, uint index = 0, uint firstChain = 0)
    {
        RequireScalars(u, nameof(u));
        Accelerator.Launch(_chainUniforms, LaunchConfig.ForElements(Chains, ElementGroupSize),
            Chains, seed, iteration, (uint)purpose, index, firstChain, u);
    }

    /// <summary>Raw Philox blocks for conformance tests: input n × (c0, c1, c2, c3, k0, k1), output n × (x0..x3).</summary>
    internal void PhiloxBlocks(int n, DeviceBuffer<uint> input, DeviceBuffer<uint> output)
    {
        if (input.Length < 6L * n || output.Length < 4L * n)
            throw new ArgumentException($"philox_blocks needs {6L * n} input and {4L * n} output words.");
        Accelerator.Launch(_philoxBlocks, LaunchConfig.ForElements(n, ElementGroupSize), n, input, output);
    }

    // ---- The masked operations of the device chain ensemble (ens_* kernels; see DeviceChainEnsemble) ----

    /// <summary>destination[c,:] = source[c,:] where mask[c] != 0.</summary>
    public void MaskedCopy(DeviceBuffer<double> destination, DeviceBuffer<double> source, DeviceBuffer<int> mask)
    {
        RequireVector(destination, nameof(destination));
        RequireVector(source, nameof(source));
        RequireScalars(mask, nameof(mask));
        Accelerator.Launch(_copy, LaunchConfig.ForElements(Elements, ElementGroupSize), Chains, Dimension, destination, source, mask);
    }

    /// <summary>destination[c,:] = a[c,:] + b[c,:] where mask[c] != 0; destination may be a or b.</summary>
    public void MaskedAdd(DeviceBuffer<double> destination, DeviceBuffer<double> a, DeviceBuffer<double> b, DeviceBuffer<int> mask)
    {
        RequireVector(destination, nameof(destination));
        RequireVector(a, nameof(a));
        RequireVector(b, nameof(b));
        RequireScalars(mask, nameof(mask));
        Accelerator.Launch(_add, LaunchConfig.ForElements(Elements, ElementGroupSize), Chains, Dimension, destination, a, b, mask);
    }

    /// <summary>destination[c,:] = α·a[c,:] + β·b[c,:] where mask[c] != 0; destination may be a or b.</summary>
    public void MaskedCombine(DeviceBuffer<double> destination, DeviceBuffer<double> a, double alpha, DeviceBuffer<double> b, double beta,
        DeviceBuffer<int> mask)
    {
        RequireVector(destination, nameof(destination));
        RequireVector(a, nameof(a));
        RequireVector(b, nameof(b));
        RequireScalars(mask, nameof(mask));
        Accelerator.Launch(_combine, LaunchConfig.ForElements(Elements, ElementGroupSize), Chains, Dimension, destination, a, alpha, b, beta, mask);
    }

    /// <summary>
    /// destination[c,:] = coefficients[c]·a[c,:] + coefficients[C + c]·b[c,:] where mask[c] != 0 (per-chain α then β,
    /// 2C elements); destination may be a or b.
    /// </summary>
    public void MaskedCombinePerChain(DeviceBuffer<double> destination, DeviceBuffer<double> a, DeviceBuffer<double> b,
        DeviceBuffer<double> coefficients, DeviceBuffer<int> mask)
    {
        RequireVector(destination, nameof(destination));
        RequireVector(a, nameof(a));
        RequireVector(b, nameof(b));
        if (coefficients.Length < 2L * Chains) throw new ArgumentException($"coefficients must hold at least {2 * Chains} elements.", nameof(coefficients));
        RequireScalars(mask, nameof(mask));
        Accelerator.Launch(_combineChains, LaunchConfig.ForElements(Elements, ElementGroupSize), Chains, Dimension, destination, a, b, coefficients, mask);
    }

    /// <summary>destination[c,:] = a[c,:] ∘ b[c,:] (elementwise) where mask[c] != 0; destination may be a or b.</summary>
    public void MaskedMultiply(DeviceBuffer<double> destination, DeviceBuffer<double> a, DeviceBuffer<double> b, DeviceBuffer<int> mask)
    {
        RequireVector(destination, nameof(destination));
        RequireVector(a, nameof(a));
        RequireVector(b, nameof(b));
        RequireScalars(mask, nameof(mask));
        Accelerator.Launch(_multiply, LaunchConfig.ForElements(Elements, ElementGroupSize), Chains, Dimension, destination, a, b, mask);
    }

    /// <summary>destination[c,:] = a[c,:] ⊘ b[c,:] (elementwise) where mask[c] != 0; destination may be a or b.</summary>
    public void MaskedDivide(DeviceBuffer<double> destination, DeviceBuffer<double> a, DeviceBuffer<double> b, DeviceBuffer<int> mask)
    {
        RequireVector(destination, nameof(destination));
        RequireVector(a, nameof(a));
        RequireVector(b, nameof(b));
        RequireScalars(mask, nameof(mask));
        Accelerator.Launch(_divide, LaunchConfig.ForElements(Elements, ElementGroupSize), Chains, Dimension, destination, a, b, mask);
    }

    /// <summary>destination[c,:] = row (D elements) where mask[c] != 0.</summary>
    public void MaskedBroadcast(DeviceBuffer<double> destination, DeviceBuffer<double> row, DeviceBuffer<int> mask)
    {
        RequireVector(destination, nameof(destination));
        if (row.Length < Dimension) throw new ArgumentException($"row must hold at least {Dimension} elements.", nameof(row));
        RequireScalars(mask, nameof(mask));
        Accelerator.Launch(_broadcast, LaunchConfig.ForElements(Elements, ElementGroupSize), Chains, Dimension, destination, row, mask);
    }

    /// <summary>
    /// p[c,d] = z[c,d] / √minv[c,d] where mask[c] != 0, z = <see cref="Philox.Normals"/>(seed, chainIds[c], counter, purpose)
    /// (the semantics of <see cref="IChainEnsemble.DrawMomentum"/>; the kinetic energy is a separate <see cref="MaskedDot"/>).
    /// </summary>
    public void MaskedMomentum(DeviceBuffer<double> p, DeviceBuffer<double> inverseMetric, DeviceBuffer<uint> chainIds, ulong seed,
        uint counter, RandomPurpose purpose, DeviceBuffer<int> mask)
    {
        RequireVector(p, nameof(p));
        RequireVector(inverseMetric, nameof(inverseMetric));
        RequireScalars(chainIds, nameof(chainIds));
        RequireScalars(mask, nameof(mask));
        long workItems = (long)Chains * ((Dimension + 1) / 2);
        Accelerator.Launch(_momentum, LaunchConfig.ForElements(workItems, ElementGroupSize),
            Chains, Dimension, seed, counter, (uint)purpose, chainIds, inverseMetric, mask, p);
    }

    /// <summary>
    /// output[offset + c] = scale · Σ_d (a[c,d]·w[c,d])·b[c,d] where mask[c] != 0, w = inverse metric when
    /// <paramref name="weighted"/> else 1; the fixed tree of <see cref="ChainDot"/>.
    /// </summary>
    public void MaskedDot(DeviceBuffer<double> a, DeviceBuffer<double> b, DeviceBuffer<double> inverseMetric, bool weighted, double scale,
        DeviceBuffer<int> mask, DeviceBuffer<double> output, int offset)
    {
        RequireVector(a, nameof(a));
        RequireVector(b, nameof(b));
        RequireVector(inverseMetric, nameof(inverseMetric));
        RequireScalars(mask, nameof(mask));
        if (offset < 0 || output.Length < (long)offset + Chains) throw new ArgumentException($"output must hold {offset} + {Chains} values.", nameof(output));
        Accelerator.Launch(_dot, new LaunchConfig(Chains, ReductionGroupSize, ReductionGroupSize * sizeof(double)),
            Chains, Dimension, a, b, inverseMetric, weighted ? 1 : 0, scale, mask, output, offset);
    }

    /// <summary>First half of a leapfrog step where running[c] != 0: p += (ε/2)·g; q += (ε·M⁻¹)·p.</summary>
    public void LeapfrogBegin(DeviceBuffer<double> q, DeviceBuffer<double> p, DeviceBuffer<double> gradient, DeviceBuffer<double> inverseMetric,
        DeviceBuffer<double> stepSize, DeviceBuffer<int> running)
    {
        RequireVector(q, nameof(q));
        RequireVector(p, nameof(p));
        RequireVector(gradient, nameof(gradient));
        RequireVector(inverseMetric, nameof(inverseMetric));
        RequireScalars(stepSize, nameof(stepSize));
        RequireScalars(running, nameof(running));
        Accelerator.Launch(_leapfrogBegin, LaunchConfig.ForElements(Elements, ElementGroupSize),
            Chains, Dimension, q, p, gradient, inverseMetric, stepSize, running);
    }

    /// <summary>
    /// Second half of a leapfrog step where running[c] != 0, after the density: p += (ε/2)·g; output[c] = log density
    /// (−∞ when it or the gradient is not finite, and then running[c] ← 0 on the device); output[C + c] = ½pᵀM⁻¹p;
    /// evaluations[c] += 1.
    /// </summary>
    public void LeapfrogEnd(DeviceBuffer<double> p, DeviceBuffer<double> gradient, DeviceBuffer<double> inverseMetric,
        DeviceBuffer<double> stepSize, DeviceBuffer<int> running, DeviceBuffer<double> logDensity, DeviceBuffer<double> output,
        DeviceBuffer<long> evaluations)
    {
        RequireVector(p, nameof(p));
        RequireVector(gradient, nameof(gradient));
        RequireVector(inverseMetric, nameof(inverseMetric));
        RequireScalars(stepSize, nameof(stepSize));
        RequireScalars(running, nameof(running));
        RequireScalars(logDensity, nameof(logDensity));
        RequireScalars(evaluations, nameof(evaluations));
        if (output.Length < 2L * Chains) throw new ArgumentException($"output must hold 2 × {Chains} values.", nameof(output));
        Accelerator.Launch(_leapfrogEnd, new LaunchConfig(Chains, ReductionGroupSize, ReductionGroupSize * sizeof(double)),
            Chains, Dimension, p, gradient, inverseMetric, stepSize, running, logDensity, output, evaluations, double.NegativeInfinity);
    }

    /// <summary>Where mask[c] != 0: evaluations[c] += 1 and logDensity[c] = −∞ when it or a gradient component is not finite.</summary>
    public void CheckFinite(DeviceBuffer<double> gradient, DeviceBuffer<double> logDensity, DeviceBuffer<int> mask, DeviceBuffer<long> evaluations)
    {
        RequireVector(gradient, nameof(gradient));
        RequireScalars(logDensity, nameof(logDensity));
        RequireScalars(mask, nameof(mask));
        RequireScalars(evaluations, nameof(evaluations));
        Accelerator.Launch(_checkFinite, LaunchConfig.ForElements(Chains, ElementGroupSize),
            Chains, Dimension, gradient, logDensity, mask, evaluations, double.NegativeInfinity);
    }

    /// <summary>
    /// Cross-chain weighted sums of the rows of <paramref name="x"/> (chains in increasing order): output[i] = Σ w_c x_c,i,
    /// output[D + i] = Σ (w_c x_c,i)·x_c,i, output[2D] = Σ w_c, with w_c = weights[c] for active chains with a finite
    /// positive weight and a finite row, else 0 (<paramref name="usedWeights"/> receives those w_c).
    /// </summary>
    public void CrossChainSums(DeviceBuffer<double> x, DeviceBuffer<double> weights, DeviceBuffer<int> mask, DeviceBuffer<double> usedWeights,
        DeviceBuffer<double> output)
    {
        RequireVector(x, nameof(x));
        RequireScalars(weights, nameof(weights));
        RequireScalars(mask, nameof(mask));
        RequireScalars(usedWeights, nameof(usedWeights));
        if (output.Length < 2L * Dimension + 1) throw new ArgumentException($"output must hold 2 × {Dimension} + 1 values.", nameof(output));
        Accelerator.Launch(_rowWeights, LaunchConfig.ForElements(Chains, ElementGroupSize), Chains, Dimension, x, weights, mask, usedWeights);
        Accelerator.Launch(_moments, LaunchConfig.ForElements(Dimension + 1L, ElementGroupSize), Chains, Dimension, x, usedWeights, output);
    }

    private void RequireVector(DeviceBuffer buffer, string name)
    {
        ArgumentNullException.ThrowIfNull(buffer, name);
        if (buffer.Length != Elements)
            throw new ArgumentException($"{name} must hold {Chains} chains × {Dimension} = {Elements} elements, not {buffer.Length}.", name);
    }

    private void RequireScalars(DeviceBuffer buffer, string name)
    {
        ArgumentNullException.ThrowIfNull(buffer, name);
        if (buffer.Length != Chains)
            throw new ArgumentException($"{name} must hold one value per chain ({Chains}), not {buffer.Length}.", name);
    }

    /// <summary>0 for a vector shared by all chains (length D), D for one per chain (length C × D).</summary>
    private int MetricStride(DeviceBuffer buffer, string name)
    {
        ArgumentNullException.ThrowIfNull(buffer, name);
        if (buffer.Length == Dimension) return 0;
        if (buffer.Length == Elements) return Dimension;
        throw new ArgumentException(
            $"{name} must hold {Dimension} elements (shared by all chains) or {Elements} (one vector per chain), not {buffer.Length}.", name);
    }
}
