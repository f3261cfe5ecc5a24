using System.Diagnostics;
using GpuHbm.Data;
using GpuHbm.Models.Kinship;

namespace GpuHbm.Models;

/// <summary>
/// A model ready to sample: design matrices built from the formula and data, validated response,
/// resolved priors, the layout of the unconstrained vector θ, and its log density with gradient
/// (<see cref="GlmmDensity"/>).
/// </summary>
/// <remarks>
/// θ layout (<see cref="Layout"/>): b (P, one per column of X, "Intercept" first when present);
/// log sigma (gaussian without se); then per random term in formula order: log sd (K), the K(K−1)/2
/// Cholesky-factor values (correlated terms with K &gt; 1), z (levels × K, level-major).
/// <para>
/// Reported parameters (<see cref="OutputNames"/>, brms names and order): b_&lt;coef&gt;; sd_&lt;group&gt;__&lt;coef&gt;
/// for every term; cor_&lt;group&gt;__&lt;coef1&gt;__&lt;coef2&gt; for every correlated term (pairs i &lt; j, column-major:
/// 1_2, 1_3, 2_3); sigma; h2 (or h2_&lt;group&gt;) when the model has <c>gr(id, cov = K)</c> terms and the
/// family defines it (<see cref="Heritability"/>); r_&lt;group&gt;[&lt;level&gt;,&lt;coef&gt;] for every term, level-major.
/// </para>
/// <para>
/// A term <c>(1 | gr(id, cov = K))</c> has r = sd·(L z) over the levels of id, with L L' = K + εI
/// (<see cref="KinshipCholesky"/>), so r ~ N(0, sd²(K + εI)).
/// </para>
/// </remarks>
public sealed class CompiledModel : IPosteriorModel, ICentrableDensity
{
    private readonly DesignColumns _x;
    private readonly ResponseData _response;
    private readonly PriorSet _priors;
    private readonly GlmmDensity _density;
    private readonly string[] _outputNames;

    private CompiledModel(Parts parts, ModelSpec spec, DesignColumns x, ResponseData response, RandomEffectsTerm[] terms,
        ParameterLayout layout, PriorSet priors, string[] outputNames)
    {
        Data = parts;
        Spec = spec;
        _x = x;
        _response = response;
        RandomTerms = terms;
        Layout = layout;
        _priors = priors;
        _outputNames = outputNames;
        var setup = Stopwatch.StartNew();
        _density = new GlmmDensity(spec.Family, x, response, terms, layout, priors);   // factors relationship matrices
        setup.Stop();
        _relationshipTerms = Enumerable.Range(0, terms.Length).Where(t => terms[t].Relationship is not null).ToArray();
        SetupTime = _relationshipTerms.Length > 0 ? setup.Elapsed : TimeSpan.Zero;
        _heritability = _relationshipTerms.Length > 0 && Heritability.IsDefined(spec.Family.Kind, response.Se is null);
        _notes = RelationshipNotes(terms);
        _termBlocks = terms.Select((_, t) => layout.Blocks.Where(b => b.Term == t).ToArray()).ToArray();
        _sigmaBlock = layout.Find("sigma");
        _maxK = terms.Length == 0 ? 1 : terms.Max(t => t.K);
        UnconstrainedScale = ParameterScale.ForPriors(layout, priors, DefaultPriors.For(spec.Family, response.Y), x);
    }

    /// <inheritdoc/>
    public ParameterScale UnconstrainedScale { get; }

    private readonly ParameterBlock[][] _termBlocks;   // per term: sd, [L], z
    private readonly int[] _relationshipTerms;          // indices of gr(id, cov = K) terms
    private readonly bool _heritability;                // h2 rows reported
    private readonly ParameterBlock? _sigmaBlock;
    private readonly int _maxK;

