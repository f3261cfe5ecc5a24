using GpuHbm.Data;
using GpuHbm.Results;

namespace GpuHbm.Tests.Estimands;

/// <summary>Small fits shared by the estimand tests (each fitted once per test run, on first use).</summary>
internal static class EstimandFits
{
    private static readonly Lazy<Fit> SleepstudyIntercept = new(() => Glmm.Fit("Reaction ~ 1 + Days + (1 | Subject)",
        DataTable.ReadCsv(TestPaths.ExampleData("sleepstudy.csv")),
        new FitOptions { Backend = "cpu", Chains = 2, Warmup = 400, Draws = 500, Seed = 3 }));

    private static readonly Lazy<Fit> SleepstudySlopes = new(() => Glmm.Fit("Reaction ~ 1 + Days + (1 + Days | Subject)",
        DataTable.ReadCsv(TestPaths.ExampleData("sleepstudy.csv")),
        new FitOptions { Backend = "cpu", Chains = 2, Warmup = 400, Draws = 500, Seed = 4 }));

    private static readonly Lazy<Fit> Pastes = new(() => Glmm.Fit("strength ~ 1 + (1 | batch/cask)",
        DataTable.ReadCsv(TestPaths.ExampleData("pastes.csv")),
        new FitOptions { Backend = "cpu", Chains = 2, Warmup = 500, Draws = 500, Seed = 5, AdaptDelta = 0.95 }));

    private static readonly Lazy<Fit> Cbpp = new(() => Glmm.Fit("incidence | trials(size) ~ period + (1 | herd)",
        DataTable.ReadCsv(TestPaths.ExampleData("cbpp.csv")),
        new FitOptions { Backend = "cpu", Family = "binomial", Factors = ["period"], Chains = 2, Warmup = 400, Draws = 500, Seed = 6 }));

    public static Fit SleepstudyRandomIntercept => SleepstudyIntercept.Value;
    public static Fit SleepstudyRandomSlopes => SleepstudySlopes.Value;
    public static Fit PastesNested => Pastes.Value;
    public static Fit CbppBinomial => Cbpp.Value;

    /// <summary>All draws of a parameter, chains concatenated (the order PosteriorDraws uses).</summary>
    public static double[] Pooled(Fit fit, string name) => fit[name].SelectMany(c => c).ToArray();
}
