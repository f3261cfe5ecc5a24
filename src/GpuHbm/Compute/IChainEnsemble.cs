using GpuHbm.Kernels;
using GpuHbm.Models;

namespace GpuHbm.Compute;

/// <summary>Creates the ensemble that runs the given chains: what a backend gives the samplers.</summary>
/// <param name="density">The target.</param>
/// <param name="chainIds">Run-wide chain numbers of the ensemble's chains.</param>
/// <param name="slotCount">Vector slots the sampler needs.</param>
/// <param name="seed">Philox key.</param>
public delegate IChainEnsemble ChainEnsembleFactory(IBatchedDensity density, IReadOnlyList<uint> chainIds, int slotCount, ulong seed);

/// <summary>A handle to one vector of length <see cref="IChainEnsemble.Dimension"/> per chain, held by the ensemble.</summary>
public readonly record struct EnsembleSlot(int Index)
{
    public override string ToString() => $"slot {Index}";
}

/// <summary>Which weight a per-chain dot product applies between its two vectors.</summary>
public enum DotWeight
{
    /// <summary>Σᵢ aᵢ bᵢ.</summary>
    None = 0,

    /// <summary>a·M⁻¹b with the chain's inverse metric (Σᵢ aᵢ M⁻¹ᵢ bᵢ when it is diagonal): a·b♯ where b♯ = M⁻¹b (Betancourt 2017, §4.2).</summary>
    InverseMetric = 1,
}

/// <summary>One dot product per chain between two slots, as requested from <see cref="IChainEnsemble.Dots"/>.</summary>
public readonly record struct SlotPair(EnsembleSlot A, EnsembleSlot B, DotWeight Weight = DotWeight.InverseMetric);

/// <summary>
/// The batched operations a Hamiltonian Monte Carlo sampler needs over an ensemble of
/// <see cref="Chains"/> chains of dimension <see cref="Dimension"/>. The vectors (positions,
/// momenta, gradients, the ends, proposals and momentum sums of a NUTS trajectory) live in the
/// implementation — managed arrays on the CPU, device memory on a GPU — and the sampler on the
/// host sees only O(<see cref="Chains"/>) scalars per operation, plus the rows it reads back
/// (kept draws, adaptation).
/// </summary>
/// <remarks>
/// Interface notes (what a CUDA/OpenCL backend must reproduce):
/// <list type="bullet">
/// <item>Storage: <see cref="SlotCount"/> slots, each a Chains × Dimension row-major array
/// (chain c's row at [c·D, (c+1)·D)), plus one inverse metric M⁻¹ per chain, initially the identity:
/// a diagonal d (a row of length D) and, where <see cref="MaxMetricRank"/> &gt; 0, a low-rank part
/// (k orthonormal eigenvectors U and eigenvalues λ) with M⁻¹ = S(I + U(Λ − I)Uᵀ)S, S = diag(√d)
/// (<see cref="InverseMetric"/> and <see cref="LowRankMetric"/> hold the per-row arithmetic: M⁻¹p, a·M⁻¹b, the momentum draw).
/// Every operation that involves M⁻¹ (Leapfrog, DrawMomentum, weighted Dots) uses the whole metric.
/// Slots are scratch registers: the sampler gives them meaning (see <c>NutsLayout</c>); their initial
/// contents are zero.</item>
/// <item>Masks: every operation takes <c>active</c> (length Chains). For a chain whose flag is
/// false the operation reads nothing, writes nothing (neither slots nor outputs) and counts no
/// gradient evaluation. Chains are independent: no operation mixes rows of different chains.</item>
/// <item>Aliasing: a slot may appear as both source and destination where noted (Add); the
/// operation is then elementwise in place.</item>
/// <item>Determinism: results for a chain depend only on its own rows, metric, the seed, its
/// chain id and the operation's arguments — never on which other chains are active, on the
/// batch size or on thread scheduling — so the same seed gives bit-identical draws.</item>
/// <item>Non-finite densities: <see cref="Evaluate"/> and <see cref="Leapfrog"/> report
/// log density −∞ for a chain when the density or any gradient component is not finite.</item>
/// </list>
/// </remarks>
public interface IChainEnsemble : IDisposable
{
    /// <summary>Number of chains C in the ensemble.</summary>
    int Chains { get; }

