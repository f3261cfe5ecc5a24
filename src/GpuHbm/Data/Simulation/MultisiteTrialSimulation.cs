using System.Globalization;
using GpuHbm.Models;

namespace GpuHbm.Data.Simulation;

/// <summary>
/// Size, outcome and true values of a <see cref="MultisiteTrialSimulation"/>. Defaults: 100 sites of
/// 30 patients, gaussian outcome, average treatment effect −0.3 with between-site sd 0.4 (so about
/// 77 % of sites benefit when lower is better), site intercept sd 0.5, covariate slope 0.5, residual sd 1.
/// </summary>
public sealed record MultisiteTrialOptions
{
    public int Sites { get; init; } = 100;
    public int PatientsPerSite { get; init; } = 30;
    /// <summary>"gaussian" or "bernoulli".</summary>
    public string Family { get; init; } = "gaussian";
    public double Intercept { get; init; }
    public double Effect { get; init; } = -0.3;
    public double EffectSd { get; init; } = 0.4;
    public double InterceptSd { get; init; } = 0.5;
    public double Covariate { get; init; } = 0.5;
    public double Sigma { get; init; } = 1.0;
    public ulong Seed { get; init; } = 1;
}

/// <summary>
/// A multisite randomised trial with site-level treatment effects drawn from a known distribution:
/// the data of the treatment-heterogeneity tests. Model (sites s = 1..S, labelled "S001", ...; patients i):
/// <code>
/// u0_s ~ N(0, InterceptSd²), u1_s ~ N(0, EffectSd²) independent
/// x_i ~ N(0, 1), treat_i ~ Bernoulli(1/2)
/// η_i = Intercept + u0_s + (Effect + u1_s)·treat_i + Covariate·x_i
/// gaussian: y_i ~ N(η_i, Sigma²);  bernoulli: y_i ~ Bernoulli(logistic(η_i))
/// </code>
/// Fit with <see cref="Formula"/>. Random numbers: Philox keyed by the seed, counter (entity, slot,
/// stream 2 = patients / 3 = sites, <c>RandomPurpose.Simulation</c>).
/// </summary>
public sealed class MultisiteTrialSimulation
{
    /// <summary>The formula that matches the generating model.</summary>
    public const string Formula = "y ~ 1 + treat + x + (1 + treat || site)";

    public MultisiteTrialOptions Options { get; }

    /// <summary>Site labels, "S001", ...</summary>
    public IReadOnlyList<string> Sites { get; }

    /// <summary>The true treatment effect of each site, Effect + u1_s (link scale).</summary>
    public IReadOnlyList<double> SiteEffects { get; }

    /// <summary>The true intercept deviation u0_s of each site.</summary>
    public IReadOnlyList<double> SiteIntercepts { get; }

    /// <summary>The data: columns site, treat, x, y.</summary>
    public DataTable Data { get; }

    public MultisiteTrialSimulation(MultisiteTrialOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Sites < 2) throw new GpuHbmException($"a multisite trial needs at least 2 sites, not {options.Sites}");
        if (options.PatientsPerSite < 2) throw new GpuHbmException($"each site needs at least 2 patients, not {options.PatientsPerSite}");
        var family = Models.Family.Parse(options.Family);
        if (family != Models.Family.Gaussian && family != Models.Family.Bernoulli)
            throw new GpuHbmException($"the multisite trial simulates gaussian or bernoulli outcomes, not {options.Family}");
        Options = options;
        int s = options.Sites, m = options.PatientsPerSite, n = s * m;
        ulong seed = options.Seed;
        var labels = new string[s];
        var u0 = new double[s];
        var effects = new double[s];
        for (int j = 0; j < s; j++)
        {
            labels[j] = "S" + (j + 1).ToString(CultureInfo.InvariantCulture).PadLeft(Math.Max(3, s.ToString(CultureInfo.InvariantCulture).Length), '0');
            var (e1, e2) = HospitalSimulation.NormalPair(seed, 3, 0, (uint)j);
            u0[j] = options.InterceptSd * e1;
            effects[j] = options.Effect + options.EffectSd * e2;
        }
        var site = new string?[n];
        var treat = new string?[n];
        var x = new string?[n];
        var y = new string?[n];
        for (int i = 0; i < n; i++)
        {
            int j = i / m;
            var (xi, noise) = HospitalSimulation.NormalPair(seed, 2, 0, (uint)i);
            var (ut, uy) = HospitalSimulation.Draw(seed, 2, 1, (uint)i);
            int t = ut < 0.5 ? 1 : 0;
            double eta = options.Intercept + u0[j] + effects[j] * t + options.Covariate * xi;
            double yi = family == Models.Family.Gaussian ? eta + options.Sigma * noise : (uy < family.InverseLink(eta) ? 1 : 0);
            site[i] = labels[j];
            treat[i] = t.ToString(CultureInfo.InvariantCulture);
            x[i] = xi.ToString("R", CultureInfo.InvariantCulture);
            y[i] = yi.ToString("R", CultureInfo.InvariantCulture);
        }
        Sites = labels;
        SiteEffects = effects;
        SiteIntercepts = u0;
        Data = new DataTable([new DataColumn("site", site), new DataColumn("treat", treat), new DataColumn("x", x), new DataColumn("y", y)],
            $"simulated multisite trial (S = {s}, {m} per site, seed {seed})");
    }
}
