using System.Diagnostics;
using GpuHbm.Data;
using GpuHbm.Kernels;

namespace GpuHbm.Models.Kinship;

/// <summary>
/// The FaST-LMM fast path of <c>y ~ X + (1 | gr(id, cov = K))</c>, gaussian: the genetic effects
/// u ~ N(0, σg²K) are integrated out and the marginal y ~ N(Xβ, σg²K + σe²I) is evaluated in the
/// eigenbasis of K (<see cref="FastLmmDensity"/>), O(N·P) per gradient after one O(N³)
/// eigendecomposition (<see cref="SetupTime"/>).
/// </summary>
/// <remarks>
/// θ = (b, log σg, log σe). The priors are exactly those <see cref="CompiledModel"/> resolves for the
/// same formula, data and user priors (Intercept, b, sd[id, Intercept] and sigma), so both paths
/// define the same posterior of b, sd and sigma (up to the εI jitter the general path adds to K).
/// Reported parameters have the general path's names: b_*, sd_&lt;id&gt;__Intercept, sigma, h2 and, only
/// when asked (<see cref="DrawsGeneticEffects"/>), r_&lt;id&gt;[&lt;level&gt;,Intercept], drawn per kept draw
/// from their Gaussian conditional given θ and y (<see cref="FastLmmDensity.DrawGeneticEffects"/>)
/// with standard normals from <see cref="Philox.Normals"/> keyed by (seed, chain, draw,
/// <see cref="RandomPurpose.Simulation"/>).
/// </remarks>
public sealed class FastLmmModel : IPosteriorModel
{
    private readonly FastLmmDensity _density;
    private readonly CompiledModel.Parts _parts;
    private readonly string[] _names;
    private readonly int[] _rowLevel;   // data row → level of id
    private readonly int _p;

    private FastLmmModel(CompiledModel.Parts parts, FastLmmDensity density, int[] rowLevel, bool drawGeneticEffects,
        TimeSpan setup, KinshipEigenSystem eigen, IReadOnlyList<string> notes)
    {
        _parts = parts;
        _density = density;
        _rowLevel = rowLevel;
        _p = parts.X.Count;
        DrawsGeneticEffects = drawGeneticEffects;
        _names = parts.OutputNames(includeGroupEffects: drawGeneticEffects);
        SetupTime = setup;
        EigendecompositionTime = eigen.DecompositionTime;
        EigenSolver = eigen.Solver;
        Notes = notes;
        // θ = (b, log sd_g, log sigma): the scale of the general path's blocks with the same priors.
        var layout = new ParameterLayout([
            new ParameterBlock("b", 0, _p, ParameterTransform.Identity),
            new ParameterBlock("sd", _p, 1, ParameterTransform.Log, 0),
            new ParameterBlock("sigma", _p + 1, 1, ParameterTransform.Log)]);
        UnconstrainedScale = ParameterScale.ForPriors(layout, parts.Priors, DefaultPriors.For(parts.Spec.Family, parts.Response.Y), parts.X);
    }

    /// <inheritdoc/>
    public ParameterScale UnconstrainedScale { get; }

    /// <summary>The design, response, terms and coding the model was compiled from.</summary>
    internal CompiledModel.Parts Data => _parts;

    /// <summary>The density on the rotated data.</summary>
    public FastLmmDensity Density => _density;

    /// <summary>True when r_&lt;id&gt;[level,Intercept] are drawn and reported.</summary>
    public bool DrawsGeneticEffects { get; }

    /// <summary>Alignment, eigendecomposition and rotation of y and X.</summary>
    public TimeSpan SetupTime { get; }

    /// <summary>The eigendecomposition alone (part of <see cref="SetupTime"/>).</summary>
    public TimeSpan EigendecompositionTime { get; }

    /// <summary>The solver of the eigendecomposition, e.g. "LAPACK dsyevd (liblapack.so.3)" (<see cref="KinshipEigenSystem.Solver"/>).</summary>
    public string EigenSolver { get; }

    public ModelSpec Spec => _parts.Spec;
    public int Dimension => _density.Dimension;
    public int ObservationCount => _parts.X.Rows;
    public IReadOnlyList<string> OutputNames => _names;
    public IReadOnlyList<ResolvedPrior> Priors => _parts.Priors.All;
    public IReadOnlyList<RandomEffectsTerm> RandomTerms => _parts.Terms;
    public IReadOnlyList<string> Notes { get; }
    public string Method => "fastlmm";

    public void Evaluate(ReadOnlySpan<double> positions, Span<double> logDensity, Span<double> gradient, int chains) =>
        _density.Evaluate(positions, logDensity, gradient, chains);

    /// <summary>Reported parameters; r_ (when drawn) are the conditional means (BLUPs), as no draw key is given.</summary>
    public void Constrain(ReadOnlySpan<double> theta, Span<double> output) => ConstrainCore(theta, output, null);

    /// <inheritdoc/>
    public void Constrain(ReadOnlySpan<double> theta, Span<double> output, ulong seed, int chain, int draw) =>
        ConstrainCore(theta, output, (seed, chain, draw));

    private void ConstrainCore(ReadOnlySpan<double> theta, Span<double> output, (ulong Seed, int Chain, int Draw)? key)
    {
        if (theta.Length != Dimension) throw new ArgumentException($"theta has {theta.Length} values, the model {Dimension}");
        if (output.Length < _names.Length) throw new ArgumentException($"output needs {_names.Length} values");
        int o = 0;
        for (int q = 0; q < _p; q++) output[o++] = theta[q];
        double sg = Math.Exp(theta[_p]), se = Math.Exp(theta[_p + 1]);
        output[o++] = sg;
        output[o++] = se;
        output[o++] = FastLmmDensity.Heritability(sg, se);
        if (!DrawsGeneticEffects) return;
        GeneticEffects(theta, key, output.Slice(o, _rowLevel.Length));
    }

