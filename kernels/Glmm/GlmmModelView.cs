using ILGPU;

namespace GpuHbm.Kernels;

/// <summary>
/// A compiled GLMM's data on a device, as the kernels read it: X (N × P row-major), y, trials, 1/se,
/// offset; per term its group index (T × N) and Z (concatenated); the CSR order of each term's rows by
/// level (positions Csr[l] … Csr[l+1] of Permutation list level l's rows in increasing order, levels of all
/// terms numbered globally; LevelTerm maps a level to its term); the relationship matrices' Cholesky factors;
/// the term table and the prior slots (P for b, then sigma, then sd slots, then LKJ slots).
/// Unused buffers hold one placeholder element.
/// </summary>
public struct GlmmModelView
{
    public int N, P, D, Terms, Levels;
    /// <summary>Per-chain hyperparameter values: 1/σ, then per term <see cref="GlmmTerm.HyperValues"/>.</summary>
    public int Hyper;
    /// <summary>Per-chain effect values: Σ_t J_t K_t (r, ∂/∂r and L z each have this many).</summary>
    public int Effects;
    public LikelihoodKind Likelihood;
    public int HasOffset;
    /// <summary>Offset of log σ in θ (−1 without σ).</summary>
    public int SigmaOffset;
    /// <summary>The σ prior slot (P).</summary>
    public int SigmaPrior;
    /// <summary>The data-only constant of the log density (likelihood and z-prior normalizing constants).</summary>
    public double Constant;
    public ArrayView<double> X, Y, Trials, InverseSe, Offset, Design, Kinship;
    public ArrayView<int> Group, LevelTerm, Csr, Permutation;
    public ArrayView<GlmmTerm> TermTable;
    public ArrayView<PriorSlot> Priors;
}
