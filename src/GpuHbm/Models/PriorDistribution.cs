using System.Globalization;
using GpuHbm.Kernels;
using MathNet.Numerics;
using MathNet.Numerics.Distributions;

namespace GpuHbm.Models;

/// <summary>
/// A prior distribution with its arguments: <c>normal(mu, sigma)</c>, <c>student_t(nu, mu, sigma)</c>,
/// <c>cauchy(mu, sigma)</c>, <c>exponential(rate)</c>, <c>lkj(eta)</c>, <c>flat</c>.
/// </summary>
/// <remarks>
/// Densities are those of the Stan Functions Reference (normal_lpdf, student_t_lpdf, cauchy_lpdf,
/// exponential_lpdf) with all normalizing constants, evaluated by the shared <see cref="PriorDensity"/>
/// (the same code the device kernels run) from the <see cref="Slot"/> computed here. On a positive parameter (sd, sigma) the
/// distribution is truncated to [0, ∞): <see cref="LogHalfNormalizer"/> is −log(1 − F(0)), which is
/// log 2 for a location-0 symmetric distribution and 0 for the exponential.
/// </remarks>
public sealed class PriorDistribution
{
    private static readonly double LogSqrt2Pi = 0.5 * Math.Log(2 * Math.PI);

    private readonly double _a, _b, _c;   // arguments in the order written
    private readonly double _logConst;     // log normalizing constant of the (untruncated) density

    public PriorDistributionKind Kind { get; }

    /// <summary>The arguments as written, e.g. (3, 0, 2.5) for student_t(3, 0, 2.5).</summary>
    public IReadOnlyList<double> Arguments { get; }

    public PriorDistribution(PriorDistributionKind kind, params double[] arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        Kind = kind;
        int expected = ArgumentCount(kind);
        if (arguments.Length != expected)
            throw new GpuHbmModelException($"{Name(kind)} takes {expected} argument{(expected == 1 ? "" : "s")} ({ArgumentNames(kind)}), not {arguments.Length}");
        foreach (var v in arguments)
            if (!double.IsFinite(v))
                throw new GpuHbmModelException($"{Name(kind)} arguments must be finite numbers, got {Format(v)}");
        Arguments = arguments.ToArray();
        _a = arguments.Length > 0 ? arguments[0] : 0;
        _b = arguments.Length > 1 ? arguments[1] : 0;
        _c = arguments.Length > 2 ? arguments[2] : 0;
        switch (kind)
        {
            case PriorDistributionKind.Normal:
                RequirePositive(_b, "sigma");
                _logConst = -LogSqrt2Pi - Math.Log(_b);
                break;
            case PriorDistributionKind.StudentT:
                RequirePositive(_a, "nu");
                RequirePositive(_c, "sigma");
                _logConst = SpecialFunctions.GammaLn(0.5 * (_a + 1)) - SpecialFunctions.GammaLn(0.5 * _a)
                            - 0.5 * Math.Log(_a * Math.PI) - Math.Log(_c);
                break;
            case PriorDistributionKind.Cauchy:
                RequirePositive(_b, "sigma");
                _logConst = -Math.Log(Math.PI) - Math.Log(_b);
                break;
            case PriorDistributionKind.Exponential:
                RequirePositive(_a, "rate");
                _logConst = Math.Log(_a);
                break;
            case PriorDistributionKind.Lkj:
                RequirePositive(_a, "eta");
                break;
        }
        LogHalfNormalizer = kind switch
        {
            PriorDistributionKind.Normal => -Math.Log(0.5 * SpecialFunctions.Erfc(-_a / (_b * Math.Sqrt(2)))),
            PriorDistributionKind.StudentT => -Math.Log(StudentT.CDF(0, 1, _a, _b / _c)),
            PriorDistributionKind.Cauchy => -Math.Log(0.5 + Math.Atan(_a / _b) / Math.PI),
            _ => 0,
        };
        Slot = new PriorSlot(kind, _a, _b, _c, _logConst, LogHalfNormalizer);
    }

    /// <summary>The distribution as the shared math (<see cref="PriorDensity"/>) and the device kernels take it.</summary>
    internal PriorSlot Slot { get; }

    /// <summary>The LKJ shape eta (only for <see cref="PriorDistributionKind.Lkj"/>).</summary>
    public double LkjEta => Kind == PriorDistributionKind.Lkj ? _a : throw new InvalidOperationException("not an lkj prior");

    /// <summary>−log P(X ≥ 0): added to the log density when the parameter is constrained positive.</summary>
    public double LogHalfNormalizer { get; }

    /// <summary>The log normalizing constant <see cref="LogDensity"/> adds (0 for flat and lkj); for device densities.</summary>
    internal double LogNormalizingConstant => _logConst;

    /// <summary>True for a distribution on the whole real line (usable on b and Intercept).</summary>
    public bool IsUnbounded => Kind is PriorDistributionKind.Normal or PriorDistributionKind.StudentT
        or PriorDistributionKind.Cauchy or PriorDistributionKind.Flat;

    /// <summary>
    /// Log density at <paramref name="x"/> (untruncated) and its derivative. Flat gives 0. The
    /// exponential gives −∞ below 0.
    /// </summary>
    public double LogDensity(double x, out double derivative)
    {
        if (Kind == PriorDistributionKind.Lkj) throw new InvalidOperationException($"{Name(Kind)} is not a scalar density");
        return PriorDensity.LogDensity(Slot, x, out derivative);
    }

    /// <summary>brms's name of a distribution kind.</summary>
    public static string Name(PriorDistributionKind kind) => kind switch
    {
        PriorDistributionKind.Normal => "normal",
        PriorDistributionKind.StudentT => "student_t",
        PriorDistributionKind.Cauchy => "cauchy",
        PriorDistributionKind.Exponential => "exponential",
        PriorDistributionKind.Lkj => "lkj",
        _ => "flat",
    };

    internal static int ArgumentCount(PriorDistributionKind kind) => kind switch
    {
        PriorDistributionKind.StudentT => 3,
        PriorDistributionKind.Normal or PriorDistributionKind.Cauchy => 2,
        PriorDistributionKind.Exponential or PriorDistributionKind.Lkj => 1,
        _ => 0,
    };

    internal static string ArgumentNames(PriorDistributionKind kind) => kind switch
    {
        PriorDistributionKind.StudentT => "nu, mu, sigma",
        PriorDistributionKind.Normal or PriorDistributionKind.Cauchy => "mu, sigma",
        PriorDistributionKind.Exponential => "rate",
        PriorDistributionKind.Lkj => "eta",
        _ => "none",
    };

    private void RequirePositive(double v, string what)
    {
        if (!(v > 0))
            throw new GpuHbmModelException($"{Name(Kind)}: {what} must be positive, got {Format(v)}");
    }

    internal static string Format(double v) => v.ToString(CultureInfo.InvariantCulture);

    /// <summary>The distribution as written in a prior string, e.g. <c>student_t(3, 0, 2.5)</c>.</summary>
    public override string ToString() => Kind == PriorDistributionKind.Flat
        ? "flat"
        : $"{Name(Kind)}({string.Join(", ", Arguments.Select(Format))})";
}