    /// <summary>
    /// The genetic effects r_&lt;id&gt;[level,Intercept] for θ, by level: drawn from their conditional given θ and y
    /// with standard normals keyed by (seed, chain, draw) — the values a fit with <see cref="DrawsGeneticEffects"/>
    /// reports for that draw — or the conditional means when <paramref name="key"/> is null.
    /// </summary>
    internal void GeneticEffects(ReadOnlySpan<double> theta, (ulong Seed, int Chain, int Draw)? key, Span<double> r)
    {
        int n = _rowLevel.Length;
        var z = new double[n];
        if (key is { } k) Philox.Normals(k.Seed, (uint)k.Chain, (uint)k.Draw, RandomPurpose.Simulation, z);
        var u = new double[n];
        _density.DrawGeneticEffects(theta, z, u);
        for (int i = 0; i < n; i++) r[_rowLevel[i]] = u[i];
    }

    /// <summary>
    /// Why the fast path does not apply to these parts (null when it does): it needs the gaussian family
    /// without se, no offsets, exactly one group-level term, that term <c>(1 | gr(id, cov = K))</c>, and one
    /// data row per individual.
    /// </summary>
    internal static string? NotApplicable(CompiledModel.Parts parts)
    {
        var terms = parts.Terms;
        if (!terms.Any(t => t.Relationship is not null)) return "the model has no gr(id, cov = K) term";
        if (parts.Spec.Family.Kind != FamilyKind.Gaussian) return $"the family is {parts.Spec.Family.Name}, not gaussian";
        if (!parts.HasSigma) return "the residual standard deviation is known through se()";
        if (parts.Response.Offset is not null) return "the formula has an offset";
        if (terms.Length != 1) return $"the model has {terms.Length} group-level terms, and the fast path takes exactly one";
        var t = terms[0];
        var counts = new int[t.LevelCount];
        foreach (int g in t.GroupIndexArray) counts[g]++;
        int repeated = Array.FindIndex(counts, c => c != 1);
        if (repeated >= 0)
            return $"individual '{t.LevelNames[repeated]}' has {counts[repeated]} rows, and the fast path needs exactly one row per individual";
        return null;
    }

    /// <summary>Builds the fast-path model from prepared parts; <see cref="NotApplicable"/> must be null.</summary>
    internal static FastLmmModel Create(CompiledModel.Parts parts, bool drawGeneticEffects, IReadOnlyList<string> notes)
    {
        string? why = NotApplicable(parts);
        if (why is not null) throw new GpuHbmModelException("the FaST-LMM fast path does not apply: " + why);
        var term = parts.Terms[0];
        var setup = Stopwatch.StartNew();
        var rowLevel = term.GroupIndexArray.ToArray();
        var kRows = term.Relationship!.Subset(rowLevel);    // K in data-row order
        var eigen = KinshipEigenSystem.Decompose(kRows);
        var rotated = new RotatedKinshipData(eigen, parts.X.Values, parts.X.Count, parts.Response.Y);
        setup.Stop();
        var priors = FastLmmPriors.FromDistributions(parts.Priors.B, parts.Priors.Sd[0][0], parts.Priors.Sigma!);
        var density = new FastLmmDensity(rotated, priors);
        var allNotes = notes.Append(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"eigendecomposition of K (N = {eigen.Count}): {eigen.Solver}, {eigen.DecompositionTime.TotalSeconds:F2} s")
            + (eigen.FallbackReason is { } fallback ? $" (faster solvers unavailable: {fallback})" : "")).ToList();
        return new FastLmmModel(parts, density, rowLevel, drawGeneticEffects, setup.Elapsed, eigen, allNotes);
    }
}

/// <summary>Chooses between the general GLMM density and the FaST-LMM fast path.</summary>
public static class PosteriorModel
{
    /// <summary>
    /// Compiles <paramref name="spec"/> on <paramref name="data"/>: the FaST-LMM fast path
    /// (<see cref="FastLmmModel"/>) when <paramref name="kinshipFastPath"/> is on and the model is a
    /// gaussian <c>y ~ X + (1 | gr(id, cov = K))</c> with one row per individual, otherwise
    /// <see cref="CompiledModel"/>. The model's notes say which path was taken and why.
    /// </summary>
    public static IPosteriorModel Compile(ModelSpec spec, DataTable data, bool kinshipFastPath = true, bool drawGeneticEffects = false)
    {
        var parts = CompiledModel.Prepare(spec, data);
        var notes = CompiledModel.RelationshipNotes(parts.Terms).ToList();
        bool hasRelationship = parts.Terms.Any(t => t.Relationship is not null);
        if (hasRelationship)
        {
            string? why = FastLmmModel.NotApplicable(parts);
            if (why is null && kinshipFastPath)
            {
                notes.Add("FaST-LMM fast path: the genetic effects are integrated out (eigendecomposition of K once)"
                          + (drawGeneticEffects ? "; r_ effects drawn from their conditional per draw" : "; r_ effects not drawn (--draw-genetic-effects)"));
                return FastLmmModel.Create(parts, drawGeneticEffects, notes);
            }
            notes.Add(why is null
                ? "general path (fast path turned off): genetic effects sampled as r = sd·L z with L L' = K + εI"
                : $"general path: genetic effects sampled as r = sd·L z with L L' = K + εI (the FaST-LMM fast path does not apply: {why})");
        }
        var model = CompiledModel.Compile(spec, data);
        model.ExtraNotes = notes;
        return model;
    }
}
