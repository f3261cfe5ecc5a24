using GpuHbm.Models;

namespace GpuHbm.Estimands;

/// <summary>The residual (observation-level) variance of a family on the scale of <see cref="VarianceScale"/>, per draw.</summary>
internal sealed class ResidualVariance
{
    private readonly Func<ReadOnlySpan<double>, double, double> _at;

    public VarianceScale Scale { get; }
    public string Description { get; }

    private ResidualVariance(VarianceScale scale, string description, Func<ReadOnlySpan<double>, double, double> at)
    {
        Scale = scale; Description = description; _at = at;
    }

    /// <summary>The residual variance of one draw, given the draw's total group-level variance (used by the Poisson approximation).</summary>
    public double At(ReadOnlySpan<double> draw, double groupVariance) => _at(draw, groupVariance);

    public static ResidualVariance For(IPosteriorModel model, PosteriorDraws draws, IReadOnlyList<TermCovariance> terms)
    {
        var kind = model.Spec.Family.Kind;
        switch (kind)
        {
            case FamilyKind.Gaussian when draws.Find("sigma") is var sigma and >= 0:
                return new ResidualVariance(VarianceScale.Data, "data scale (gaussian): residual variance sigma²",
                    (d, _) => d[sigma] * d[sigma]);
            case FamilyKind.Gaussian:
            {
                var se = ((CompiledModel)model).Se.Span;
                double sw = 0, sw2 = 0;
                foreach (var e in se) { double w = 1 / (e * e); sw += w; sw2 += w * w; }
                int k = se.Length;
                double typical = k > 1 ? (k - 1) * sw / (sw * sw - sw2) : se[0] * se[0];
                return new ResidualVariance(VarianceScale.TypicalWithinStudy,
                    $"data scale (gaussian with known se): residual = typical within-study variance {typical:G4} (Higgins and Thompson 2002), so a share is I²",
                    (_, _) => typical);
            }
            case FamilyKind.Bernoulli or FamilyKind.Binomial:
                return new ResidualVariance(VarianceScale.LatentLogistic,
                    "latent scale (logit link): residual variance π²/3 ≈ 3.29 of the standard logistic distribution",
                    (_, _) => Models.Kinship.Heritability.LogisticVariance);
            case FamilyKind.Poisson:
            {
                var cm = (CompiledModel)model;
                int p = cm.FixedColumnCount, n = cm.ObservationCount;
                var x = cm.X.Span;
                var means = new double[p];
                for (int i = 0; i < n; i++)
                    for (int j = 0; j < p; j++) means[j] += x[i * p + j];
                for (int j = 0; j < p; j++) means[j] /= n;
                double offset = 0;
                foreach (var o in cm.Offset.Span) offset += o;
                if (cm.Offset.Length > 0) offset /= cm.Offset.Length;
                var b = cm.FixedColumnNames.Select(c => draws.IndexOf("b_" + c)).ToArray();
                return new ResidualVariance(VarianceScale.LogNormalApproximation,
                    "log-normal approximation (poisson, log link): residual variance ln(1 + 1/λ), λ = exp(mean fixed part + ½ group-level variance) (Nakagawa, Johnson and Schielzeth 2017)",
                    (d, group) =>
                    {
                        double eta = offset;
                        for (int j = 0; j < b.Length; j++) eta += means[j] * d[b[j]];
                        return Math.Log(1 + 1 / Math.Exp(eta + 0.5 * group));
                    });
            }
            default:
                throw new GpuHbmModelException($"no variance decomposition is defined for the {model.Spec.Family.Name} family");
        }
    }
}