    /// <summary>
    /// Builds the model. The data must already be free of missing values in the formula's
    /// <c>UsedColumns()</c>. Errors (<see cref="GpuHbmModelException"/>, <see cref="GpuHbmDataException"/>)
    /// name the column, row, term or prior at fault.
    /// </summary>
    public static CompiledModel Compile(ModelSpec spec, DataTable data)
    {
        var parts = Prepare(spec, data);
        var (x, response, terms, hasSigma) = (parts.X, parts.Response, parts.Terms, parts.HasSigma);
        var blocks = new List<ParameterBlock>();
        int offset = 0;
        void Add(string name, int length, ParameterTransform tr, int term = -1)
        {
            blocks.Add(new ParameterBlock(name, offset, length, tr, term));
            offset += length;
        }
        Add("b", x.Count, ParameterTransform.Identity);
        if (hasSigma) Add("sigma", 1, ParameterTransform.Log);
        for (int t = 0; t < terms.Length; t++)
        {
            var rt = terms[t];
            string suffix = terms.Count(o => o.GroupName == rt.GroupName) > 1 ? $"_{t + 1}" : "";
            Add($"sd_{rt.GroupName}{suffix}", rt.K, ParameterTransform.Log, t);
            if (rt.Correlated) Add($"L_{rt.GroupName}{suffix}", CholeskyCorrTransform.FreeCount(rt.K), ParameterTransform.CholeskyCorr, t);
            Add($"z_{rt.GroupName}{suffix}", rt.LevelCount * rt.K, ParameterTransform.NonCentered, t);
        }
        var layout = new ParameterLayout(blocks);
        return new CompiledModel(parts, spec, x, response, terms, layout, parts.Priors, parts.OutputNames(includeGroupEffects: true));
    }

    /// <summary>What both the general density and the FaST-LMM fast path are built from.</summary>
    internal sealed record Parts(ModelSpec Spec, DesignColumns X, ResponseData Response, RandomEffectsTerm[] Terms, bool HasSigma, PriorSet Priors)
    {
        /// <summary>How the data were coded: what new data must follow (<see cref="DesignCoding"/>).</summary>
        public DesignCoding Coding { get; init; } = DesignCoding.Empty;

        /// <summary>The reported names (see the class remarks); the r_ rows only when asked.</summary>
        public string[] OutputNames(bool includeGroupEffects)
        {
            var names = new List<string>();
            names.AddRange(X.Names.Select(c => $"b_{c}"));
            foreach (var rt in Terms) names.AddRange(rt.ColumnNames.Select(c => $"sd_{rt.GroupName}__{c}"));
            foreach (var rt in Terms)
            {
                if (!rt.Correlated) continue;
                for (int j = 1; j < rt.K; j++)
                    for (int i = 0; i < j; i++) names.Add($"cor_{rt.GroupName}__{rt.ColumnNames[i]}__{rt.ColumnNames[j]}");
            }
            if (HasSigma) names.Add("sigma");
            var relationship = Terms.Where(t => t.Relationship is not null).ToArray();
            if (relationship.Length > 0 && Heritability.IsDefined(Spec.Family.Kind, Response.Se is null))
                names.AddRange(Heritability.Names(relationship));
            if (includeGroupEffects)
                foreach (var rt in Terms)
                    foreach (var level in rt.LevelNames)
                        foreach (var c in rt.ColumnNames) names.Add($"r_{rt.GroupName}[{level},{c}]");
            var duplicate = names.GroupBy(s => s).FirstOrDefault(g => g.Count() > 1);
            if (duplicate is not null)
                throw new GpuHbmModelException($"parameter '{duplicate.Key}' would appear twice: two group-level terms for the same grouping estimate the same effect; combine them into one term");
            return names.ToArray();
        }
    }

    /// <summary>Design matrices, response, group-level terms (relationship matrices aligned) and resolved priors.</summary>
    internal static Parts Prepare(ModelSpec spec, DataTable data)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(data);
        var formula = spec.Formula;
        int n = data.RowCount;
        if (n == 0) throw new GpuHbmDataException($"{data.Source} has no rows");
        foreach (var col in formula.UsedColumns()) _ = data[col];   // unknown column: error naming it

        var categorical = new HashSet<string>(spec.CategoricalColumns ?? [], StringComparer.Ordinal);
        var builder = new DesignMatrixBuilder(data, c => categorical.Contains(c) || !data[c].IsNumeric);

        var response = ResponseData.Build(formula, spec.Family, builder, n);
        var x = builder.Build(formula.HasIntercept, formula.FixedTerms, "population-level");
        RankCheck.Check(x);
        var terms = formula.RandomTerms.Select(rt => RandomEffectsTerm.Build(rt, builder, n, spec.RelationshipMatrices)).ToArray();

