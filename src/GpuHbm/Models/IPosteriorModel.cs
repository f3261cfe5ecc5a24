namespace GpuHbm.Models;

/// <summary>
/// A model the results layer can report: its log density (<see cref="IBatchedDensity"/>), the
/// reported parameters and how θ maps to them, the priors in force and notes for the user.
/// Implemented by <see cref="CompiledModel"/> (the general GLMM density) and by
/// <see cref="Kinship.FastLmmModel"/> (the FaST-LMM fast path of a Gaussian kinship model).
/// </summary>
public interface IPosteriorModel : IBatchedDensity
{
    /// <summary>Formula, family, priors and relationship matrices as asked for.</summary>
    ModelSpec Spec { get; }

    /// <summary>Names of the reported parameters, in <see cref="Constrain(ReadOnlySpan{double}, Span{double})"/>'s order.</summary>
    IReadOnlyList<string> OutputNames { get; }

    /// <summary>Every prior in force.</summary>
    IReadOnlyList<ResolvedPrior> Priors { get; }

    /// <summary>The group-level terms (levels, columns, relationship matrices).</summary>
    IReadOnlyList<RandomEffectsTerm> RandomTerms { get; }

    /// <summary>Number of data rows used.</summary>
    int ObservationCount { get; }

    /// <summary>Sentences for the user (individuals of a relationship matrix left out, which path was taken); recorded in fit.json.</summary>
    IReadOnlyList<string> Notes { get; }

    /// <summary>"glmm" (the general density) or "fastlmm" (the rotated Gaussian kinship model).</summary>
    string Method { get; }

    /// <summary>One-off set-up before sampling (Cholesky factors of relationship matrices, or the FaST-LMM eigendecomposition).</summary>
    TimeSpan SetupTime { get; }

    /// <summary>
    /// Where each coordinate of θ is expected to lie and on what scale, from the priors (<see cref="ParameterScale"/>):
    /// samplers start chains and set their initial metric from it. The default is location 0, scale 1.
    /// </summary>
    ParameterScale UnconstrainedScale => ParameterScale.Unit(Dimension);

    /// <summary>Writes the reported parameters for one θ.</summary>
    void Constrain(ReadOnlySpan<double> theta, Span<double> output);

    /// <summary>
    /// Writes the reported parameters for kept draw <paramref name="draw"/> of chain <paramref name="chain"/>;
    /// a model that reports random quantities drawn given θ (the fast path's genetic effects) keys
    /// them by (seed, chain, draw). The default ignores them.
    /// </summary>
    void Constrain(ReadOnlySpan<double> theta, Span<double> output, ulong seed, int chain, int draw) => Constrain(theta, output);
}
