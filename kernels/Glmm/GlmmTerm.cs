namespace GpuHbm.Kernels;

/// <summary>
/// One group-level term as the GLMM kernels read it: its shape, where its parameters sit in θ, where its
/// data and per-chain values sit in the device buffers, and its priors. Built on the host from the compiled
/// model (Compute.DeviceModelData) and uploaded once.
/// </summary>
public struct GlmmTerm
{
    /// <summary>Effects per level (columns of Z).</summary>
    public int K;
    /// <summary>Levels.</summary>
    public int J;
    /// <summary>How r comes from z.</summary>
    public RandomTermKind Kind;
    /// <summary>Offset of log sd (K values) in θ.</summary>
    public int SdOffset;
    /// <summary>Offset of the K(K−1)/2 CPC values in θ (correlated terms; −1 otherwise).</summary>
    public int CorrelationOffset;
    /// <summary>Offset of z (J × K, level-major) in θ.</summary>
    public int ZOffset;
    /// <summary>Offset of the term's N × K design values in the model's Z data.</summary>
    public int DesignOffset;
    /// <summary>Offset of the term's r (and ∂/∂r, and for a relationship term L z) in a chain's effect values.</summary>
    public int EffectOffset;
    /// <summary>
    /// Offset of the term's hyperparameters in a chain's values: sd (K), L (K²), log|J| (1), then scratch of the
    /// finishing pass: ∂/∂L (K²) and ∂/∂sd (K).
    /// </summary>
    public int HyperOffset;
    /// <summary>First of the K sd prior slots.</summary>
    public int SdPrior;
    /// <summary>The LKJ prior slot (correlated terms; −1 otherwise).</summary>
    public int LkjPrior;
    /// <summary>Global index of the term's level 0 (levels of all terms are numbered term by term).</summary>
    public int Level0;
    /// <summary>Offset of the term's J × J Cholesky factor of K + εI in the kinship values (relationship terms; −1 otherwise).</summary>
    public int KinshipOffset;

    /// <summary>Hyperparameter values a term of <paramref name="k"/> effects needs per chain.</summary>
    public static int HyperValues(int k) => 2 * k + 2 * k * k + 1;

    /// <summary>Where L (K × K row-major) starts among the chain's hyperparameter values.</summary>
    public readonly int CholeskyAt => HyperOffset + K;

    /// <summary>Where log |J| of the CPC transform sits.</summary>
    public readonly int LogJacobianAt => HyperOffset + K + K * K;

    /// <summary>Where the ∂/∂L scratch (K × K) starts.</summary>
    public readonly int CholeskyGradientAt => HyperOffset + K + K * K + 1;

    /// <summary>Where the ∂/∂sd scratch (K) starts.</summary>
    public readonly int SdGradientAt => HyperOffset + K + 2 * K * K + 1;
}
