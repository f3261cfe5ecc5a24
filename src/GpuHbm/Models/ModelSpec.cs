using GpuHbm.Formulas;

namespace GpuHbm.Models;

/// <summary>
/// What to fit: a formula, a family and the user's priors (defaults fill in the rest).
/// <paramref name="CategoricalColumns"/> names numeric-looking columns to treat as categorical
/// (as R's <c>factor()</c>), e.g. cbpp's <c>period</c> coded 1–4; non-numeric columns always are.
/// </summary>
public sealed record ModelSpec(
    Formula Formula,
    Family Family,
    IReadOnlyList<PriorSpec> Priors,
    IReadOnlyList<string>? CategoricalColumns = null);
