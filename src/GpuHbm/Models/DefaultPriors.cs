using System.Globalization;
using GpuHbm.Kernels;

namespace GpuHbm.Models;

/// <summary>
/// Weakly informative default priors scaled to the data.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>gaussian (with or without se): Intercept ~ student_t(3, median(y), S); sigma and every sd ~
/// student_t(3, 0, S) truncated at 0; S = max(2.5, mad(y)) with mad's 1.4826 factor as R. Location and
/// scale are rounded to one decimal, as brms's defaults.</item>
/// <item>bernoulli, binomial, poisson: Intercept ~ student_t(3, 0, 2.5); every sd ~ student_t(3, 0, 2.5)
/// truncated at 0.</item>
/// <item>b[x] ~ normal(0, 2.5·sd(y)/sd(x)) for gaussian and normal(0, 2.5/sd(x)) otherwise, with sd(x)
/// the sample sd of the design column (rstanarm's autoscaled default), rounded to 4 significant digits.</item>
/// <item>cor ~ lkj(1) (uniform over correlation matrices).</item>
/// </list>
/// </remarks>
internal sealed class DefaultPriors
{
    public required PriorDistribution Intercept { get; init; }
    public required PriorDistribution Scale { get; init; }   // sigma and sd
    public required Func<double[], PriorDistribution> B { get; init; }
    public PriorDistribution Cor { get; } = new(PriorDistributionKind.Lkj, 1);

    public static DefaultPriors For(Family family, double[] y)
    {
        if (family.Kind == FamilyKind.Gaussian)
        {
            double s = Math.Round(Math.Max(2.5, Mad(y)), 1, MidpointRounding.AwayFromZero);
            double sdY = RankCheck.StandardDeviation(y);
            if (sdY == 0) sdY = 1;
            return new DefaultPriors
            {
                Intercept = new(PriorDistributionKind.StudentT, 3, Math.Round(Median(y), 1, MidpointRounding.AwayFromZero), s),
                Scale = new(PriorDistributionKind.StudentT, 3, 0, s),
                B = x => new(PriorDistributionKind.Normal, 0, Significant(2.5 * sdY / RankCheck.StandardDeviation(x))),
            };
        }
        return new DefaultPriors
        {
            Intercept = new(PriorDistributionKind.StudentT, 3, 0, 2.5),
            Scale = new(PriorDistributionKind.StudentT, 3, 0, 2.5),
            B = x => new(PriorDistributionKind.Normal, 0, Significant(2.5 / RankCheck.StandardDeviation(x))),
        };
    }

    /// <summary>R's median (mean of the two middle values for even n).</summary>
    public static double Median(IEnumerable<double> values)
    {
        var v = values.ToArray();
        Array.Sort(v);
        int n = v.Length;
        if (n == 0) return 0;
        return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
    }

    /// <summary>R's mad: 1.4826 · median |y − median(y)|.</summary>
    public static double Mad(double[] y)
    {
        double m = Median(y);
        return 1.4826 * Median(y.Select(v => Math.Abs(v - m)));
    }

    private static double Significant(double v) =>
        double.Parse(v.ToString("G4", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
}
