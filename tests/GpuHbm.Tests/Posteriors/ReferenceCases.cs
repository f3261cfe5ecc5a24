using System.Globalization;
using GpuHbm.Results;

namespace GpuHbm.Tests.Posteriors;

/// <summary>
/// The reference models of fixtures/README.md (formula, family, priors) and how each reference quantity,
/// in the reference's own names, is computed from a fit's draws. Shared by the NUTS and ChEES tests.
/// </summary>
internal static class ReferenceCases
{
    public const string SleepstudyFormula = "Reaction ~ 1 + Days + (1 + Days | Subject)";
    public static readonly string[] SleepstudyPriors =
        ["Intercept ~ normal(250, 100)", "b ~ normal(0, 50)", "sigma ~ normal(0, 50)", "sd ~ normal(0, 50)", "cor ~ lkj(2)"];

    public const string RadonFormula = "log_radon ~ 1 + floor + (1 + floor || county)";
    public static readonly string[] RadonPriors = ["Intercept ~ normal(0, 10)", "b ~ normal(0, 10)", "sigma ~ normal(0, 1)", "sd ~ normal(0, 1)"];

    public const string EightSchoolsFormula = "y | se(sigma) ~ 1 + (1 | school)";
    public static readonly string[] EightSchoolsPriors = ["Intercept ~ normal(0, 5)", "sd ~ cauchy(0, 5)"];

    public const string CbppFormula = "incidence | trials(size) ~ period + (1 | herd)";
    public static readonly string[] CbppPriors = ["Intercept ~ normal(0, 5)", "b ~ normal(0, 5)", "sd ~ normal(0, 2)"];
    public static readonly string[] CbppFactors = ["period"];

    /// <summary>All draws of one parameter, chains concatenated.</summary>
    public static double[] Pooled(Fit fit, string name) => fit[name].SelectMany(c => c).ToArray();

    public static double[] Combine(double[] a, double[] b, Func<double, double, double> f) => a.Select((x, i) => f(x, b[i])).ToArray();

    /// <summary>Stan names: b0, b1, sigma, tau[k], rho, u[j,k] = r_Subject[level j in sorted label order, k] (k = 1 Intercept, 2 Days).</summary>
    public static Func<string, double[]> Sleepstudy(Fit fit)
    {
        var levels = fit.Model.RandomTerms[0].LevelNames;
        return v => v switch
        {
            "b0" => Pooled(fit, "b_Intercept"),
            "b1" => Pooled(fit, "b_Days"),
            "sigma" => Pooled(fit, "sigma"),
            "tau[1]" => Pooled(fit, "sd_Subject__Intercept"),
            "tau[2]" => Pooled(fit, "sd_Subject__Days"),
            "rho" => Pooled(fit, "cor_Subject__Intercept__Days"),
            _ => U(v),
        };

        double[] U(string v)
        {
            var idx = v[2..^1].Split(',');
            string level = levels[int.Parse(idx[0], CultureInfo.InvariantCulture) - 1];
            return Pooled(fit, $"r_Subject[{level},{(idx[1] == "1" ? "Intercept" : "Days")}]");
        }
    }

    /// <summary>posteriordb names: mu, tau, theta[j] = b_Intercept + r_school[j,Intercept].</summary>
    public static Func<string, double[]> EightSchools(Fit fit)
    {
        var mu = Pooled(fit, "b_Intercept");
        return v => v switch
        {
            "mu" => mu,
            "tau" => Pooled(fit, "sd_school__Intercept"),
            _ => Combine(mu, Pooled(fit, $"r_school[{v[6..^1]},Intercept]"), (a, b) => a + b),
        };
    }

    /// <summary>Stan names: b[1] = b_Intercept, b[2..4] = b_period2..4, tau = sd_herd__Intercept, z[j] = r_herd[j,Intercept] / tau.</summary>
    public static Func<string, double[]> Cbpp(Fit fit)
    {
        var tau = Pooled(fit, "sd_herd__Intercept");
        return v => v switch
        {
            "b[1]" => Pooled(fit, "b_Intercept"),
            "b[2]" => Pooled(fit, "b_period2"),
            "b[3]" => Pooled(fit, "b_period3"),
            "b[4]" => Pooled(fit, "b_period4"),
            "tau" => tau,
            _ => Combine(Pooled(fit, $"r_herd[{v[2..^1]},Intercept]"), tau, (r, t) => r / t),
        };
    }

    /// <summary>Stan names: mu_alpha, mu_beta, sigma_y, sigma_alpha, sigma_beta, alpha[j] = mu_alpha + r_county[j,Intercept], beta[j] = mu_beta + r_county[j,floor].</summary>
    public static Func<string, double[]> Radon(Fit fit)
    {
        var muAlpha = Pooled(fit, "b_Intercept");
        var muBeta = Pooled(fit, "b_floor");
        return v => v switch
        {
            "mu_alpha" => muAlpha,
            "mu_beta" => muBeta,
            "sigma_y" => Pooled(fit, "sigma"),
            "sigma_alpha" => Pooled(fit, "sd_county__Intercept"),
            "sigma_beta" => Pooled(fit, "sd_county__floor"),
            _ when v.StartsWith("alpha[", StringComparison.Ordinal) => Combine(muAlpha, Pooled(fit, $"r_county[{v[6..^1]},Intercept]"), (a, b) => a + b),
            _ => Combine(muBeta, Pooled(fit, $"r_county[{v[5..^1]},floor]"), (a, b) => a + b),
        };
    }
}
