using System.Globalization;
using GpuHbm.Models;
using GpuHbm.Results;

namespace GpuHbm.Estimands;

/// <summary>
/// Heterogeneity by a covariate: the treatment's effect at chosen values of a moderator with which it
/// interacts (<c>treat * age</c>, <c>treat * sex</c>), for a typical group (group-level effects at 0).
/// Each value is one row: the effect on the link scale w·b (w = 1 for the treatment column, the
/// moderator's value for treat:moderator, <see cref="TreatmentHeterogeneityOptions.At"/> for other
/// moderators), on the response scale μ(η̄_v + δ) − μ(η̄_v) with η̄_v the mean untreated linear
/// predictor of the data's rows with the moderator set to v, and P(benefit), P(beyond the MIDs).
/// </summary>
public static class SubgroupEffects
{
    /// <summary>
    /// Effects of <see cref="TreatmentHeterogeneityOptions.Treatment"/> at each value of <paramref name="moderator"/>
    /// (a population-level column, e.g. "age" or "sexM"); <paramref name="values"/> null: the moderator's distinct
    /// values when at most five, else its 5 %, 50 % and 95 % quantiles in the data.
    /// </summary>
    public static IReadOnlyList<GroupTreatmentEffect> Compute(Fit fit, TreatmentHeterogeneityOptions options, string moderator, IReadOnlyList<double>? values = null)
    {
        ArgumentNullException.ThrowIfNull(fit);
        ArgumentNullException.ThrowIfNull(options);
        QuantitySummary.CheckLevel(options.Level);
        if (fit.Model is not CompiledModel model)
            throw new GpuHbmModelException("subgroup effects need the general GLMM density (not the FaST-LMM fast path)");
        string treatment = options.Treatment;
        var columns = model.FixedColumnNames;
        if (!columns.Contains(treatment))
            throw new GpuHbmModelException($"'{treatment}' is not a population-level column of the model; its columns are: {string.Join(", ", columns)}");
        int main = columns.ToList().IndexOf(moderator);
        if (main < 0)
            throw new GpuHbmModelException($"moderator '{moderator}' is not a population-level column of the model; its columns are: {string.Join(", ", columns)}");
        if (!columns.Any(c => Parts(c).Contains(treatment) && Parts(c).Contains(moderator)))
            throw new GpuHbmModelException($"the model has no interaction of '{treatment}' with '{moderator}' (e.g. {treatment}:{moderator}), so the effect does not depend on it");

        int p = columns.Count, n = model.ObservationCount;
        var x = model.X.Span;
        var offset = model.Offset.Span;
        var column = new double[n];
        for (int i = 0; i < n; i++) column[i] = x[i * p + main];
        var grid = values?.ToArray() ?? VarianceDecomposition.DefaultValues(column);

        // Mean untreated row with the moderator at 0: treatment columns zeroed; the moderator's own column handled per value.
        var meanX = new double[p];
        double meanOffset = 0;
        for (int i = 0; i < n; i++)
        {
            for (int c = 0; c < p; c++) if (!Parts(columns[c]).Contains(treatment) && c != main) meanX[c] += x[i * p + c];
            if (offset.Length > 0) meanOffset += offset[i];
        }
        for (int c = 0; c < p; c++) meanX[c] /= n;
        meanOffset /= n;

        var draws = new PosteriorDraws(fit.Draws);
        var b = columns.Select(c => draws.IndexOf("b_" + c)).ToArray();
        var family = model.Spec.Family;
        int sign = options.Benefit == BenefitDirection.Lower ? -1 : 1;
        var at = options.At ?? new Dictionary<string, double>();
        var result = new GroupTreatmentEffect[grid.Length];
        for (int g = 0; g < grid.Length; g++)
        {
            double v = grid[g];
            var w = columns.Select(c =>
            {
                var parts = Parts(c);
                if (!parts.Contains(treatment)) return 0.0;
                double weight = 1;
                foreach (var part in parts.Where(q => q != treatment))
                    weight *= part == moderator ? v : at.TryGetValue(part, out var a) ? a : 0;
                return weight;
            }).ToArray();
            var link = new double[draws.Count];
            var response = new double[draws.Count];
            for (int s = 0; s < draws.Count; s++)
            {
                var d = draws.Draw(s);
                double delta = 0, eta0 = meanOffset + v * d[b[main]];
                for (int c = 0; c < p; c++) { delta += w[c] * d[b[c]]; eta0 += meanX[c] * d[b[c]]; }
                link[s] = delta;
                response[s] = family.InverseLink(eta0 + delta) - family.InverseLink(eta0);
            }
            string label = $"{moderator} = {v.ToString("G6", CultureInfo.InvariantCulture)}";
            int rows = column.Count(z => z == v);
            result[g] = new GroupTreatmentEffect(label, rows,
                draws.Summarize($"effect of {treatment} at {label} (link)", link, options.Level),
                draws.Summarize($"effect of {treatment} at {label} (response)", response, options.Level),
                link.Count(e => sign * e > 0) / (double)link.Length,
                options.MinimalImportantDifference is { } mid ? link.Count(e => sign * e > mid) / (double)link.Length : double.NaN,
                options.MinimalImportantDifferenceResponse is { } mr ? response.Count(e => sign * e > mr) / (double)response.Length : double.NaN);
        }
        return result;
    }

    private static string[] Parts(string column) => column.Split(':');
}
