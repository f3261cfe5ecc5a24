using MathNet.Numerics;

namespace GpuHbm.Models;

internal sealed partial class GlmmDensity
{
    /// <summary>
    /// The data-only part of log p(y_i | η_i) that the density adds once for all rows (<see cref="Constant"/>):
    /// −½ log 2π (gaussian; also − log se_i with known standard errors), log C(n_i, y_i) (binomial),
    /// − log y_i! (poisson), 0 (bernoulli). The gaussian − log σ is added with σ (Finish, <see cref="RowLogLikelihood"/>).
    /// </summary>
    internal static double RowConstant(FamilyKind family, double y, double trials, double? se) => family switch
    {
        FamilyKind.Gaussian => se is { } s ? -(HalfLog2Pi + Math.Log(s)) : -HalfLog2Pi,
        FamilyKind.Binomial => SpecialFunctions.BinomialLn((int)trials, (int)y),
        FamilyKind.Poisson => -SpecialFunctions.FactorialLn((int)y),
        _ => 0,
    };

    /// <summary>
    /// Pointwise log likelihoods log p(y_i | η_i) with every normalizing constant, for rows
    /// <paramref name="firstRow"/> .. + eta.Length of the given response arrays: the density's own row
    /// terms (<see cref="IRowLikelihood{T}"/>) plus <see cref="RowConstant"/>, and − log σ for the gaussian
    /// family without known standard errors. Summed over the fit's rows they give the density's likelihood.
    /// </summary>
    /// <param name="family">The family.</param>
    /// <param name="eta">η of the rows.</param>
    /// <param name="y">The response, indexed by absolute row.</param>
    /// <param name="trials">Binomial trials (absolute rows); null otherwise.</param>
    /// <param name="se">Known standard errors (absolute rows); null otherwise.</param>
    /// <param name="invSe">1 / se (absolute rows), when <paramref name="se"/> is given.</param>
    /// <param name="sigma">The gaussian σ (ignored otherwise, and when <paramref name="se"/> is given).</param>
    /// <param name="firstRow">The absolute row of eta[0].</param>
    /// <param name="logLik">Output, one per row.</param>
    internal static void RowLogLikelihood(FamilyKind family, ReadOnlySpan<double> eta, double[] y, double[]? trials, double[]? se, double[]? invSe,
        double sigma, int firstRow, Span<double> logLik)
    {
        switch (family)
        {
            case FamilyKind.Gaussian when se is null:
                Rows(new GaussianRows(1 / sigma, y), eta, firstRow, logLik, RowConstant(family, 0, 0, null) - Math.Log(sigma));
                break;
            case FamilyKind.Gaussian:
                Rows(new GaussianSeRows(invSe!, y), eta, firstRow, logLik, 0);
                for (int i = 0; i < eta.Length; i++) logLik[i] += RowConstant(family, 0, 0, se[firstRow + i]);
                break;
            case FamilyKind.Bernoulli:
                Rows(new BinomialRows(null, y), eta, firstRow, logLik, 0);
                break;
            case FamilyKind.Binomial:
                Rows(new BinomialRows(trials, y), eta, firstRow, logLik, 0);
                for (int i = 0; i < eta.Length; i++) logLik[i] += RowConstant(family, y[firstRow + i], trials![firstRow + i], null);
                break;
            default:
                Rows(new PoissonRows(y), eta, firstRow, logLik, 0);
                for (int i = 0; i < eta.Length; i++) logLik[i] += RowConstant(family, y[firstRow + i], 1, null);
                break;
        }

        static void Rows<TRows>(TRows rows, ReadOnlySpan<double> eta, int firstRow, Span<double> logLik, double constant)
            where TRows : struct, IRowLikelihood<double>
        {
            for (int i = 0; i < eta.Length; i++) logLik[i] = rows.Step(eta[i], firstRow + i, out _, out _) + constant;
        }
    }
}