    /// <summary>Length D of one chain's unconstrained parameter vector.</summary>
    int Dimension { get; }

    /// <summary>Number of vector slots available (indices 0 … SlotCount−1).</summary>
    int SlotCount { get; }

    /// <summary>The 64-bit Philox key for every random number the ensemble draws.</summary>
    ulong Seed { get; }

    /// <summary>The run-wide chain number of ensemble chain <paramref name="chain"/> (the Philox c2 word).</summary>
    uint ChainId(int chain);

    /// <summary>Density-and-gradient evaluations performed so far for <paramref name="chain"/> (leapfrog steps included).</summary>
    long GradientEvaluations(int chain);

    /// <summary>Sets chain <paramref name="chain"/>'s diagonal inverse metric M⁻¹ (length D, all entries &gt; 0).</summary>
    void SetInverseMetric(int chain, ReadOnlySpan<double> inverseMetricDiagonal);

    /// <summary>The largest rank k the low-rank part of <see cref="SetInverseMetric(int, ReadOnlySpan{double}, ReadOnlySpan{double}, ReadOnlySpan{double})"/> accepts; 0 when the ensemble has diagonal metrics only.</summary>
    int MaxMetricRank { get; }

    /// <summary>
    /// Sets chain <paramref name="chain"/>'s inverse metric to M⁻¹ = S(I + U(Λ − I)Uᵀ)S with S = diag(√d):
    /// <paramref name="diagonal"/> is d (length D, entries &gt; 0), <paramref name="eigenvectors"/> holds the k orthonormal
    /// columns of U as k rows of length D and <paramref name="eigenvalues"/> the k values λ &gt; 0 (k = 0: the diagonal
    /// metric d). Throws <see cref="NotSupportedException"/> when k exceeds <see cref="MaxMetricRank"/>.
    /// </summary>
    void SetInverseMetric(int chain, ReadOnlySpan<double> diagonal, ReadOnlySpan<double> eigenvectors, ReadOnlySpan<double> eigenvalues);

    /// <summary>Host → ensemble: writes one chain's row of a slot.</summary>
    void WriteRow(EnsembleSlot slot, int chain, ReadOnlySpan<double> values);

    /// <summary>Ensemble → host: reads one chain's row of a slot.</summary>
    void ReadRow(EnsembleSlot slot, int chain, Span<double> values);

    /// <summary>
    /// For each active chain: logDensity[c] = log π(q_c) and g_c = ∇ log π(q_c) with q = <paramref name="position"/>,
    /// g = <paramref name="gradient"/>. One gradient evaluation per active chain.
    /// </summary>
    void Evaluate(EnsembleSlot position, EnsembleSlot gradient, ReadOnlySpan<bool> active, Span<double> logDensity);

    /// <summary>
    /// For each active chain, <paramref name="steps"/> leapfrog steps of signed size ε = stepSize[c] in place
    /// (Stan's expl_leapfrog; <see cref="LeapfrogStep"/> with a diagonal metric):
    /// p ← p + (ε/2)·g; q ← q + ε·M⁻¹p; g ← ∇log π(q); p ← p + (ε/2)·g,
    /// where g on entry must hold ∇log π(q). On return logDensity[c] = log π(q) and
    /// kineticEnergy[c] = ½ pᵀM⁻¹p at the final point. A chain whose log density becomes −∞
    /// stops integrating (its remaining steps are skipped) and reports −∞ and the kinetic
    /// energy where it stopped. One gradient evaluation per step actually taken.
    /// </summary>
    void Leapfrog(EnsembleSlot position, EnsembleSlot momentum, EnsembleSlot gradient, ReadOnlySpan<double> stepSize,
        int steps, ReadOnlySpan<bool> active, Span<double> logDensity, Span<double> kineticEnergy);

