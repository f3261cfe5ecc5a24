namespace GpuHbm.Data.Simulation;

/// <summary>
/// The true parameter values of the hospital model (see <see cref="HospitalSimulation"/>):
/// population-level coefficients on the logit scale, and the hospital-level standard deviations
/// and correlation of the varying intercept and varying treatment effect.
/// </summary>
public sealed record SimulatedTruth(
    double Intercept,
    double AgeStd,
    double Sex,
    double Severity,
    double Teaching,
    double Treat,
    double SdIntercept,
    double SdTreat,
    double CorInterceptTreat)
{
    /// <summary>
    /// β0 = −1.0, β_age = 0.4, β_sex = −0.2, β_sev = 0.8, β_teach = 0.3, β_treat = −0.5,
    /// sd_intercept = 0.5, sd_treat = 0.3, ρ = −0.4.
    /// </summary>
    public static SimulatedTruth Default { get; } = new(-1.0, 0.4, -0.2, 0.8, 0.3, -0.5, 0.5, 0.3, -0.4);

    /// <summary>
    /// The values under the names GpuHbm (like brms) reports for
    /// <c>y ~ 1 + age_std + sex + severity + teaching + treat + (1 + treat | hospital)</c>.
    /// </summary>
    public IReadOnlyList<(string Name, double Value)> Parameters =>
    [
        ("b_Intercept", Intercept),
        ("b_age_std", AgeStd),
        ("b_sex", Sex),
        ("b_severity", Severity),
        ("b_teaching", Teaching),
        ("b_treat", Treat),
        ("sd_hospital__Intercept", SdIntercept),
        ("sd_hospital__treat", SdTreat),
        ("cor_hospital__Intercept__treat", CorInterceptTreat),
    ];
}
