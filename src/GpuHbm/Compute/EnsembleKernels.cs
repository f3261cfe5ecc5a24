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
        if (_chainDot.MaxGroupSize < ReductionGroupSize)
            throw new DeviceException($"{accelerator.Device.Describe()} allows groups of at most {_chainDot.MaxGroupSize} for chain_dot; GpuHbm's reduction needs {ReductionGroupSize}.");
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