    /// <summary>
    /// For each active chain draws p ~ N(0, M): pᵢ = zᵢ / √dᵢ for a diagonal metric, p = S⁻¹(z + U(Λ^−½ − I)Uᵀz) with a
    /// low-rank part, where z are the standard normals <c>Philox.Normals(Seed, ChainId(c), counter, purpose, z)</c>
    /// (element 2i and 2i+1 from block index i), and returns kineticEnergy[c] = ½ pᵀM⁻¹p.
    /// </summary>
    void DrawMomentum(EnsembleSlot momentum, RandomPurpose purpose, uint counter, ReadOnlySpan<bool> active,
        Span<double> kineticEnergy);

    /// <summary>For each active chain: destination ← source (a masked copy; two complementary masks make a per-chain select).</summary>
    void Copy(EnsembleSlot destination, EnsembleSlot source, ReadOnlySpan<bool> active);

    /// <summary>For each active chain: destination ← a + b elementwise (destination may be a or b).</summary>
    void Add(EnsembleSlot destination, EnsembleSlot a, EnsembleSlot b, ReadOnlySpan<bool> active);

    /// <summary>For each active chain: destination ← α·a + β·b elementwise, α and β shared by all chains (destination may be a or b).</summary>
    void Combine(EnsembleSlot destination, EnsembleSlot a, double alpha, EnsembleSlot b, double beta, ReadOnlySpan<bool> active);

    /// <summary>
    /// For each active chain: destination ← α_c·a + β_c·b elementwise with per-chain coefficients α_c = alpha[c],
    /// β_c = beta[c] (length Chains; destination may be a or b). The per-chain axpy of batched quasi-Newton methods
    /// (L-BFGS two-loop recursion, line searches) and of per-chain partial momentum refreshment.
    /// </summary>
    void Combine(EnsembleSlot destination, EnsembleSlot a, ReadOnlySpan<double> alpha, EnsembleSlot b, ReadOnlySpan<double> beta,
        ReadOnlySpan<bool> active);

    /// <summary>For each active chain: destination ← a ∘ b elementwise (the Hadamard product; destination may be a or b).</summary>
    void Multiply(EnsembleSlot destination, EnsembleSlot a, EnsembleSlot b, ReadOnlySpan<bool> active);

    /// <summary>For each active chain: destination ← a ⊘ b elementwise (IEEE division; destination may be a or b).</summary>
    void Divide(EnsembleSlot destination, EnsembleSlot a, EnsembleSlot b, ReadOnlySpan<bool> active);

    /// <summary>For each active chain: destination's row ← <paramref name="row"/> (length D), one host vector broadcast to all rows.</summary>
    void Broadcast(EnsembleSlot destination, ReadOnlySpan<double> row, ReadOnlySpan<bool> active);

    /// <summary>
    /// The cross-chain reduction: with weights w_c (w_c = 0 for inactive chains; non-finite rows also get weight 0),
    /// mean[i] = Σ_c w_c x_c,i / Σ_c w_c and meanOfSquares[i] = Σ_c w_c x_c,i² / Σ_c w_c for the rows x of <paramref name="slot"/>.
    /// Returns Σ_c w_c (over the rows used); when it is 0 the outputs are left unchanged. Chains are summed in increasing order.
    /// </summary>
    double CrossChainMoments(EnsembleSlot slot, ReadOnlySpan<double> weights, ReadOnlySpan<bool> active, Span<double> mean,
        Span<double> meanOfSquares);

    /// <summary>
    /// Several per-chain dot products in one pass: for pair k and active chain c,
    /// results[k·Chains + c] = a_c · W b_c with W = M⁻¹ (Σᵢ a_c,i · M⁻¹_c,i · b_c,i when diagonal) or I as the pair asks.
    /// The summation order is fixed by the implementation (never by scheduling), so values are reproducible.
    /// </summary>
    void Dots(ReadOnlySpan<SlotPair> pairs, ReadOnlySpan<bool> active, Span<double> results);
}
