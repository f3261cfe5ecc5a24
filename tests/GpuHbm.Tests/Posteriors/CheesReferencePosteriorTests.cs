using System.Globalization;
using GpuHbm.Data;
using GpuHbm.Results;
using Xunit;

namespace GpuHbm.Tests.Posteriors;

/// <summary>
/// Many short chains (issue 8): ChEES-HMC with 256 chains in one CPU ensemble, the default initialisation (L-BFGS from
/// dispersed starts, a Laplace draw around each optimum, one start per superchain of 16 chains; 32 with 1,024 chains), the automatic warm-up
/// (at most 300 iterations) and 50 draws per chain, against the same Stan/posteriordb reference posteriors, models and
/// priors as <see cref="ReferencePosteriorTests"/>: every reference quantity must match (mean within 0.1 reference sd,
/// sd within 10 %), nested R-hat &lt; 1.01 (Margossian et al. 2024), the warm-up must report convergence, and the fit
/// must carry no convergence warning.
/// </summary>
[Trait("Category", "Slow")]
public class CheesReferencePosteriorTests(ITestOutputHelper output)
{
    private const int Chains = 256, MaxWarmup = 300, Draws = 50;

    private Fit FitExample(string file, string formula, string family, string[] priors, string[]? factors = null, int chains = Chains)
    {
        var fit = Glmm.Fit(formula, DataTable.ReadCsv(TestPaths.ExampleData(file)), new FitOptions
        {
            Family = family, Priors = priors, Factors = factors ?? [], Chains = chains, MaxWarmup = MaxWarmup, Draws = Draws, Seed = 20261122,
            Sampler = "chees", Backend = "cpu",
        });
        var a = fit.Adaptation[0];
        var e = fit.Ensemble!;
        var accept = fit.Statistics.SelectMany(s => s.AcceptStat).ToArray();
        double harmonic = accept.Length / accept.Sum(x => 1 / Math.Max(x, 1e-300));
        output.WriteLine(e.Describe());
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ε = {a.StepSize:G4}, T = {a.TrajectoryLength:G4}, mean leapfrog steps {fit.Statistics.Average(s => s.LeapfrogSteps.Average()):F1}, " +
            $"harmonic-mean acceptance {harmonic:F3}, divergences {fit.Report.Divergences}, min E-BFMI {fit.Report.EbfmiPerChain.Min():F3}, " +
            $"max R-hat {fit.Summary.Rows.Max(r => r.Rhat):F4}, max nested R-hat {fit.Summary.Rows.Max(r => r.NestedRhat):F4}, gradients {fit.GradientEvaluations}"));
        foreach (var w in fit.Report.Warnings) output.WriteLine("warning: " + w);
        return fit;
    }

    private static void AssertAll(ReferencePosterior reference, Func<string, double[]> drawsOf, Fit fit, int chains = Chains)
    {
        var failures = reference.Variables.Select(v => reference.Check(v, drawsOf(v))).Where(m => m is not null).ToList();
        Assert.True(failures.Count == 0, $"{failures.Count} of {reference.Variables.Count()} quantities differ from the reference:\n" + string.Join("\n", failures));

        var e = fit.Ensemble!;
        Assert.True(e.AutoWarmup);
        Assert.True(e.WarmupConverged, $"warm-up not converged: {e.NotConvergedReason}");
        Assert.InRange(e.WarmupIterations, 1, MaxWarmup);
        Assert.Equal(chains / FitOptions.DefaultSuperchainSize(chains), e.Superchains);
        Assert.True(e.Initialization.GradientEvaluations > 0);
        Assert.True(fit.Summary.HasNestedRhat);
        double nested = fit.Summary.Rows.Max(r => r.NestedRhat);
        Assert.True(nested < 1.01, $"max nested R-hat {nested}");
        Assert.True(fit.Converged, string.Join("\n", fit.Report.ConvergenceProblems));
        Assert.True(fit.Report.Divergences < 0.01 * chains * Draws, $"{fit.Report.Divergences} divergent transitions");
    }

    [Fact]
    public void Eight_schools_noncentered_matches_posteriordb()
    {
        var fit = FitExample("eight_schools.csv", ReferenceCases.EightSchoolsFormula, "gaussian", ReferenceCases.EightSchoolsPriors);
        AssertAll(ReferencePosterior.Load("eight_schools_noncentered.csv"), ReferenceCases.EightSchools(fit), fit);
    }

    [Fact]
    public void Sleepstudy_correlated_slopes_match_stan()
    {
        var fit = FitExample("sleepstudy.csv", ReferenceCases.SleepstudyFormula, "gaussian", ReferenceCases.SleepstudyPriors);
        AssertAll(ReferencePosterior.Load("sleepstudy.csv"), ReferenceCases.Sleepstudy(fit), fit);
    }

    [Fact]
    public void Radon_varying_intercept_and_slope_matches_stan()
    {
        var fit = FitExample("radon_mn.csv", ReferenceCases.RadonFormula, "gaussian", ReferenceCases.RadonPriors);
        AssertAll(ReferencePosterior.Load("radon_mn.csv"), ReferenceCases.Radon(fit), fit);
    }

    [Fact]
    public void Cbpp_binomial_matches_stan()
    {
        var fit = FitExample("cbpp.csv", ReferenceCases.CbppFormula, "binomial", ReferenceCases.CbppPriors, ReferenceCases.CbppFactors);
        AssertAll(ReferencePosterior.Load("cbpp.csv"), ReferenceCases.Cbpp(fit), fit);
    }

    [Fact]
    public void Radon_with_1024_chains_matches_stan()
    {
        var fit = FitExample("radon_mn.csv", ReferenceCases.RadonFormula, "gaussian", ReferenceCases.RadonPriors, chains: 1024);
        AssertAll(ReferencePosterior.Load("radon_mn.csv"), ReferenceCases.Radon(fit), fit, chains: 1024);
    }
}
