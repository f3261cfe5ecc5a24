using System.Numerics;
using System.Runtime.CompilerServices;

namespace GpuHbm.Kernels;

/// <summary>
/// The log likelihood of one row and its derivative d = ∂ log p(y | η)/∂η for each family, written once:
/// the managed density's row loops and the device row kernel both call these. Each omits the data-only
/// normalizing constant (log C(n, y), −log y!, −½ log 2π − log se), which the density adds once.
/// Elementary functions are <see cref="DeviceMath"/>'s, so the managed code and every accelerator run the same
/// arithmetic (bit for bit on ILGPU's CPU accelerator; no CORDIC approximation on PTX).
/// </summary>
/// <remarks>Stan Functions Reference: normal_lpdf, bernoulli_logit_lpmf, binomial_logit_lpmf, poisson_log_lpmf.</remarks>
public static class FamilyTerms
{
    /// <summary>
    /// normal_lpdf(y | η, s) without −½ log 2π − log s, with <paramref name="inverseScale"/> = 1/s:
    /// returns −½u², u = (y − η)/s; d = u/s; <paramref name="squared"/> = u² (for ∂/∂ log σ).
    /// </summary>
    /// <remarks>
    /// Generic over the number type so that one formula serves every path: <c>double</c> in the kernels and the
    /// scalar row loops, <c>Vector256&lt;double&gt;</c> (four rows at once) in the managed SIMD row loop. With
    /// <c>double</c> the arithmetic is exactly the scalar one (ILGPU resolves the operators to fp64 instructions).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Normal<T>(T y, T eta, T inverseScale, out T d, out T squared)
        where T : ISubtractionOperators<T, T, T>, IMultiplyOperators<T, T, T>, IMultiplyOperators<T, double, T>
    {
        T u = (y - eta) * inverseScale;
        squared = u * u;
        d = u * inverseScale;
        return squared * -0.5;
    }

    /// <summary>
    /// binomial_logit_lpmf(y | n, η) without log C(n, y): y·η − n·log(1 + e^η), d = y − n·logistic(η)
    /// (bernoulli: n = 1). Stable for large |η|: log(1 + e^η) = max(η, 0) + log1p(e^−|η|), logistic(η) =
    /// 1/(1 + e^−|η|) for η ≥ 0 and e^−|η|/(1 + e^−|η|) below.
    /// </summary>
    /// <remarks>
    /// Branch-free and generic over the number type (<see cref="IFloatLanes{T}"/>): <c>double</c> in the kernels and
    /// the scalar loops, four rows at once in the managed SIMD loop, the same arithmetic in every lane. e^−|η| is
    /// <see cref="DeviceMath.ExpClamped{T, TL}"/> (|η| beyond 708 counts as 708: e^−708 ≈ 3·10^−308 changes nothing
    /// that a double can hold) and log1p is <see cref="DeviceMath.Log1pUnit{T, TL}"/> on (0, 1].
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T BinomialLogit<T, TL>(T y, T n, T eta, out T d)
        where T : IAdditionOperators<T, T, T>, ISubtractionOperators<T, T, T>, IMultiplyOperators<T, T, T>, IDivisionOperators<T, T, T>
        where TL : IFloatLanes<T>
    {
        T zero = TL.Constant(0.0);
        T ex = DeviceMath.ExpClamped<T, TL>(zero - TL.Abs(eta));
        d = y - n * Logistic<T, TL>(eta, ex);
        return y * eta - n * (TL.SelectAtLeast(eta, zero, eta, zero) + DeviceMath.Log1pUnit<T, TL>(ex));
    }

    /// <summary>logistic(η) = 1/(1 + e^−η) without overflow, given <paramref name="expMinusAbs"/> = e^−|η|.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Logistic<T, TL>(T eta, T expMinusAbs)
        where T : IAdditionOperators<T, T, T>, ISubtractionOperators<T, T, T>, IMultiplyOperators<T, T, T>, IDivisionOperators<T, T, T>
        where TL : IFloatLanes<T> =>
        TL.SelectAtLeast(eta, TL.Constant(0.0), TL.Constant(1.0), expMinusAbs) / (TL.Constant(1.0) + expMinusAbs);

    /// <summary>logistic(η) = 1/(1 + e^−η) without overflow (the mean of the bernoulli family).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Logistic(double eta) => Logistic<double, Fp64Lane>(eta, DeviceMath.Exp(-Math.Abs(eta)));

    /// <summary>poisson_log_lpmf(y | η) without −log y!: y·η − e^η, d = y − e^η.</summary>
    /// <remarks>
    /// Branch-free and generic as <see cref="BinomialLogit{T, TL}"/>. e^η is <see cref="DeviceMath.ExpClamped{T, TL}"/>,
    /// which saturates at e^708; from η = 708 (<see cref="DeviceMath.ExpClampBound"/>) on, the log likelihood and d are
    /// −∞ instead (e^η has left, or nearly left, the doubles), so that no larger η can look better.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T PoissonLog<T, TL>(T y, T eta, out T d)
        where T : IAdditionOperators<T, T, T>, ISubtractionOperators<T, T, T>, IMultiplyOperators<T, T, T>, IDivisionOperators<T, T, T>
        where TL : IFloatLanes<T>
    {
        T mu = DeviceMath.ExpClamped<T, TL>(eta);
        T limit = TL.Constant(DeviceMath.ExpClampBound), minusInfinity = TL.Constant(double.NegativeInfinity);
        d = TL.SelectAtLeast(eta, limit, minusInfinity, y - mu);
        return TL.SelectAtLeast(eta, limit, minusInfinity, y * eta - mu);
    }

    /// <summary>
    /// One row of any family: the log likelihood without its constant, d, and u² for <see cref="LikelihoodKind.Gaussian"/>
    /// (0 otherwise). <paramref name="trials"/> is n for the binomial; <paramref name="inverseScale"/> is 1/σ or 1/se_i.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Row(LikelihoodKind kind, double y, double trials, double inverseScale, double eta, out double d, out double squared)
    {
        squared = 0;
        switch (kind)
        {
            case LikelihoodKind.Gaussian:
                return Normal(y, eta, inverseScale, out d, out squared);
            case LikelihoodKind.GaussianKnownSe:
                return Normal(y, eta, inverseScale, out d, out _);
            case LikelihoodKind.Bernoulli:
                return BinomialLogit<double, Fp64Lane>(y, 1, eta, out d);
            case LikelihoodKind.Binomial:
                return BinomialLogit<double, Fp64Lane>(y, trials, eta, out d);
            default:
                return PoissonLog<double, Fp64Lane>(y, eta, out d);
        }
    }

    /// <summary>
    /// The log σ terms of a gaussian model whose rows gave −½Σu² (<paramref name="sumOfSquares"/> = Σu², u = (y − η)/σ):
    /// −N log σ, the (half) prior on σ, and the Jacobian log σ of σ = e^{log σ}. <paramref name="gradient"/> is
    /// ∂/∂ log σ of the whole log density: Σu² − N + σ·∂prior/∂σ + 1.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double GaussianSigma(in PriorSlot prior, double logSigma, int rows, double sumOfSquares, out double gradient)
    {
        double sigma = DeviceMath.Exp(logSigma);
        double lp = -rows * logSigma + PriorDensity.LogDensity(prior, sigma, out double dp) + prior.LogHalfNormalizer + logSigma;
        gradient = sumOfSquares - rows + sigma * dp + 1;
        return lp;
    }
}
