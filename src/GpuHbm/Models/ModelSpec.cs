using GpuHbm.Formulas;
using GpuHbm.Models.Kinship;

namespace GpuHbm.Models;

/// <summary>
/// What to fit: a formula, a family and the user's priors (defaults fill in the rest).
/// <paramref name="CategoricalColumns"/> names numeric-looking columns to treat as categorical
/// (as R's <c>factor()</c>), e.g. cbpp's <c>period</c> coded 1–4; non-numeric columns always are.
/// <paramref name="RelationshipMatrices"/> names the matrices that <c>gr(id, cov = K)</c> terms refer to
/// (name → matrix; ids matched to the levels of the grouping column).
/// </summary>
public sealed record ModelSpec(
    Formula Formula,
    Family Family,
    IReadOnlyList<PriorSpec> Priors,
    IReadOnlyList<string>? CategoricalColumns = null,
    IReadOnlyDictionary<string, RelationshipMatrix>? RelationshipMatrices = null);