        bool hasSigma = spec.Family.Kind == FamilyKind.Gaussian && response.Se is null;
        var defaults = DefaultPriors.For(spec.Family, response.Y);
        var priors = PriorSet.Resolve(spec.Priors, defaults, x, hasSigma, terms);
        var parts = new Parts(spec, x, response, terms, hasSigma, priors) { Coding = DesignCoding.From(formula, builder) };
        _ = parts.OutputNames(includeGroupEffects: true);   // duplicate names: an error now
        return parts;
    }

    /// <summary>Notes about relationship matrices: individuals left out.</summary>
    internal static string[] RelationshipNotes(IEnumerable<RandomEffectsTerm> terms) =>
        terms.Where(t => t.Alignment?.Note is not null)
            .Select(t => $"gr({t.GroupName}, cov = {t.RelationshipName}): {t.Alignment!.Note}")
            .ToArray();

    public ModelSpec Spec { get; }

    /// <summary>The design, response, terms and coding the model was compiled from (for predictions and pointwise log likelihoods).</summary>
    internal Parts Data { get; }

    /// <inheritdoc/>
    public IReadOnlyList<string> Notes => ExtraNotes ?? _notes;

    private readonly IReadOnlyList<string> _notes;

    /// <summary>Notes set by <see cref="PosteriorModel.Compile"/> (which path, and why), replacing the alignment notes.</summary>
    internal IReadOnlyList<string>? ExtraNotes { get; set; }

    /// <inheritdoc/>
    public string Method => "glmm";

    /// <summary>Time to factor the relationship matrices (zero without gr(id, cov = K) terms).</summary>
    public TimeSpan SetupTime { get; }

    /// <summary>Length of θ.</summary>
    public int Dimension => Layout.Dimension;

    public int ObservationCount => _x.Rows;

    public ParameterLayout Layout { get; }

    /// <summary>Names of the reported (constrained) parameters, in <see cref="Constrain"/>'s order.</summary>
    public IReadOnlyList<string> OutputNames => _outputNames;

    /// <summary>Every prior in force, in output order (Intercept and b by column, sd, cor, sigma).</summary>
    public IReadOnlyList<ResolvedPrior> Priors => _priors.All;

    public IReadOnlyList<RandomEffectsTerm> RandomTerms { get; }

    /// <summary>Names of the population-level columns ("Intercept", "Days", "period2", "a2:x").</summary>
    public IReadOnlyList<string> FixedColumnNames => _x.Names;

    /// <summary>Population-level design matrix X, ObservationCount × P, row-major.</summary>
    public ReadOnlyMemory<double> X => _x.Values;

    /// <summary>Number of population-level columns P.</summary>
    public int FixedColumnCount => _x.Count;

    /// <summary>The response y (successes for binomial).</summary>
    public ReadOnlyMemory<double> Y => _response.Y;

    /// <summary>Binomial trials per row; empty for other families.</summary>
    public ReadOnlyMemory<double> Trials => _response.Trials;

    /// <summary>Known standard errors (gaussian <c>y | se(s)</c>); empty otherwise.</summary>
    public ReadOnlyMemory<double> Se => _response.Se;

    /// <summary>Summed offsets per row; empty when the formula has none.</summary>
    public ReadOnlyMemory<double> Offset => _response.Offset;

    /// <summary>Rows × chains above which the density evaluates row blocks in parallel (default 50,000).</summary>
    internal long ParallelThresholdRows { get => _density.ParallelThresholdRows; set => _density.ParallelThresholdRows = value; }

    /// <summary>Thread limit for the parallel path (−1: the runtime's choice).</summary>
    internal int MaxDegreeOfParallelism { get => _density.MaxDegreeOfParallelism; set => _density.MaxDegreeOfParallelism = value; }

    internal int BlockRows => _density.BlockRows;

    /// <summary>Whether the row loops run four rows at a time (<see cref="GlmmDensity.Simd"/>).</summary>
    internal bool SimdRows { get => _density.Simd; set => _density.Simd = value; }

    /// <summary>Per random term: whether its ∂/∂r is summed from block partials (<see cref="GlmmDensity.TermsWithBlockPartials"/>).</summary>
    internal bool[] TermsWithBlockPartials => _density.TermsWithBlockPartials;

    /// <summary>The resolved priors by role (per column of X, sigma, per term sd and LKJ), for device densities.</summary>
    internal PriorSet PriorSet => _priors;

    /// <summary>The data-only constant of the log density (likelihood normalizing constants, z prior), for device densities.</summary>
    internal double DensityConstant => _density.Constant;

    /// <summary>The response family's kind.</summary>
    internal FamilyKind FamilyKind => Spec.Family.Kind;

    /// <inheritdoc/>
    public void Evaluate(ReadOnlySpan<double> positions, Span<double> logDensity, Span<double> gradient, int chains) =>
        _density.Evaluate(positions, logDensity, gradient, chains);

    bool ICentrableDensity.CanCentre => _density.CanCentre;

    double[]? ICentrableDensity.CentringWeights(ReadOnlySpan<double> theta) => _density.CentringWeights(theta);

    void ICentrableDensity.Evaluate(ReadOnlySpan<double> positions, Span<double> logDensity, Span<double> gradient, int chains, double[]? centring) =>
        _density.Evaluate(positions, logDensity, gradient, chains, centring);

    void ICentrableDensity.Recentre(ReadOnlySpan<double> theta, Span<double> values, double[]? from, double[]? to) =>
        _density.Recentre(theta, values, from, to);

    int ICentrableDensity.InterceptIndex => _density.InterceptIndex;

    IReadOnlyList<(int Offset, int Levels, int SdOffset)> ICentrableDensity.InterceptTerms => _density.InterceptTerms;

    /// <summary>Writes the reported parameters (<see cref="OutputNames"/> order) for one θ.</summary>
    public void Constrain(ReadOnlySpan<double> theta, Span<double> output)
    {
        if (theta.Length != Dimension) throw new ArgumentException($"theta has {theta.Length} values, the model {Dimension}");
        if (output.Length < _outputNames.Length) throw new ArgumentException($"output needs {_outputNames.Length} values");
        int o = 0;
        int p = _x.Count;
        for (int q = 0; q < p; q++) output[o++] = theta[q];
        var termBlocks = _termBlocks;
        foreach (var blocks in termBlocks)
            foreach (var v in theta.Slice(blocks[0].Offset, blocks[0].Length)) output[o++] = Math.Exp(v);
        Span<double> l = stackalloc double[_maxK * _maxK];
        for (int t = 0; t < RandomTerms.Count; t++)
        {
            var rt = RandomTerms[t];
            if (!rt.Correlated) continue;
            int k = rt.K;
            var lb = termBlocks[t][1];
            CholeskyCorrTransform.Constrain(theta.Slice(lb.Offset, lb.Length), k, l);
            for (int j = 1; j < k; j++)
                for (int i = 0; i < j; i++)
                {
                    double s = 0;
                    for (int m = 0; m <= i; m++) s += l[i * k + m] * l[j * k + m];
                    output[o++] = s;
                }
        }
        double sigma = _sigmaBlock is null ? double.NaN : Math.Exp(theta[_sigmaBlock.Offset]);
        if (_sigmaBlock is not null) output[o++] = sigma;
        if (_heritability)
        {
            double residual = Heritability.ResidualVariance(Spec.Family.Kind, _sigmaBlock is not null, sigma), genetic = 0;
            foreach (int t in _relationshipTerms) genetic += Math.Exp(2 * theta[termBlocks[t][0].Offset]);
            foreach (int t in _relationshipTerms) output[o++] = Math.Exp(2 * theta[termBlocks[t][0].Offset]) / (genetic + residual);
        }
        for (int t = 0; t < RandomTerms.Count; t++)
        {
            var rt = RandomTerms[t];
            int k = rt.K;
            var blocks = termBlocks[t];
            var zb = blocks[^1];
            if (rt.Relationship is not null)
            {
                var r = output.Slice(o, rt.LevelCount);
                rt.Cholesky.Multiply(theta.Slice(zb.Offset, rt.LevelCount), r, 1);
                double sdv = Math.Exp(theta[blocks[0].Offset]);
                for (int j = 0; j < r.Length; j++) r[j] *= sdv;
                o += rt.LevelCount;
                continue;
            }
            if (rt.Correlated) CholeskyCorrTransform.Constrain(theta.Slice(blocks[1].Offset, blocks[1].Length), k, l);
            for (int j = 0; j < rt.LevelCount; j++)
                for (int a = 0; a < k; a++)
                {
                    double w;
                    if (rt.Correlated)
                    {
                        w = 0;
                        for (int m = 0; m <= a; m++) w += l[a * k + m] * theta[zb.Offset + j * k + m];
                    }
                    else w = theta[zb.Offset + j * k + a];
                    output[o++] = Math.Exp(theta[blocks[0].Offset + a]) * w;
                }
        }
    }
}
