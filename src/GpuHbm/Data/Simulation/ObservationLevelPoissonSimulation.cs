using System.Globalization;

namespace GpuHbm.Data.Simulation;

/// <summary>
/// Counts with an observation-level random effect beside a 5-level factor (issue 12's case for automatic centring):
/// <code>
/// a_f ~ N(0, SdFactor²) for the 5 levels F1..F5, e_i ~ N(0, SdObservation²) one per row (levels o1, o2, ...)
/// y_i ~ Poisson(exp(Intercept + a_f[i] + e_i)),  row i in level (i mod 5) + 1
/// </code>
/// With many rows per level the data pin each a_f down (the centred form suits them) while each e_i rests on one
/// count (the non-centred form suits them). Fit with <see cref="Formula"/>, family poisson. Random numbers:
/// System.Random(seed) with MathNet's normal and Poisson samplers.
/// </summary>
public static class ObservationLevelPoissonSimulation
{
    /// <summary>The formula that matches the generating model.</summary>
    public const string Formula = "y ~ 1 + (1 | f) + (1 | obs)";

    /// <summary>The data: columns y, f (F1..F5), obs (o1..oN), 5·<paramref name="perLevel"/> rows.</summary>
    public static DataTable Generate(int perLevel, int seed, double intercept, double sdFactor, double sdObservation)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(perLevel, 1);
        var rng = new Random(seed);
        double Normal() => MathNet.Numerics.Distributions.Normal.Sample(rng, 0, 1);
        var a = Enumerable.Range(0, 5).Select(_ => sdFactor * Normal()).ToArray();
        int n = 5 * perLevel;
        var y = new string?[n];
        var f = new string?[n];
        var obs = new string?[n];
        for (int i = 0; i < n; i++)
        {
            int level = i % 5;
            double eta = intercept + a[level] + sdObservation * Normal();
            y[i] = MathNet.Numerics.Distributions.Poisson.Sample(rng, Math.Exp(eta)).ToString(CultureInfo.InvariantCulture);
            f[i] = "F" + (level + 1);
            obs[i] = "o" + (i + 1);
        }
        return new DataTable([new DataColumn("y", y), new DataColumn("f", f), new DataColumn("obs", obs)], "observation-level poisson");
    }
}
